"""Adherence: how much of a prescribed schedule the diary shows done. One definition, in Python and in SQL.

For one course over a window of days [start, end]:

- **expected** = (days of the window the course runs on) x (doses a day). A daily course expects
  `schedule_times` doses a day; a weekly one ("3 days a week") expects `schedule_times / 7` a day.
- **done** = the sum, over the days the course runs on, of that day's applications of the course capped at
  the day's most: `schedule_times` for a daily course, 1 for a weekly one (a weekly schedule counts days);
  then capped at **expected**. Extra doses never make up for missed ones: a third application on a
  twice-a-day course counts for nothing, and a weekly course applied every day counts its schedule, no more.
  Applications on a day the course does not run on count for nothing.
- A diary's adherence sums done and expected over its courses; the percentage is done / expected, and there
  is none when nothing was expected.

`adherence` computes it from loaded rows (the timeline, one day at a time); `adherence_by_patient` computes it
for a few patients in two queries (the admin patient list: the page's rows only, after pagination): their courses'
schedules, and each course's applications per day, counted in SQL (`applied_per_course_day`), which Python caps at
the day's most and adds up per course; `annotate_adherence` is its SQL twin, for a query that must filter
or sort by it. A property-based test generates diaries and checks that the three agree.
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Least

from diary.models import Application, Patient, Treatment, active_on_condition


@dataclass(frozen=True)
class Adherence:
    done: float
    expected: float

    @property
    def percent(self) -> int | None:
        return adherence_percent(self.done, self.expected)


def adherence_percent(done: float | None, expected: float | None) -> int | None:
    """done / expected as a whole percentage; None when nothing was expected."""
    if not expected:
        return None
    return round(100 * (done or 0) / expected)


def doses_a_day(course: Treatment) -> float:
    """Doses a course expects on a day it runs on."""
    return _doses_a_day(course.schedule_kind, course.schedule_times)


def _doses_a_day(schedule_kind: str, schedule_times: int) -> float:
    if schedule_kind == Treatment.ScheduleKind.WEEKLY:
        return schedule_times / 7
    return float(schedule_times)


def most_a_day(course: Treatment) -> int:
    """The most applications of a course that count on one day."""
    return _most_a_day(course.schedule_kind, course.schedule_times)


def _most_a_day(schedule_kind: str, schedule_times: int) -> int:
    return 1 if schedule_kind == Treatment.ScheduleKind.WEEKLY else schedule_times


def is_extra_dose(course: Treatment, *, logged_that_day: int) -> bool:
    """Whether one more application of a course on a day goes beyond what its schedule counts for that day."""
    return logged_that_day >= most_a_day(course)


def doses_counted(course: Treatment, applications_per_day: Iterable[int]) -> int:
    """The doses a run of days' applications of a course count for: each day's, capped at the day's most."""
    return sum(min(n, most_a_day(course)) for n in applications_per_day)


def _days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    return [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]


def adherence(
    *,
    courses: Iterable[Treatment],
    applied: Mapping[tuple[int, datetime.date], int],
    start: datetime.date,
    end: datetime.date,
) -> Adherence:
    """Done and expected doses over [start, end]; `applied` counts applications per (course id, date)."""
    done = expected = 0.0
    for course in courses:
        active = [day for day in _days(start, end) if course.is_active_on(day)]
        course_expected = len(active) * doses_a_day(course)
        course_done = doses_counted(course, (applied.get((course.pk, day), 0) for day in active))
        expected += course_expected
        done += min(course_done, course_expected)
    return Adherence(done=done, expected=expected)


def adherence_by_patient(
    *, patient_ids: Iterable[int], start: datetime.date, end: datetime.date
) -> dict[int, Adherence]:
    """`adherence` over [start, end] for each of these patients, in two queries (their courses' schedules, and their
    doses counted per course and day); a patient with no course overlapping gets nothing expected."""
    patient_ids = list(patient_ids)
    return adherence_of_rows(
        patient_ids=patient_ids,
        courses=courses_overlapping(patient_ids, start, end),
        applied=applied_per_course_day(patient_ids, start, end),
        start=start,
        end=end,
    )


def courses_overlapping(patient_ids: list[int], start: datetime.date, end: datetime.date) -> QuerySet:
    """(course id, patient id, schedule kind, times, start, end) of these patients' courses that run on a day of
    [start, end] (`adherence_by_patient`'s first read)."""
    courses = Treatment.objects.filter(patient_id__in=patient_ids).overlapping(start, end).order_by("pk")
    return courses.values_list(*COURSE_COLUMNS)


COURSE_COLUMNS = ("pk", "patient_id", "schedule_kind", "schedule_times", "started_on", "ended_on")


