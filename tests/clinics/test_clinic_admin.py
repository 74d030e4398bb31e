"""Running a clinic in admin: superusers create clinics; managers manage people, patient links and the code."""

import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinics.admin import USUAL_PAGE, ClinicChangeList
from clinics.models import CareLink, Clinic, Membership
from diary.permissions import CLINIC_MANAGERS, clinic_manager_codenames
from tests.factories import ClinicFactory, PatientFactory, StaffFactory, assign, join_clinic

pytestmark = pytest.mark.django_db


def test_the_clinic_managers_group_holds_exactly_its_permissions(db):
    from diary.permissions import ensure_clinic_managers_group

    group = ensure_clinic_managers_group()
    held = {(p.content_type.app_label, p.codename) for p in group.permissions.select_related("content_type")}
    expected = {(app, codename) for app, codenames in clinic_manager_codenames().items() for codename in codenames}
    assert held == expected
    assert ("diary", "change_flag") not in held
    assert Group.objects.get(name=CLINIC_MANAGERS) == group


def test_only_superusers_create_clinics(client, manager, derm):
    for user in (manager, derm):
        client.force_login(user)
        assert client.get(reverse("admin:clinics_clinic_add")).status_code == 403
    root = StaffFactory(username="root", is_superuser=True)
    client.force_login(root)
    response = client.post(reverse("admin:clinics_clinic_add"), {"name": "Eastside", "alert_email": "", **_no_inline()})
    assert response.status_code == 302
    assert len(Clinic.objects.get(name="Eastside").code) == 6


def _no_inline():
    return {
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }


def test_a_manager_adds_a_staff_account_by_email_and_a_wrong_address_says_so(client, manager, clinic):
    newcomer = StaffFactory(username="dr-new", email="new@northside.example")
    client.force_login(manager)

    wrong = client.post(
        reverse("admin:clinics_membership_add"), {"clinic": clinic.pk, "email": "nobody@x.example", "role": "manager"}
    )
    right = client.post(
        reverse("admin:clinics_membership_add"),
        {"clinic": clinic.pk, "email": "NEW@northside.example", "role": "dermatologist"},
    )

    assert "No staff account has this e-mail address" in wrong.text
    assert 'value="nobody@x.example"' in wrong.text
    assert right.status_code == 302
    assert Membership.objects.get(user=newcomer).clinic == clinic


def test_a_dermatologist_cannot_add_or_remove_people(client, derm, clinic):
    client.force_login(derm)
    membership = Membership.objects.get(user=derm)

    assert client.get(reverse("admin:clinics_membership_add")).status_code == 403
    assert (
        client.post(reverse("admin:clinics_membership_delete", args=[membership.pk]), {"post": "yes"}).status_code
        == 403
    )


def test_removing_a_dermatologist_unassigns_their_patients_at_that_clinic(client, manager, derm, clinic, patient):
    assign(patient, derm, clinic=clinic)
    client.force_login(manager)

    client.post(
        reverse("admin:clinics_membership_delete", args=[Membership.objects.get(user=derm).pk]), {"post": "yes"}
    )

    link = CareLink.objects.get()
    assert link.is_active and link.dermatologist is None
    assert not Membership.objects.filter(user=derm).exists()


def test_a_manager_assigns_a_patient_to_a_dermatologist_of_the_clinic_and_adds_the_record_number(
    client, manager, derm, clinic, patient, other_derm
):
    link = assign(patient, derm, clinic=clinic)
    colleague = StaffFactory(username="dr-blue", first_name="Blue")
    Membership.objects.create(clinic=clinic, user=colleague)
    client.force_login(manager)
    url = reverse("admin:clinics_carelink_change", args=[link.pk])

    foreign = client.post(url, {"dermatologist": other_derm.pk, "record_number": "N-1"})
    done = client.post(url, {"dermatologist": colleague.pk, "record_number": "N-1"})

    assert "Select a valid choice" in foreign.text
    assert done.status_code == 302
    link.refresh_from_db()
    assert (link.dermatologist, link.record_number) == (colleague, "N-1")


def test_the_patient_list_shows_names_not_usernames(client, manager, derm, clinic):
    patient = PatientFactory(user__username="u-8842", user__first_name="Nina", user__last_name="Lee")
    assign(patient, derm, clinic=clinic)
    client.force_login(manager)

    page = client.get(reverse("admin:clinics_carelink_changelist")).text

    assert "Nina Lee" in page and "Meredith Grey" in page
    assert "u-8842" not in page


def test_rotating_the_code_from_admin(client, manager, clinic):
    old = clinic.code
    client.force_login(manager)

    client.post(reverse("admin:clinics_clinic_changelist"), {"action": "rotate_code", "_selected_action": [clinic.pk]})

    clinic.refresh_from_db()
    assert clinic.code != old


def test_a_withdrawn_link_is_shown_but_cannot_be_changed(client, manager, derm, clinic, patient):
    from clinics import services

    link = services.care_link_withdraw(link=assign(patient, derm, clinic=clinic))
    client.force_login(manager)

    response = client.post(reverse("admin:clinics_carelink_change", args=[link.pk]), {"record_number": "X"})

    assert response.status_code == 403
    assert "withdrawn" in client.get(reverse("admin:clinics_carelink_changelist")).text


