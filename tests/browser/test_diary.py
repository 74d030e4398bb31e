"""A patient's day with the diary, in Debian's Chromium on a phone-sized screen."""

import datetime
import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from diary.models import Application, Entry, Reaction, Treatment
from tests.factories import BodyAreaFactory, DrugFactory, PatientFactory, SymptomFactory

pytestmark = pytest.mark.browser


def _sign_in(page, live_server, user) -> None:
    """Reuse the session of Django's test client: no password form, same cookie as a real login."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def _open_menu(page, link: str) -> None:
    page.get_by_role("button", name="Open menu").click()
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
