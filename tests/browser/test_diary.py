"""A patient's day with the diary, in Debian's Chromium on a phone-sized screen."""

import datetime
import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from diary.models import Application, Entry, Reaction, Treatment
from tests.browser.journeys import open_main_menu
from tests.conftest import PHONE
from tests.factories import (
    ApplicationFactory,
    BodyAreaFactory,
    DrugFactory,
    EntryFactory,
    PatientFactory,
    ReactionFactory,
    SymptomFactory,
    TreatmentFactory,
)

pytestmark = pytest.mark.browser


def _sign_in(page, live_server, user) -> None:
    """Reuse the session of Django's test client: no password form, same cookie as a real login."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def _open_menu(page, link: str) -> None:
    open_main_menu(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name=link, exact=True).click()


def test_a_patient_adds_a_course_logs_today_and_a_missed_day_and_finds_both_in_history(phone, live_server):
    DrugFactory()
    BodyAreaFactory(code="face", name="Face")
    BodyAreaFactory(code="hands", name="Hands", adult_ftu=1)
    SymptomFactory(code="burning", name="Burning")
    SymptomFactory(code="redness", name="Redness")
    patient = PatientFactory(user__username="erin", time_zone="Europe/London")
    today = patient.today()
    yesterday = today - datetime.timedelta(days=1)
    _sign_in(phone, live_server, patient.user)

    # A tacrolimus course, with the medicine's how-to-apply summary shown as it is chosen.
    phone.goto("/")
    _open_menu(phone, "Treatments")
    phone.get_by_role("link", name="Add a treatment").click()
    phone.get_by_label("Medicine").select_option(label="Tacrolimus ointment")
    expect(phone.get_by_text("How to apply Tacrolimus ointment")).to_be_visible()
    expect(phone.get_by_text("Apply a thin layer to the affected skin.")).to_be_visible()
    phone.get_by_label("Strength").select_option("0.1%")
    phone.get_by_label("Face").check()
    phone.get_by_label("How often").fill("2")
    phone.get_by_label("times a day").check()
    phone.get_by_label("Started on").fill(f"{today - datetime.timedelta(days=7):%Y-%m-%d}")
    phone.get_by_role("button", name="Add treatment").click()
    expect(phone.get_by_role("status")).to_contain_text("Added Tacrolimus ointment 0.1%")

    # Today: one tap records an application.
    _open_menu(phone, "Today")
    expect(phone.get_by_role("heading", name="Today", exact=True)).to_be_visible()
    phone.get_by_role("button", name="Applied now").click()
    expect(phone.get_by_role("status")).to_contain_text("Recorded Tacrolimus ointment")
    expect(phone.get_by_text("1 of 2 done today")).to_be_visible()

    # Moderate burning on the face: pick the symptom and the area, tap the severity.
    phone.get_by_label("What did you notice?").select_option(label="Burning")
    phone.get_by_label("Where").select_option(label="Face")
    phone.get_by_role("button", name="Moderate", exact=True).click()
    expect(phone.get_by_role("status")).to_contain_text("Logged moderate burning")

    # Yesterday, filled in as a missed day.
    phone.get_by_role("link", name="Previous day").click()
    expect(phone.get_by_text("You are filling in an earlier day")).to_be_visible()
    expect(phone.get_by_label("At (your time)")).to_have_value("12:00")
    phone.get_by_role("button", name=re.compile("^Applied")).click()
    expect(phone.get_by_text("1 of 2 done that day")).to_be_visible()

    # Both days are in the history, newest first.
    _open_menu(phone, "History")
    days = phone.get_by_role("article")
    expect(days).to_have_count(2)
    expect(days.nth(0)).to_contain_text(f"{today:%A} {today.day} {today:%B %Y}")
    expect(days.nth(0)).to_contain_text("Moderate")
    expect(days.nth(0)).to_contain_text("Burning on face")
    expect(days.nth(1)).to_contain_text(f"{yesterday:%A} {yesterday.day} {yesterday:%B %Y}")
    expect(days.nth(1)).to_contain_text("Tacrolimus ointment 0.1% at 12:00")

    treatment = Treatment.objects.get()
    assert (treatment.patient, treatment.strength, treatment.schedule_times) == (patient, "0.1%", 2)
    assert sorted(Entry.objects.values_list("date", flat=True)) == [yesterday, today]
    assert Application.objects.count() == 2
    assert Reaction.objects.get().severity == 2


def _diary_with_a_few_days():
    drug = DrugFactory()
    DrugFactory(slug="mometasone-cream", generic_name="Mometasone furoate cream", strengths="0.1%")
    face = BodyAreaFactory(code="face", name="Face")
    burning = SymptomFactory(code="burning", name="Burning")
    patient = PatientFactory(user__username="erin", time_zone="Europe/London")
    today = patient.today()
    course = TreatmentFactory(patient=patient, drug=drug, body_areas=[face], started_on=today - datetime.timedelta(9))
    for days_ago in (0, 1, 5):
        entry = EntryFactory(patient=patient, date=today - datetime.timedelta(days_ago), itch=3, notes="Dry")
        ApplicationFactory(entry=entry, treatment=course, body_areas=[face])
        ReactionFactory(entry=entry, symptom=burning, body_area=face, severity=1 + days_ago % 3)
    return patient, course


def test_diary_pages_pass_axe_accessibility_checks(phone, live_server):
    from tests.browser.journeys import Axe

    patient, course = _diary_with_a_few_days()
    application = course.applications.first()
    _sign_in(phone, live_server, patient.user)
    earlier = patient.today() - datetime.timedelta(days=5)
    pages = [
        "/",
        f"/diary/{earlier:%Y-%m-%d}/",
        "/diary/history/",
        "/diary/treatments/",
        "/diary/treatments/add/",
        f"/diary/treatments/{course.pk}/edit/",
        f"/diary/applications/{application.pk}/edit/",
        f"/diary/applications/{application.pk}/delete/",
        f"/diary/reactions/{application.entry.reactions.first().pk}/edit/",
        "/diary/settings/",
    ]
    axe = Axe()
    problems = {}
    for path in pages:
        assert phone.goto(path).status == 200
        violations = axe.run(phone).response["violations"]
        if violations:
            problems[path] = [(v["id"], v["impact"]) for v in violations]
    assert problems == {}


def test_without_javascript_a_patient_adds_a_course_and_records_an_application(browser, live_server, transactional_db):
    DrugFactory()
    DrugFactory(slug="mometasone-cream", generic_name="Mometasone furoate cream", strengths="0.1%")
    BodyAreaFactory(code="face", name="Face")
    patient = PatientFactory(user__username="erin", time_zone="Europe/London")
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        _sign_in(page, live_server, patient.user)
        page.goto("/diary/treatments/add/")
        # Every medicine's summary is there (folded) and every strength is offered, grouped by medicine.
        expect(page.get_by_text("How to apply Mometasone furoate cream")).to_be_visible()
        page.get_by_label("Medicine").select_option(label="Tacrolimus ointment")
        page.get_by_label("Strength").select_option("0.03%")
        page.get_by_label("Face").check()
        page.get_by_role("button", name="Add treatment").click()
        expect(page.get_by_role("status")).to_contain_text("Added Tacrolimus ointment 0.03%")

        page.goto("/")
        page.get_by_role("button", name="Applied now").click()
        expect(page.get_by_text("1 of 1 done today")).to_be_visible()
    finally:
        context.close()
    assert Application.objects.get().treatment.strength == "0.03%"
