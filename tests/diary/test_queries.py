"""Today and History cost a fixed number of queries however long the diary grows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diary.models import Application, Entry, Flag, Reaction
from tests.conftest import SHARED_MISS_QUERIES
from tests.diary.conftest import UTC, frozen
from tests.factories import BodyAreaFactory, SymptomFactory, TreatmentFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 31, 12, tzinfo=UTC)
# 12 (the patient's courses read once, for the day's courses and the course select; the day's entry, its
# applications, its reactions: three) + the day's photos + the body areas (one read for
# both the reaction and the photo form) + the clinics shared with + whether this week's POEM is
# answered (Today only: the diary's course is tacrolimus, which treats eczema) + the symptom picker's groups
# (3 queries for the 1 of a flat list)
# The first view of a reference version reads the reference pickers (cold) and keeps the symptom groups in the
# shared cache (the pickers' HTML, one per value, stays in the process); later views take them from the cache.
TODAY_QUERIES = 18 + SHARED_MISS_QUERIES
TODAY_QUERIES_WARM = 14
# session, user, patient + the medicines and symptoms (filter), the page's days, their applications, reactions,
# photos and alerts; +1 on an older page (where the newer days start)
HISTORY_QUERIES = 10


def _fill_diary(patient, days: int) -> None:
    """`days` days up to today, each with two applications (two areas each) and two reactions."""
    face, hands = BodyAreaFactory(code="face", name="Face"), BodyAreaFactory(code="hands", name="Hands", adult_ftu=1)
    burning, redness = SymptomFactory(code="burning", name="Burning"), SymptomFactory(code="redness", name="Redness")
    courses = [
        TreatmentFactory(patient=patient, body_areas=[face, hands], started_on=datetime.date(2025, 1, 1)),
        TreatmentFactory(patient=patient, body_areas=[hands], started_on=datetime.date(2025, 1, 1), strength="0.03%"),
    ]
    today = patient.today()
    entries = Entry.objects.bulk_create(
        Entry(patient=patient, date=today - datetime.timedelta(days=n), itch=n % 11, notes=f"day {n}")
        for n in range(days)
    )
    applications = Application.objects.bulk_create(
        Application(entry=entry, treatment=course, applied_at=patient.at(entry.date, datetime.time(8 + i)), amount=1)
        for entry in entries
        for i, course in enumerate(courses)
    )
    Application.body_areas.through.objects.bulk_create(
        Application.body_areas.through(application=application, bodyarea=area)
        for application in applications
        for area in (face, hands)
    )
    Reaction.objects.bulk_create(
        Reaction(entry=entry, symptom=symptom, severity=1 + n % 3, body_area=face, treatment=courses[0])
        for n, entry in enumerate(entries)
        for symptom in (burning, redness)
    )
    # A week-long flag for each week of the diary; the latest still open and matching today.
    Flag.objects.bulk_create(
        Flag(
            patient=patient,
            entry=entry,
            urgency=1 + n % 4,
            status=Flag.Status.OPEN if n == 0 else Flag.Status.RESOLVED,
            first_seen=entry.date,
            last_seen=entry.date,
            rule_text=f"Rule {n}",
            advice="Speak to your clinician.",
            evidence={"days": [{"date": entry.date.isoformat(), "reactions": []}]},
        )
        for n, entry in enumerate(entries[::7])
    )


def _queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("days", [3, 365])
def test_today_costs_the_same_queries_for_three_days_or_a_year(client, patient, days, django_assert_num_queries):
    with frozen(NOW):
        _fill_diary(patient, days)
        client.force_login(patient.user)
        with django_assert_num_queries(TODAY_QUERIES):
            response = client.get(reverse("home"))
        with django_assert_num_queries(TODAY_QUERIES_WARM):
            again = client.get(reverse("home"))
    assert "1 of 2 done today" in response.content.decode()
    assert again.content.decode().count("<option") == response.content.decode().count("<option")


@pytest.mark.parametrize("days", [3, 365])
def test_history_costs_the_same_queries_for_three_days_or_a_year(client, patient, days, django_assert_num_queries):
    with frozen(NOW):
        _fill_diary(patient, days)
        client.force_login(patient.user)
        with django_assert_num_queries(HISTORY_QUERIES):
            response = client.get(reverse("diary:history"))
        older = _queries(client, reverse("diary:history"), before="2026-12-30")
        filtered = _queries(client, reverse("diary:history"), drug="tacrolimus-ointment", symptom="burning")
    text = response.content.decode()
    assert text.count("<article") == min(days, 20)
    assert text.count("Rule ") == len(range(0, min(days, 20), 7))  # each week's alert on its day
    assert filtered == HISTORY_QUERIES
    assert older == HISTORY_QUERIES + 1  # where the page of newer days starts


def test_an_earlier_day_costs_the_same_queries_as_today(client, patient):
    with frozen(NOW):
        _fill_diary(patient, 30)
        client.force_login(patient.user)
        assert _queries(client, reverse("diary:day", args=["2026-12-20"])) == TODAY_QUERIES - 1  # no POEM prompt
