"""A clinic's phone: set in admin by superusers and the clinic's managers, offered to its sharing patients as a
"Call your clinic" button on "today" alerts, never to others and never in place of the emergency call."""

import pytest
from django.urls import reverse

from clinics import services
from clinics.validators import NOT_A_PHONE_NUMBER
from diary import selectors
from diary.models import Flag
from drugs.models import Urgency
from tests.factories import ClinicFactory, EntryFactory, StaffFactory, assign

pytestmark = pytest.mark.django_db

PHONE = "+44 20 7946 0018"
CALL = 'href="tel:+442079460018"'


def _flag(patient, urgency=Urgency.TODAY) -> Flag:
    """An open flag whose evidence is today."""
    entry = EntryFactory(patient=patient)
    return Flag.objects.create(
        patient=patient,
        entry=entry,
        urgency=urgency,
        first_seen=entry.date,
        last_seen=entry.date,
        rule_text="Cold sores on treated skin",
        advice="Contact your clinician today.",
        evidence={"days": [{"date": entry.date.isoformat(), "reactions": []}]},
    )


def _today(client, patient) -> str:
    client.force_login(patient.user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def phoned(clinic):
    clinic.phone = PHONE
    clinic.save()
    return clinic


def test_a_linked_patient_is_offered_the_clinics_phone_on_a_today_alert_until_withdrawing(
    client, patient, derm, phoned
):
    link = assign(patient, derm, clinic=phoned)
    _flag(patient)

    page = _today(client, patient)
    assert CALL in page
    assert f"Call your clinic ({PHONE})" in page

    services.care_link_withdraw(link=link)

    assert CALL not in _today(client, patient)


def test_an_unlinked_patient_never_sees_a_clinic_call_button(client, patient, phoned):
    _flag(patient)

    page = _today(client, patient)

    assert "Contact your clinician today" in page
    assert "Call your clinic" not in page
    assert "tel:" not in page


def test_no_button_for_a_milder_alert_or_a_clinic_without_a_phone(client, patient, derm, clinic):
    assign(patient, derm, clinic=clinic)
    _flag(patient, urgency=Urgency.TODAY)
    assert "Call your clinic" not in _today(client, patient)

    clinic.phone = PHONE
    clinic.save()
    Flag.objects.update(urgency=Urgency.SOON)
    assert "Call your clinic" not in _today(client, patient)


def test_the_first_clinic_with_a_phone_is_the_one_offered(patient, derm, phoned):
    assign(patient, derm, clinic=phoned)
    other_derm = StaffFactory(username="dr-other")
    assign(patient, other_derm, clinic=ClinicFactory(name="No phone clinic"))

    assert selectors.clinic_phone(patient=patient) == PHONE


def test_an_emergency_alert_keeps_the_emergency_call_not_the_clinics(client, patient, derm, phoned, settings):
    settings.EMERGENCY_NUMBER = "999"
    assign(patient, derm, clinic=phoned)
    _flag(patient, urgency=Urgency.EMERGENCY)

    page = _today(client, patient)

    assert 'href="tel:999"' in page
    assert "Call your clinic" not in page
    assert CALL not in page


def test_a_manager_sets_the_phone_and_a_bad_one_is_a_form_error(client, manager, clinic):
    client.force_login(manager)
    url = reverse("admin:clinics_clinic_change", args=[clinic.pk])
    form = {"alert_email": clinic.alert_email, **_no_inline()}

    bad = client.post(url, {**form, "phone": "call me maybe"})
    good = client.post(url, {**form, "phone": PHONE})

    assert bad.status_code == 200
    assert NOT_A_PHONE_NUMBER in bad.content.decode()
    assert good.status_code == 302
    clinic.refresh_from_db()
    assert clinic.phone == PHONE


def test_a_superuser_sets_the_phone_and_a_dermatologist_cannot(client, derm, clinic):
    root = StaffFactory(username="root", is_superuser=True)
    client.force_login(root)
    url = reverse("admin:clinics_clinic_change", args=[clinic.pk])
    response = client.post(url, {"name": clinic.name, "alert_email": "", "phone": "0161 496 0000", **_no_inline()})
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert clinic.phone == "0161 496 0000"

    client.force_login(derm)
    client.post(url, {"alert_email": "", "phone": PHONE, **_no_inline()})
    clinic.refresh_from_db()
    assert clinic.phone == "0161 496 0000"


def _no_inline():
    return {
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
