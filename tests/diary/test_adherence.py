"""Adherence has one definition in diary.adherence, in Python (the timeline), per course from doses counted in SQL
(the patient list) and wholly in SQL (its twin)."""

import datetime
from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diary.adherence import adherence, adherence_by_patient, annotate_adherence, days_running
from diary.models import AmountUnit, Application, Entry, Patient, Treatment
from tests.factories import DrugFactory, PatientFactory

START = datetime.date(2026, 3, 1)
END = datetime.date(2026, 3, 14)


def _day(offset: int) -> datetime.date:
    return START + datetime.timedelta(days=offset)


courses = st.lists(
    st.fixed_dictionaries(
        {
            "weekly": st.booleans(),
            "times": st.integers(min_value=1, max_value=6),
            "start": st.integers(min_value=-20, max_value=16),
            "length": st.none() | st.integers(min_value=0, max_value=25),
        }
    ),
    min_size=0,
    max_size=3,
)
# (which course, day offset from START, how many applications that day): days before, in and after the
# window, and more applications than any schedule asks for.
applications = st.lists(
    st.tuples(st.integers(min_value=0, max_value=2), st.integers(min_value=-5, max_value=18), st.integers(1, 8)),
    max_size=12,
)


def _make_diary(course_specs, application_specs) -> Patient:
    patient = PatientFactory(time_zone="UTC")
    drug = DrugFactory()
    made = [
        Treatment.objects.create(
            patient=patient,
            drug=drug,
            schedule_kind=Treatment.ScheduleKind.WEEKLY if spec["weekly"] else Treatment.ScheduleKind.DAILY,
            schedule_times=spec["times"],
            started_on=_day(spec["start"]),
            ended_on=None if spec["length"] is None else _day(spec["start"] + spec["length"]),
        )
        for spec in course_specs
    ]
    for index, offset, count in application_specs:
        if not made:
            break
        entry, _ = Entry.objects.get_or_create(patient=patient, date=_day(offset))
        for n in range(count):
            # Every other application shares its time with the one before: ties are broken by id.
            at = datetime.datetime.combine(entry.date, datetime.time(8 + n // 2), tzinfo=datetime.UTC)
            Application.objects.create(
                entry=entry, treatment=made[index % len(made)], applied_at=at, amount=Decimal(1), unit=AmountUnit.FTU
            )
    return patient


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(course_specs=courses, application_specs=applications)
def test_the_patient_list_and_the_timeline_agree_on_adherence_for_any_diary(course_specs, application_specs):
    with transaction.atomic():
        patient = _make_diary(course_specs, application_specs)
        applied = Counter(Application.objects.filter(entry__patient=patient).values_list("treatment_id", "entry__date"))
        in_python = adherence(courses=list(patient.treatments.all()), applied=applied, start=START, end=END)
        in_sql = annotate_adherence(Patient.objects.filter(pk=patient.pk), start=START, end=END).get()
        counted_in_sql = adherence_by_patient(patient_ids=[patient.pk], start=START, end=END)[patient.pk]
        transaction.set_rollback(True)
    assert (in_sql.adherence_expected or 0.0) == pytest.approx(in_python.expected)
    assert (in_sql.adherence_done or 0.0) == pytest.approx(in_python.done)
    assert counted_in_sql.expected == pytest.approx(in_python.expected)
    assert counted_in_sql.done == pytest.approx(in_python.done)
    assert in_python.done <= in_python.expected


@given(
    started=st.integers(min_value=-20, max_value=20),
    length=st.none() | st.integers(min_value=0, max_value=30),
    window=st.integers(min_value=0, max_value=20),
)
def test_the_days_a_course_runs_in_a_window_are_the_days_it_is_active_on(started, length, window):
    course = _course(started_on=_day(started), ended_on=None if length is None else _day(started + length))
    end = _day(window)
    active = [n for n in range(window + 1) if course.is_active_on(_day(n))]
    assert days_running(course.started_on, course.ended_on, START, end) == len(active)


def _course(**fields) -> Treatment:
    return Treatment(pk=fields.pop("pk", 1), **{"started_on": START, "ended_on": None, **fields})


def test_extra_doses_on_one_day_do_not_make_up_for_a_missed_day():
    twice = _course(schedule_kind="daily", schedule_times=2)
    result = adherence(courses=[twice], applied={(1, START): 4}, start=START, end=START + datetime.timedelta(days=1))
    assert (result.done, result.expected, result.percent) == (2, 4, 50)


def test_a_weekly_course_counts_days_and_at_most_its_schedule():
    three_a_week = _course(schedule_kind="weekly", schedule_times=3)
    every_day = {(1, _day(n)): 2 for n in range(7)}
    result = adherence(courses=[three_a_week], applied=every_day, start=START, end=_day(6))
    assert result.done == pytest.approx(3)
    assert result.percent == 100
    one_day = adherence(courses=[three_a_week], applied={(1, START): 2}, start=START, end=START)
    assert one_day.percent == 100


def test_applications_on_a_day_the_course_does_not_run_count_for_nothing():
    later = _course(schedule_kind="daily", schedule_times=1, started_on=_day(5))
    result = adherence(courses=[later], applied={(1, START): 1, (1, _day(5)): 1}, start=START, end=_day(5))
    assert (result.done, result.expected) == (1, 1)


def test_there_is_no_percentage_when_nothing_was_expected():
    assert adherence(courses=[], applied={}, start=START, end=END).percent is None