def test_the_clinic_records_the_date_of_birth_and_sees_the_call_back_phone_but_nothing_else_changes(
    client, derm, clinic, patient
):
    import datetime

    from diary.models import Flag, Patient

    patient.callback_phone = "+44 20 7946 0018"
    patient.save()
    assign(patient, derm, clinic=clinic)
    client.force_login(derm)
    url = reverse("admin:diary_patient_change", args=[patient.pk])

    response = client.post(url, {"date_of_birth": "1980-05-17", "time_zone": "Asia/Tokyo", "callback_phone": "1"})

    assert response.status_code == 302
    patient = Patient.objects.get(pk=patient.pk)
    assert (patient.date_of_birth, patient.time_zone, patient.callback_phone) == (
        datetime.date(1980, 5, 17),
        "Europe/London",
        "+44 20 7946 0018",
    )
    future = client.post(url, {"date_of_birth": "2999-01-01"})
    assert "Enter your real date of birth." in future.content.decode()
    flag = Flag.objects.create(
        patient=patient, urgency=3, first_seen=patient.today(), last_seen=patient.today(), rule_text="r", advice="a"
    )
    page = client.get(reverse("admin:diary_flag_change", args=[flag.pk])).content.decode()
    assert "+44 20 7946 0018" in page


def test_the_clinic_list_counts_the_whole_staff_and_the_patients_sharing_now(client, derm, manager, clinic, other_derm):
    # A member sees the clinic's whole staff (not only themselves), and only the patients who share with it now.
    for n in range(3):
        assign(PatientFactory(user__username=f"sharing-{n}"), derm)
    withdrawn = assign(PatientFactory(user__username="withdrawn"), derm)
    withdrawn.withdrawn_at = withdrawn.consented_at
    withdrawn.save()
    assign(PatientFactory(user__username="elsewhere"), other_derm)
    client.force_login(derm)
    listing = client.get(reverse("admin:clinics_clinic_changelist"))
    assert [(row.name, row.staff_count, row.patient_count) for row in listing.context["cl"].result_list] == [
        ("Northside Skin Clinic", 2, 3)
    ]
    assert '<td class="field-staff">2</td><td class="field-patients">3</td>' in listing.text
    by_staff = client.get(reverse("admin:clinics_clinic_changelist"), {"o": "-5"})
    assert by_staff.status_code == 200


def test_the_clinic_lists_counts_follow_each_change_on_the_next_page(client, derm, clinic, other_clinic):
    # The counts' expressions are built once per process; the figures are read on every page.
    def row():
        listing = client.get(reverse("admin:clinics_clinic_changelist"))
        return [(r.name, r.staff_count, r.patient_count) for r in listing.context["cl"].result_list]

    client.force_login(derm)
    assert row() == [("Northside Skin Clinic", 1, 0)]
    link = assign(PatientFactory(user__username="sharing"), derm)
    assert row() == [("Northside Skin Clinic", 1, 1)]
    join_clinic(StaffFactory(username="newcomer"), clinic)
    assert row() == [("Northside Skin Clinic", 2, 1)]
    link.withdrawn_at = link.consented_at
    link.save()
    assert row() == [("Northside Skin Clinic", 2, 0)]
    join_clinic(derm, other_clinic)  # a member of two clinics sees each once
    assert row() == [("Northside Skin Clinic", 2, 0), ("Southside Dermatology", 1, 0)]
    assert client.get(reverse("admin:clinics_clinic_changelist")).context["cl"].result_count == 2


def _page(client, params=None) -> tuple[str, int]:
    client.get(reverse("admin:clinics_clinic_changelist"), params or {})  # what a first page builds, built
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("admin:clinics_clinic_changelist"), params or {})
    assert page.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.content.decode()), len(queries)


def _both_ways(client, monkeypatch, params=None) -> tuple[tuple[str, int], tuple[str, int]]:
    """The page at the usual address's prepared read, then by Django's own count and page."""
    prepared = _page(client, params)
    with monkeypatch.context() as patched:
        patched.setattr(ClinicChangeList, "_usual", lambda self: False)
        djangos = _page(client, params)
    return prepared, djangos


def test_the_clinic_list_at_its_usual_address_is_djangos_page_with_one_query_fewer(client, monkeypatch, derm, clinic):
    for name in ("Westside", "Eastside", "Zed Clinic"):
        join_clinic(derm, ClinicFactory(name=name))
    assign(PatientFactory(user__username="sharing"), derm)
    join_clinic(StaffFactory(username="colleague"), clinic)
    client.force_login(derm)
    (prepared, prepared_queries), (djangos, djangos_queries) = _both_ways(client, monkeypatch)
    assert prepared == djangos
    assert prepared_queries == djangos_queries - 1
    assert prepared.index("Eastside") < prepared.index("Northside") < prepared.index("Westside")
    assert '<td class="field-staff">2</td>' in prepared and '<td class="field-patients">1</td>' in prepared
    searched, by_staff = _both_ways(client, monkeypatch, {"q": "side"}), _both_ways(client, monkeypatch, {"o": "-5"})
    assert searched[0] == searched[1] and by_staff[0] == by_staff[1]  # any other address is Django's


def test_a_superusers_clinic_list_longer_than_a_page_is_djangos(client, monkeypatch, db):
    client.force_login(StaffFactory(username="root", is_superuser=True))
    ClinicFactory(name="Clinic 00")
    assert _both_ways(client, monkeypatch)[0][0] == _both_ways(client, monkeypatch)[1][0]
    for n in range(1, USUAL_PAGE + 1):
        ClinicFactory(name=f"Clinic {n:03}")
    (prepared, _), (djangos, _) = _both_ways(client, monkeypatch)
    assert prepared == djangos
    assert f"Clinic {USUAL_PAGE - 1:03}" in prepared and f"Clinic {USUAL_PAGE:03}" not in prepared
    assert _both_ways(client, monkeypatch, {"p": "2"})[0][0] == _both_ways(client, monkeypatch, {"p": "2"})[1][0]
