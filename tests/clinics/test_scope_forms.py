"""The scope "who may see this patient now" asked of one patient (an EXISTS) answers as the list form (an IN)."""

import pytest
from django.contrib.auth import get_user_model
from django.db.models import OuterRef
from django.utils import timezone

from clinics import selectors as care
from clinics.models import Membership
from diary import admin_selectors
from diary.models import Flag, Patient
from drugs.models import Urgency
from tests.factories import DrugFactory, PatientFactory, StaffFactory, assign, join_clinic


@pytest.fixture
def people(clinic, other_clinic, derm, other_derm, manager):
    shared = PatientFactory(user__username="shared")
    assign(shared, derm, photos=True, clinic=clinic)
    no_photos = PatientFactory(user__username="no-photos")
    assign(no_photos, derm, photos=False, clinic=clinic)
    withdrawn = PatientFactory(user__username="withdrawn")
    link = assign(withdrawn, derm, clinic=clinic)
    link.withdrawn_at = timezone.now()
    link.save(update_fields=["withdrawn_at"])
    elsewhere = PatientFactory(user__username="elsewhere")
    assign(elsewhere, other_derm, clinic=other_clinic)
    both = PatientFactory(user__username="both")
    assign(both, derm, photos=False, clinic=clinic)
    assign(both, other_derm, photos=True, clinic=other_clinic)
    unlinked = PatientFactory(user__username="unlinked")
    two_clinics = StaffFactory(username="dr-both")
    join_clinic(two_clinics, clinic, Membership.Role.DERMATOLOGIST)
    join_clinic(two_clinics, other_clinic, Membership.Role.DERMATOLOGIST)
    nobody = StaffFactory(username="dr-nowhere")
    patients = [shared, no_photos, withdrawn, elsewhere, both, unlinked]
    return [derm, other_derm, manager, two_clinics, nobody], patients


@pytest.mark.parametrize("photos", [False, True])
def test_one_patient_asked_answers_as_the_list_of_the_members_patients(people, photos):
    members, patients = people
    User = get_user_model()
    for member in members:
        listed = set(care.patients_of_member(user_id=member.pk, photos=photos).values_list("patient_id", flat=True))
        for patient in patients:
            sees = care.member_sees(user_id=member.pk, patient_user_id=OuterRef("pk"), photos=photos)
            asked = User.objects.filter(sees, pk=patient.user_id).exists()
            assert asked == (patient.user_id in listed), (member.username, patient.user.username, photos)
            answer = care.may_view_patient(user=member, patient_user=patient.user, photos=photos)
            assert answer == asked
    assert care.may_view_patient(user=members[0], patient_user=patients[0].user)  # not every answer is no
    assert not care.may_view_patient(user=members[0], patient_user=patients[3].user)


def test_the_admins_one_patient_read_and_medicine_list_keep_the_scope(people):
    members, patients = people
    drugs = [DrugFactory(slug=f"drug-{n}", generic_name=f"Drug {n}") for n in range(len(patients))]
    for patient, drug in zip(patients, drugs, strict=True):
        day = patient.today()
        Flag.objects.create(  # resolved: the medicine list names the medicines of every flag, open or not
            patient=patient, drug=drug, urgency=Urgency.SOON, status=Flag.Status.RESOLVED, first_seen=day, last_seen=day
        )
    for member in members:
        scoped = admin_selectors.scope_to_member(queryset=Patient.objects.all(), user_id=member.pk, patient_path="")
        expected = set(scoped.values_list("pk", flat=True))
        for patient in patients:
            found = admin_selectors.visible_patient(user=member, pk=patient.pk)
            assert (found is not None) == (patient.pk in expected), (member.username, patient.user.username)
        medicines = [pk for pk, _ in admin_selectors.flag_medicines(user=member)]
        assert medicines == [drug.pk for patient, drug in zip(patients, drugs, strict=True) if patient.pk in expected]
    assert admin_selectors.flag_medicines(user=members[0]) == [
        (drugs[0].pk, "Drug 0"),
        (drugs[1].pk, "Drug 1"),
        (drugs[4].pk, "Drug 4"),
    ]
