"""Logging a day on a 390x844 phone, in Debian's Chromium: errors where the patient is looking, a dose beyond the
schedule asked about first, and the confirmation of a save visible where the page opens."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from diary.models import Application
from tests.conftest import sign_in
from tests.factories import BodyAreaFactory, DrugFactory, PatientFactory, SymptomFactory, TreatmentFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def course(transactional_db):
    """Erin's twice-a-day tacrolimus on the face, and a long Today page (two courses, symptoms to choose from)."""
    face = BodyAreaFactory(code="face", name="Face")
    SymptomFactory(code="burning", name="Burning")
    patient = PatientFactory(user__username="erin", time_zone="Europe/London")
    started = patient.today() - datetime.timedelta(days=7)
    mometasone = DrugFactory(slug="mometasone", generic_name="Mometasone furoate cream", strengths="0.1%")
    TreatmentFactory(patient=patient, drug=mometasone, body_areas=[face], started_on=started, schedule_times=1)
    return TreatmentFactory(patient=patient, drug=DrugFactory(), body_areas=[face], started_on=started)


def test_a_severity_tapped_before_a_symptom_shows_its_error_at_the_symptom_with_focus(phone, live_server, course):
    sign_in(phone, live_server, course.patient.user)
    phone.goto("/")

    phone.get_by_role("button", name="Moderate", exact=True).click()

    symptom = phone.get_by_label("What did you notice?")
    expect(symptom).to_be_focused()
    expect(symptom).to_be_in_viewport()
    expect(phone.locator("#id_symptom_error")).to_be_in_viewport()
    expect(phone.locator("#id_symptom_error")).to_contain_text("Choose what you noticed, then tap how bad it is.")
    # The summary's link leads back to the field.
    phone.get_by_role("link", name="What did you notice?: Choose what you noticed").click()
    expect(symptom).to_be_focused()


def test_a_severity_tapped_before_a_symptom_opens_at_the_form_without_javascript(browser, live_server, course):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server.url, java_script_enabled=False
    )
    page = context.new_page()
    try:
        sign_in(page, live_server, course.patient.user)
        page.goto("/")
        page.get_by_role("button", name="Moderate", exact=True).click()

        expect(page.locator("#id_symptom_error")).to_be_in_viewport()
        expect(page.locator("[data-error-summary]")).to_be_in_viewport()
    finally:
        context.close()


def test_a_third_application_in_a_day_is_asked_about_first(phone, live_server, course):
    sign_in(phone, live_server, course.patient.user)
    phone.goto("/")
    applied_now = phone.get_by_role("button", name=re.compile(r"Applied now\W+Tacrolimus ointment"))
    for done in (1, 2):
        applied_now.click()
        expect(phone.get_by_text(f"{done} of 2 done today")).to_be_visible()

    applied_now.click()
    expect(
        phone.get_by_text("You have already applied Tacrolimus ointment twice today, as prescribed.")
    ).to_be_visible()
    phone.get_by_role("link", name="No, go back").click()
    expect(phone.get_by_role("heading", name="Today", exact=True)).to_be_visible()
    assert Application.objects.filter(treatment=course).count() == 2

    applied_now.click()
    phone.get_by_role("button", name="Yes, log another application").click()
    expect(phone.get_by_role("status").filter(has_text="Recorded Tacrolimus ointment")).to_be_visible()
    assert Application.objects.filter(treatment=course).count() == 3


def test_a_new_course_takes_the_medicines_usual_schedule_unless_the_patient_set_one(phone, live_server, reference):
    from drugs.models import Drug

    patient = PatientFactory(user__username="finn")
    tacrolimus, mometasone = Drug.objects.get(slug="tacrolimus-ointment"), Drug.objects.get(slug="mometasone-furoate")
    sign_in(phone, live_server, patient.user)
    phone.goto("/diary/treatments/add/")
    medicine, how_often = phone.get_by_label("Medicine"), phone.get_by_label("How often")

    medicine.select_option(str(tacrolimus.pk))
    expect(how_often).to_have_value("2")
    expect(phone.get_by_label("times a day")).to_be_checked()
    medicine.select_option(str(mometasone.pk))
    expect(how_often).to_have_value("1")

    how_often.fill("3")  # the patient's own schedule is never overwritten
    medicine.select_option(str(tacrolimus.pk))
    expect(how_often).to_have_value("3")


def test_opened_from_the_guide_the_medicine_and_its_schedule_are_chosen(phone, live_server, reference):
    patient = PatientFactory(user__username="gus")
    sign_in(phone, live_server, patient.user)
    phone.goto("/guide/tacrolimus-ointment/")

    phone.get_by_role("link", name="Start this medicine in my diary").click()

    expect(phone.get_by_label("How often")).to_have_value("2")
    expect(phone.get_by_label("Medicine")).not_to_have_value("")


def test_logged_stays_in_sight_when_the_page_opens_at_the_alerts(phone, live_server, reference):
    from diary import services
    from drugs.models import BodyArea, Drug, Symptom

    patient = PatientFactory(user__username="hana")
    services.treatment_create(
        patient=patient,
        drug=Drug.objects.get(slug="tacrolimus-ointment"),
        strength="0.1% ointment (1 mg/g)",
        body_areas=[BodyArea.objects.get(code="face_neck")],
        schedule_kind="daily",
        schedule_times=2,
        started_on=patient.today() - datetime.timedelta(days=30),
    )
    cold_sores = Symptom.objects.get(code="cold_sores_herpes")
    sign_in(phone, live_server, patient.user)
    phone.goto("/")

    phone.get_by_label("What did you notice?").select_option(str(cold_sores.pk))
    phone.get_by_role("button", name="Mild", exact=True).click()

    expect(phone).to_have_url(re.compile(r"#alerts$"))
    alerts = phone.locator("#alerts")
    expect(alerts).to_be_focused()
    logged = alerts.get_by_role("status").filter(has_text="Logged mild")
    expect(logged).to_be_in_viewport()
    assert alerts.get_attribute("aria-describedby") == "alerts-notices"
