"""A flag's evidence lists every matching day of its episode as the diary now stands, whatever the order of
writes, edits and deletions, with "present since" the true first day of each day's symptom run."""

import datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from diary import services
from diary.flagging import MAX_GAP_DAYS
from diary.models import Entry, Flag, Reaction
from drugs.models import Urgency, WarningSign
from drugs.services import reference_version_bump
from tests.factories import DrugFactory, PatientFactory, SymptomFactory, TreatmentFactory

PERSISTS = 3
MIN_SEVERITY = 2
SPAN = 16  # days written: today and the 15 before

# (what, how many days ago, severity): write a reaction, change the day's first one, or delete it.
operations = st.lists(
    st.tuples(
        st.sampled_from(["write", "write", "edit", "delete"]),
        st.integers(min_value=0, max_value=SPAN - 1),
        st.integers(min_value=1, max_value=3),
    ),
    min_size=1,
    max_size=25,
)


def _brute_force(entries: dict[datetime.date, list[int]]) -> dict[datetime.date, datetime.date]:
    """Each matching day and the first day of its run, read straight from the rule's wording.

    A day matches when it and every entry back to the run's first day report the symptom at the minimum
    severity or more, with no more than MAX_GAP_DAYS days in a row without an entry, over PERSISTS days or more.
    """

    def reports(day):
        return any(s >= MIN_SEVERITY for s in entries.get(day, []))

    def run_from(start, end) -> bool:
        if not reports(start):
            return False
        gap = 0
        for n in range((end - start).days + 1):
            day = start + datetime.timedelta(days=n)
            if day not in entries:
                gap += 1
                if gap > MAX_GAP_DAYS:
                    return False
            elif reports(day):
                gap = 0
            else:
                return False
        return True

    matched = {}
    for day in entries:
        candidates = [
            day - datetime.timedelta(days=n) for n in range(SPAN + 1) if run_from(day - datetime.timedelta(days=n), day)
        ]
        if candidates and (day - min(candidates)).days + 1 >= PERSISTS:
            matched[day] = min(candidates)
    return matched


def _apply(patient, symptom, today, operations) -> dict[datetime.date, list[int]]:
    for what, ago, severity in operations:
        day = today - datetime.timedelta(days=ago)
        first = Reaction.objects.filter(entry__patient=patient, entry__date=day).order_by("pk").first()
        if what == "write" or first is None:
            services.reaction_create(patient=patient, date=day, symptom=symptom, severity=severity)
        elif what == "edit":
            services.reaction_update(
                patient=patient, reaction=first, symptom=symptom, severity=severity, body_area=None, treatment=None
            )
        else:
            services.reaction_delete(patient=patient, reaction=first)
    entries: dict[datetime.date, list[int]] = {e.date: [] for e in Entry.objects.filter(patient=patient)}
    for day, severity in Reaction.objects.filter(entry__patient=patient).values_list("entry__date", "severity"):
        entries[day].append(severity)
    return entries


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=operations)
# Found by this test: a withdrawn flag revived by an earlier episode kept the days it held when it was withdrawn.
@example(operations=[("write", 2, 2), ("write", 5, 2), ("write", 7, 2), ("edit", 5, 1), ("write", 10, 2)])
def test_evidence_and_present_since_match_a_brute_force_reading_after_any_edits(operations):
    with transaction.atomic():
        patient = PatientFactory(time_zone="UTC")
        drug = DrugFactory()
        symptom = SymptomFactory()
        TreatmentFactory(patient=patient, drug=drug, started_on=datetime.date(2020, 1, 1))
        WarningSign.objects.create(
            drug=drug,
            symptom=symptom,
            min_severity=MIN_SEVERITY,
            persists_days=PERSISTS,
            urgency=Urgency.SOON,
            advice="Contact your clinic within a few days.",
        )
        # Each example rolls back, the version's bump with it; the next example's bump is a new number all the same.
        reference_version_bump()
        entries = _apply(patient, symptom, patient.today(), operations)
        expected = {day.isoformat(): since.isoformat() for day, since in _brute_force(entries).items()}
        active = list(Flag.objects.filter(patient=patient, status__in=Flag.ACTIVE))
        got = [{d["date"]: d.get("present_since") for d in flag.evidence["days"]} for flag in active]
        dates = [(flag.first_seen.isoformat(), flag.last_seen.isoformat()) for flag in active]
        transaction.set_rollback(True)

    if expected:
        assert got == [expected]
        assert dates == [(min(expected), max(expected))]
    else:
        assert got == []


@pytest.mark.django_db
def test_a_withdrawn_flag_revived_by_an_earlier_episode_shows_only_that_episode():
    patient = PatientFactory(time_zone="UTC")
    drug, symptom = DrugFactory(), SymptomFactory()
    TreatmentFactory(patient=patient, drug=drug, started_on=datetime.date(2020, 1, 1))
    WarningSign.objects.create(
        drug=drug, symptom=symptom, min_severity=MIN_SEVERITY, persists_days=PERSISTS, urgency=Urgency.SOON, advice="."
    )
    reference_version_bump()
    today = patient.today()
    # Days 7, 5 and 2 ago make one episode; making day 5 mild withdraws it; days 10 to 7 ago are a new one.
    _apply(patient, symptom, today, [("write", 2, 2), ("write", 5, 2), ("write", 7, 2), ("edit", 5, 1)])
    assert not Flag.objects.filter(patient=patient, status__in=Flag.ACTIVE).exists()
    _apply(patient, symptom, today, [("write", 10, 2)])

    flag = Flag.objects.get(patient=patient, status__in=Flag.ACTIVE)
    seven_ago, ten_ago = today - datetime.timedelta(days=7), today - datetime.timedelta(days=10)
    assert (flag.first_seen, flag.last_seen) == (seven_ago, seven_ago)
    assert [(d["date"], d["present_since"]) for d in flag.evidence["days"]] == [
        (seven_ago.isoformat(), ten_ago.isoformat())
    ]