def applied_per_course_day(patient_ids: list[int], start: datetime.date, end: datetime.date) -> QuerySet:
    """(course id, applications) for each day of [start, end] a course of these patients runs on and was applied
    (`adherence_by_patient`'s second read); `adherence_of_rows` caps each at the day's most (`most_a_day`).
    Applications on a day the course does not run on are not read. Grouped by the day's entry (one per patient and
    date, and a course is one patient's: the same groups as by date), and without the cap in the group: SQLite
    groups integers faster than dates, and a CASE in the GROUP BY was worked out for every application (about 2.0 ->
    1.4 ms of SQLite for a page of 50 patients and 975 applications)."""
    return (
        Application.objects.filter(entry__patient_id__in=patient_ids, entry__date__range=(start, end))
        .filter(active_on_condition(F("entry__date"), prefix="treatment__"))
        .order_by()
        .values("treatment_id", "entry_id")
        .annotate(applied=Count("pk"))
        .values_list("treatment_id", "applied")
    )


def days_running(
    started_on: datetime.date, ended_on: datetime.date | None, start: datetime.date, end: datetime.date
) -> int:
    """How many days of [start, end] a course from `started_on` to `ended_on` (None: no end) runs on."""
    first, last = max(start, started_on), end if ended_on is None else min(end, ended_on)
    return max((last - first).days + 1, 0)


def adherence_of_rows(
    *,
    patient_ids: list[int],
    courses: Iterable[tuple],
    applied: Iterable[tuple[int, int]],
    start: datetime.date,
    end: datetime.date,
) -> dict[int, Adherence]:
    """`adherence_by_patient` from the rows of its two reads, however they were run: per course, expected is its
    days running in the window times its doses a day, done the sum of its days' applications each capped at the
    day's most, then capped at expected."""
    courses = list(courses)
    most = {course[0]: _most_a_day(course[2], course[3]) for course in courses}
    done_by_course: dict[int, int] = dict.fromkeys(most, 0)
    for course_id, applications in applied:
        if course_id in most:  # always, unless an application's course were another patient's
            done_by_course[course_id] += min(applications, most[course_id])
    totals = {pk: [0.0, 0.0] for pk in patient_ids}  # done, expected
    for course_id, patient_id, schedule_kind, schedule_times, started_on, ended_on in courses:
        expected = days_running(started_on, ended_on, start, end) * _doses_a_day(schedule_kind, schedule_times)
        total = totals[patient_id]
        total[0] += min(done_by_course[course_id], expected)
        total[1] += expected
    return {pk: Adherence(done=done, expected=expected) for pk, (done, expected) in totals.items()}


# --- The SQL twin ------------------------------------------------------------------------------------


def _doses_a_day_sql():
    return Case(
        When(schedule_kind=Treatment.ScheduleKind.WEEKLY, then=Cast("schedule_times", FloatField()) / Value(7.0)),
        default=Cast("schedule_times", FloatField()),
        output_field=FloatField(),
    )


def _active_days_sql(start: datetime.date, end: datetime.date):
    """Days of [start, end] the course runs on, as a sum of one CASE per day (portable: no date arithmetic)."""
    cases = [
        Case(When(active_on_condition(day), then=Value(1)), default=Value(0), output_field=IntegerField())
        for day in _days(start, end)
    ]
    total = cases[0]
    for case in cases[1:]:
        total = total + case
    return total


def _most_a_day_sql():
    """`most_a_day` of an application's course."""
    return Case(
        When(treatment__schedule_kind=Treatment.ScheduleKind.WEEKLY, then=Value(1)),
        default=F("treatment__schedule_times"),
        output_field=IntegerField(),
    )


def _counted_applications_sql(start: datetime.date, end: datetime.date):
    """The outer course's applications that count: on a day in the window it runs on, at most its day's most."""
    earlier_same_day = (
        Application.objects.filter(entry=OuterRef("entry"), treatment=OuterRef("treatment"))
        .filter(Q(applied_at__lt=OuterRef("applied_at")) | Q(applied_at=OuterRef("applied_at"), pk__lt=OuterRef("pk")))
        .order_by()
        .values("treatment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Application.objects.filter(treatment=OuterRef("pk"), entry__date__range=(start, end))
        .filter(active_on_condition(F("entry__date"), prefix="treatment__"))
        .annotate(earlier=Coalesce(Subquery(earlier_same_day, output_field=IntegerField()), 0))
        .filter(earlier__lt=_most_a_day_sql())
        .order_by()
        .values("treatment")
        .annotate(n=Count("pk"))
        .values("n")
    )


def annotate_adherence(patients: QuerySet[Patient], *, start: datetime.date, end: datetime.date) -> QuerySet[Patient]:
    """Patients with `adherence_done` and `adherence_expected` over [start, end] (None when no course overlaps)."""
    courses = (
        Treatment.objects.filter(patient=OuterRef("pk"))
        .overlapping(start, end)
        .annotate(
            course_expected=ExpressionWrapper(_active_days_sql(start, end) * _doses_a_day_sql(), FloatField()),
            course_done=Cast(
                Coalesce(Subquery(_counted_applications_sql(start, end), output_field=IntegerField()), 0),
                FloatField(),
            ),
        )
        .annotate(course_capped=Least("course_done", "course_expected", output_field=FloatField()))
        .order_by()
        .values("patient")
    )
    return patients.annotate(
        adherence_expected=Subquery(courses.annotate(total=Sum("course_expected")).values("total")),
        adherence_done=Subquery(courses.annotate(total=Sum("course_capped")).values("total")),
    )
