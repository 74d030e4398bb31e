"""Warning signs flagged the moment a patient saves, in Debian's Chromium on a phone-sized screen."""

import datetime

import pytest
from playwright.sync_api import expect

from diary import flag_services, services
from drugs.models import Drug
from tests.conftest import sign_in

pytestmark = pytest.mark.browser


def start_course(patient, slug: str, days_ago: int = 20):
    return services.treatment_create(
        patient=patient,
        drug=Drug.objects.get(slug=slug),
        strength="",
        body_areas=[],
        schedule_kind="daily",
        schedule_times=1,
        started_on=patient.today() - datetime.timedelta(days=days_ago),
    )


def log_reaction(page, day_url: str, symptom: str, severity: str) -> None:
    page.goto(day_url)
    page.get_by_label("What did you notice?").select_option(label=symptom)
    page.get_by_role("button", name=severity, exact=True).click()


def test_burning_for_eight_days_on_pimecrolimus_shows_the_alert_and_its_guide(phone, live_server, reference, patient):
    start_course(patient, "pimecrolimus-cream")
    sign_in(phone, live_server, patient.user)
    today = patient.today()

    for n in range(7, 0, -1):
        log_reaction(phone, f"/diary/{today - datetime.timedelta(days=n):%Y-%m-%d}/", "Burning", "Mild")
    log_reaction(phone, "/", "Burning", "Mild")

    alert = phone.locator("#alerts .flag-alert")
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text("Contact your clinician within 1")
    expect(alert).to_contain_text("burning lasting 7 days or more")
    assert phone.evaluate("() => location.hash") == "#alerts"

    alert.get_by_role("link", name="Warning signs in the medicine guide").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("pimecrolimus", ignore_case=True)
    expect(phone.locator("#urgency-soon")).to_be_in_viewport()


def test_severe_pain_on_imiquimod_shows_a_same_day_alert(phone, live_server, reference, patient):
    start_course(patient, "imiquimod-cream")
    sign_in(phone, live_server, patient.user)

    log_reaction(phone, "/", "Pain or tenderness", "Severe")

    alert = phone.locator("#alerts .flag-alert")
    expect(alert).to_contain_text("Contact your clinician today")
    expect(alert).to_be_in_viewport()


def test_emergency_advice_is_announced_as_an_alert(phone, live_server, reference, patient):
    sign_in(phone, live_server, patient.user)

    log_reaction(phone, "/", "Difficulty breathing or swallowing", "Mild")

    expect(phone.get_by_role("alert").filter(has_text="Call emergency services now")).to_be_visible()


def test_an_emergency_alert_puts_the_call_button_first_and_asks_afterwards_whether_help_came(
    phone, live_server, reference, patient, settings
):
    from diary.models import Flag
    from tests.browser.journeys import take_screenshot

    settings.EMERGENCY_NUMBER = "999"
    sign_in(phone, live_server, patient.user)

    log_reaction(phone, "/", "Difficulty breathing or swallowing", "Mild")

    expect(phone.locator("#emergency")).to_be_focused()
    first_focusable = phone.evaluate(
        """() => {
          const all = document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea');
          const el = Array.from(all).find((e) => e.offsetParent !== null && e.tabIndex >= 0);
          return el.getAttribute('href');
        }"""
    )
    assert first_focusable == "tel:999"
    phone.keyboard.press("Tab")
    expect(phone.get_by_role("link", name="Call 999")).to_be_focused()
    expect(phone.get_by_role("heading", name="Emergency: call 999 now")).to_be_visible()
    take_screenshot(phone, "emergency-alert")

    phone.get_by_role("button", name="Yes, I got help").click()
    expect(phone.get_by_text("You answered: Yes, I got help")).to_be_visible()
    assert Flag.objects.get().patient_help == Flag.Help.GOT_HELP


def test_alert_pages_pass_axe_accessibility_checks(phone, live_server, reference, patient, dermatologist):
    from diary.models import Flag
    from drugs.models import Symptom
    from tests.browser.journeys import Axe

    start_course(patient, "tacrolimus-ointment", days_ago=60)
    today = patient.today()
    for code, severity in [("breathing_difficulty", 1), ("cold_sores_herpes", 1), ("blistering", 2)]:
        services.reaction_create(patient=patient, date=today, symptom=Symptom.objects.get(code=code), severity=severity)
    services.reaction_create(
        patient=patient, date=today, symptom=Symptom.objects.get(code="no_improvement"), severity=1
    )
    resolved = Flag.objects.get(warning_sign__symptom__code="blistering")
    flag_services.flag_resolve(flag=resolved, reviewer=dermatologist, note="Healing well.")
    sign_in(phone, live_server, patient.user)

    axe = Axe()
    problems = {}
    for path in ["/", "/diary/alerts/", f"/diary/alerts/{resolved.pk}/", f"/diary/alerts/{Flag.objects.first().pk}/"]:
        assert phone.goto(path).status == 200
        violations = axe.run(phone).response["violations"]
        if violations:
            problems[path] = [(v["id"], v["impact"], [n["html"][:80] for n in v["nodes"]]) for v in violations]
    assert problems == {}


def test_logging_a_day_takes_three_taps_after_applied_now_with_the_grouped_picker_and_defaults(
    phone, live_server, reference, patient
):
    from diary.models import Reaction
    from drugs.models import BodyArea
    from tests.browser.journeys import take_screenshot

    course = start_course(patient, "tacrolimus-ointment")
    course.body_areas.set([BodyArea.objects.get(code="face_neck")])
    sign_in(phone, live_server, patient.user)
    phone.goto("/")
    taps = 0

    phone.get_by_role("button", name="Applied now").click()
    taps += 1
    expect(phone.get_by_text("Recorded")).to_be_visible()
    picker = phone.get_by_label("What did you notice?")
    expect(picker.locator("optgroup")).to_have_count(3)
    expect(phone.get_by_label("Where")).to_have_value(str(BodyArea.objects.get(code="face_neck").pk))
    picker.select_option(label="Burning")
    taps += 1
    phone.get_by_role("button", name="Mild", exact=True).click()
    taps += 1

    reaction = Reaction.objects.get()
    assert (reaction.symptom.code, reaction.body_area.code, reaction.treatment_id) == (
        "burning",
        "face_neck",
        course.pk,
    )
    assert taps <= 4
    take_screenshot(phone, "today")
