"""A day's page: its date said once, and a save's confirmation shown where the page opens after it."""

import datetime
import re

import pytest
from django.urls import reverse

from diary.models import Application, Flag
from drugs.models import Symptom
from tests.diary.conftest import UTC, frozen
from tests.factories import ApplicationFactory, EntryFactory, ReactionFactory

pytestmark = pytest.mark.django_db


def _region(text: str, region_id: str) -> str:
    """The HTML of the <section> with this id."""
    match = re.search(rf'<section[^>]*id="{region_id}"[^>]*>(.*?)</section>', text, re.S)
    assert match, f"no #{region_id}"
    return match.group(0)


def _log(client, patient, code: str, severity: int = 1, follow: bool = True):
    return client.post(
        reverse("diary:reaction-add", args=[patient.today()]),
        {"symptom": Symptom.objects.get(code=code).pk, "severity": severity},
        follow=follow,
    )


def test_a_past_days_date_is_its_heading_once(client, patient, course):
    EntryFactory(patient=patient, date=datetime.date(2026, 3, 7))
    client.force_login(patient.user)

    with frozen(datetime.datetime(2026, 3, 10, 9, 30, tzinfo=UTC)):
        text = client.get(reverse("diary:day", args=["2026-03-07"])).content.decode()

    main = text.split('<main id="main"', 1)[1]
    assert main.count("Saturday 7 March") == 1
    assert re.search(r'<h1[^>]*><time datetime="2026-03-07">Saturday 7 March 2026</time>', main)


def test_today_is_headed_today_with_its_date_once(client, patient, course):
    client.force_login(patient.user)

    with frozen(datetime.datetime(2026, 3, 10, 9, 30, tzinfo=UTC)):
        main = client.get(reverse("home")).content.decode().split('<main id="main"', 1)[1]

    assert re.search(r"<h1[^>]*>Today</h1>", main)
    assert main.count("Tuesday 10 March 2026") == 1


def test_logged_is_confirmed_inside_the_alerts_the_page_opens_at(client, patient, tacrolimus_course):
    client.force_login(patient.user)

    response = _log(client, patient, "cold_sores_herpes")

    assert response.redirect_chain[-1][0] == "/#alerts"
    alerts = _region(response.content.decode(), "alerts")
    assert 'aria-describedby="alerts-notices"' in alerts  # the focused region reads the confirmation out
    assert re.search(r'<div id="alerts-notices">.*role="status">Logged mild cold sores', alerts, re.S)
    assert response.content.decode().count("Logged mild cold sores") == 1


def test_logged_is_confirmed_inside_the_reactions_when_nothing_matched(client, patient, tacrolimus_course):
    client.force_login(patient.user)

    response = _log(client, patient, "redness")

    assert response.redirect_chain[-1][0] == "/#reactions"
    reactions = _region(response.content.decode(), "reactions")
    assert 'tabindex="-1" aria-describedby="reactions-notices"' in reactions
    assert 'role="status">Logged mild redness' in reactions


def test_applied_now_with_an_open_alert_confirms_inside_the_alerts(client, patient, tacrolimus_course):
    client.force_login(patient.user)
    _log(client, patient, "cold_sores_herpes")

    response = client.post(
        reverse("diary:application-add", args=[patient.today()]), {"treatment": tacrolimus_course.pk}, follow=True
    )

    application = Application.objects.get()
    assert response.redirect_chain[-1][0] == f"/?undo={application.pk}#alerts"
    alerts = _region(response.content.decode(), "alerts")
    assert "Recorded tacrolimus (topical ointment) at" in alerts
    assert reverse("diary:application-delete", args=[application.pk]) in alerts
    assert response.content.decode().count("undo-bar") == 1


def test_a_message_for_a_region_the_page_no_longer_has_is_shown_at_the_top(client, patient, tacrolimus_course):
    """A confirmation is never lost: an alert gone by the time the page opens leaves it at the top."""
    client.force_login(patient.user)
    _log(client, patient, "cold_sores_herpes", follow=False)
    Flag.objects.all().delete()

    text = client.get("/").content.decode()

    assert 'id="alerts"' not in text
    assert 'role="status">Logged mild cold sores' in text


def test_what_a_day_logged_is_listed_in_order_in_the_patients_time(client, patient, course, face, hands, burning):
    """Applications by time with their areas by name, reactions worst first, each with what it names."""
    day = datetime.date(2026, 3, 7)
    entry = EntryFactory(patient=patient, date=day, itch=4, sleep_loss=2, notes="Dry <patch>")
    evening = patient.at(day, datetime.time(21, 5))
    ApplicationFactory(entry=entry, treatment=course, applied_at=evening, body_areas=[hands, face])
    ApplicationFactory(entry=entry, treatment=course, applied_at=patient.at(day, datetime.time(7, 40)), body_areas=[])
    ReactionFactory(entry=entry, symptom=burning, severity=1, body_area=None)
    ReactionFactory(entry=entry, symptom=burning, severity=3, body_area=face, treatment=course)
    client.force_login(patient.user)

    with frozen(datetime.datetime(2026, 3, 10, 9, 30, tzinfo=UTC)):
        logged = _region(client.get(reverse("diary:day", args=[day])).content.decode(), "logged")

    text = re.sub(r"<[^>]+>", "", logged)
    assert text.index("at 07:40") < text.index("at 21:05\n      · 1 FTU · Face, Hands")
    assert "Severe\n      Burning on face · Tacrolimus ointment\n" in text
    assert text.index("Severe") < text.index("Mild\n      Burning\n")
    assert "Peak itch: 4 of 10" in text and "Sleep loss: 2 of 10" in text and "Dry &lt;patch&gt;" in logged
