"""An emergency alert: a call button for the deployment's number before anything else, and "did you get help?"."""

import pytest
from django.urls import reverse

from diary import services
from diary.models import Flag
from drugs.models import Symptom
from tests.factories import ClinicFactory, StaffFactory, assign

pytestmark = pytest.mark.django_db


def report(patient, code: str, severity: int = 1):
    services.reaction_create(
        patient=patient, date=patient.today(), symptom=Symptom.objects.get(code=code), severity=severity
    )
    return Flag.objects.get(patient=patient, warning_sign__symptom__code=code)


def test_the_call_button_dials_the_configured_number_before_anything_else_on_the_page(
    client, patient, tacrolimus_course, settings
):
    settings.EMERGENCY_NUMBER = "999"
    report(patient, "breathing_difficulty")
    client.force_login(patient.user)

    page = client.get("/").content.decode()

    call = page.index('href="tel:999"')
    assert call < page.index('class="visually-hidden-focusable skip-link"')
    assert page.index("<a", page.index("<body")) == page.rindex("<a", 0, call + 1)
    assert "Emergency: call 999 now" in page
    assert "data-focus-on-load" in page
    assert "emergency-icon" in page


def test_saving_an_emergency_sign_opens_the_day_at_the_call_button(client, patient, tacrolimus_course):
    client.force_login(patient.user)

    response = client.post(
        reverse("diary:reaction-add", args=[patient.today()]),
        {"symptom": Symptom.objects.get(code="breathing_difficulty").pk, "severity": 1},
    )

    assert response["Location"] == "/#emergency"


def test_the_optional_non_emergency_line_is_offered_when_set(client, patient, tacrolimus_course, settings):
    settings.NON_EMERGENCY_NUMBER = "111"
    settings.NON_EMERGENCY_NAME = "NHS 111"
    report(patient, "breathing_difficulty")
    client.force_login(patient.user)

    assert 'href="tel:111">Call NHS 111 (111)' in client.get("/").content.decode()


def test_no_call_button_without_an_emergency(client, patient, tacrolimus_course):
    report(patient, "cold_sores_herpes")
    client.force_login(patient.user)

    page = client.get("/").content.decode()

    assert "tel:" not in page
    assert "data-focus-on-load" not in page


def test_the_patient_answers_whether_they_got_help_and_the_answer_is_kept_on_the_flag(
    client, patient, tacrolimus_course
):
    flag = report(patient, "breathing_difficulty")
    client.force_login(patient.user)
    assert "After calling: did you get help?" in client.get("/").content.decode()

    response = client.post(reverse("diary:alert-help", args=[flag.pk]), {"answer": "got_help"})

    assert response.status_code == 302
    assert response["Location"] == "/#alerts"
    flag.refresh_from_db()
    assert flag.patient_help == Flag.Help.GOT_HELP
    assert flag.patient_help_at is not None
    assert "You answered: Yes, I got help" in client.get("/").content.decode()


def test_a_bad_answer_says_so_and_changes_nothing(client, patient, tacrolimus_course):
    flag = report(patient, "breathing_difficulty")
    client.force_login(patient.user)

    response = client.post(reverse("diary:alert-help", args=[flag.pk]), {"answer": "maybe"}, follow=True)

    assert "Choose one of the answers." in response.content.decode()
    flag.refresh_from_db()
    assert flag.patient_help == ""


def test_only_an_emergency_alert_asks_whether_you_got_help(client, patient, tacrolimus_course):
    flag = report(patient, "cold_sores_herpes")
    client.force_login(patient.user)

    response = client.post(reverse("diary:alert-help", args=[flag.pk]), {"answer": "got_help"}, follow=True)

    assert "Only an emergency alert asks whether you got help." in response.content.decode()
    flag.refresh_from_db()
    assert flag.patient_help == ""


def test_another_patients_alert_cannot_be_answered(client, patient, other_patient, tacrolimus_course):
    flag = report(patient, "breathing_difficulty")
    client.force_login(other_patient.user)

    assert client.post(reverse("diary:alert-help", args=[flag.pk]), {"answer": "got_help"}).status_code == 404
    flag.refresh_from_db()
    assert flag.patient_help == ""


def test_an_anonymous_visitor_is_sent_to_log_in(client, patient, tacrolimus_course):
    flag = report(patient, "breathing_difficulty")

    response = client.post(reverse("diary:alert-help", args=[flag.pk]), {"answer": "got_help"})

    assert response["Location"].startswith(reverse("login"))


def test_the_dermatologist_sees_the_patients_answer(admin_client, patient, tacrolimus_course):
    flag = report(patient, "breathing_difficulty")
    flag.patient_help = Flag.Help.NOT_YET
    flag.save()

    page = admin_client.get(reverse("admin:diary_flag_change", args=[flag.pk])).content.decode()

    assert "did the patient get help?" in page.lower()
    assert "Not yet" in page


def test_today_alerts_offer_to_call_the_clinic_when_it_has_a_phone_number(client, patient, tacrolimus_course):
    assign(patient, StaffFactory(username="dr-phone"), clinic=ClinicFactory(name="Phoned", phone="020 7946 0000"))
    report(patient, "cold_sores_herpes")
    client.force_login(patient.user)

    assert 'href="tel:02079460000">Call your clinic (020 7946 0000)' in client.get("/").content.decode()


def test_today_alerts_offer_no_clinic_call_without_a_clinic(client, patient, tacrolimus_course):
    report(patient, "cold_sores_herpes")
    client.force_login(patient.user)

    assert "Call your clinic" not in client.get("/").content.decode()
