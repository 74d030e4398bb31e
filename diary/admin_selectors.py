"""Reads for the clinician admin: each a fixed number of queries however many patients or days."""

import datetime
import functools
import operator
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Least
from django.utils import timezone

from clinics import selectors as care
from diary.models import Application, Entry, Flag, Patient, Photo, Reaction, Treatment
from drugs.models import Urgency

ADHERENCE_DAYS = 14


def scope_to_viewer(queryset: QuerySet, user: AbstractUser, patient_path: str, *, photos: bool = False) -> QuerySet:
    """Rows whose patient (through `patient_path`, "" for Patient) the user may see now, as the care team
    decides (clinics.selectors.patients_visible_to); all for superusers."""
    if user.is_superuser:
        return queryset
    prefix = f"{patient_path}__" if patient_path else ""
    return queryset.filter(**{f"{prefix}user_id__in": care.patients_visible_to(user, photos=photos)})


def visible_patients(user: AbstractUser) -> QuerySet[Patient]:
    return scope_to_viewer(Patient.objects.all(), user, "")


def adherence_window(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last ADHERENCE_DAYS days ending today (server date in UTC for the list)."""
    today = today or timezone.now().date()
    return today - datetime.timedelta(days=ADHERENCE_DAYS - 1), today


def _per_day():
    """Expected applications on one active day: schedule_times for daily courses, schedule_times/7 for weekly."""
    return Case(
        When(schedule_kind=Treatment.ScheduleKind.DAILY, then=Cast("schedule_times", FloatField())),
        default=Cast("schedule_times", FloatField()) / Value(7.0),
        output_field=FloatField(),
    )


def _active_days(start: datetime.date, end: datetime.date):
    """Days of [start, end] on which the course ran, as a sum of one CASE per day (portable: no date arithmetic)."""
    days = [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]
    cases = [
        Case(
            When(Q(started_on__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gte=day)), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        for day in days
    ]
    return functools.reduce(operator.add, cases)


def patients_for_changelist(queryset: QuerySet[Patient], today: datetime.date | None = None) -> QuerySet[Patient]:
    """Patients with last entry date, days logged and adherence over the last 14 days, and active flags.

    Adherence: expected = for each course, its per-day schedule (daily: schedule_times; weekly: schedule_times/7)
    times the days of the window it was active; done = that course's applications in the window, capped at its
    expected; adherence = sum(done) / sum(expected) as a percentage, None when nothing was expected.
    """
    start, end = adherence_window(today)
    entries = Entry.objects.filter(patient=OuterRef("pk"))
    last_entry = entries.order_by("-date").values("date")[:1]
    days_logged = (
        entries.filter(date__range=(start, end)).order_by().values("patient").annotate(n=Count("pk")).values("n")
    )
    active_flags = (
        Flag.objects.filter(patient=OuterRef("pk"), status__in=Flag.ACTIVE)
        .order_by()
        .values("patient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    done_by_course = (
        Application.objects.filter(treatment=OuterRef("pk"), entry__date__range=(start, end))
        .order_by()
        .values("treatment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    courses = (
        Treatment.objects.filter(patient=OuterRef("pk"), started_on__lte=end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
        .annotate(
            course_expected=ExpressionWrapper(_active_days(start, end) * _per_day(), output_field=FloatField()),
            course_done=Cast(Coalesce(Subquery(done_by_course, output_field=IntegerField()), 0), FloatField()),
        )
        .annotate(course_capped=Least("course_done", "course_expected", output_field=FloatField()))
        .order_by()
        .values("patient")
    )
    expected = courses.annotate(total=Sum("course_expected")).values("total")
    done = courses.annotate(total=Sum("course_capped")).values("total")
    return queryset.annotate(
        last_entry_date=Subquery(last_entry),
        days_logged=Coalesce(Subquery(days_logged, output_field=IntegerField()), 0),
        active_flag_count=Coalesce(Subquery(active_flags, output_field=IntegerField()), 0),
        adherence_expected=Subquery(expected, output_field=FloatField()),
        adherence_done=Subquery(done, output_field=FloatField()),
    )


def adherence_percent(done: float | None, expected: float | None) -> int | None:
    if not expected:
        return None
    return round(100 * (done or 0) / expected)


@dataclass(frozen=True)
class UrgencyCount:
    urgency: Urgency
    count: int


def active_flag_counts(user: AbstractUser) -> list[UrgencyCount]:
    """The user's open or acknowledged flags per urgency, emergency first (every urgency, zeros included)."""
    flags = scope_to_viewer(Flag.objects.active(), user, "patient")
    counts = dict(flags.order_by().values_list("urgency").annotate(n=Count("pk")))
    return [UrgencyCount(urgency, counts.get(urgency.value, 0)) for urgency in reversed(Urgency)]


# --- The timeline ---------------------------------------------------------------------------------


@dataclass
class TimelineDay:
    date: datetime.date
    entry: Entry | None = None
    flags: list[Flag] = field(default_factory=list)
    expected: float = 0.0
    done: float = 0.0

    @property
    def adherence(self) -> int | None:
        return adherence_percent(self.done, self.expected)


@dataclass
class Timeline:
    patient: Patient
    start: datetime.date
    end: datetime.date
    days: list[TimelineDay]  # every day of the range, oldest first
    flags: list[Flag]

    @property
    def days_with_content(self) -> list[TimelineDay]:
        """Days with an entry or a flag, newest first: what the page lists."""
        return [day for day in reversed(self.days) if day.entry or day.flags]

    def severity_series(self) -> dict[str, list[tuple[datetime.date, int | None]]]:
        """Per symptom, the maximum severity reported each day (None on days it was not reported)."""
        names = sorted({r.symptom.name for d in self.days if d.entry for r in d.entry.reactions.all()})
        series: dict[str, list[tuple[datetime.date, int | None]]] = {}
        for name in names:
            points = []
            for day in self.days:
                severities = (
                    [r.severity for r in day.entry.reactions.all() if r.symptom.name == name] if day.entry else []
                )
                points.append((day.date, max(severities) if severities else None))
            series[name] = points
        return series

    def itch_series(self) -> list[tuple[datetime.date, int | None]]:
        return [(day.date, day.entry.itch if day.entry else None) for day in self.days]

    def adherence_series(self) -> list[tuple[datetime.date, int | None]]:
        return [(day.date, day.adherence) for day in self.days]


def timeline_entries() -> QuerySet[Entry]:
    return Entry.objects.prefetch_related(
        Prefetch(
            "applications",
            queryset=Application.objects.select_related("treatment__drug").prefetch_related("body_areas"),
        ),
        Prefetch("reactions", queryset=Reaction.objects.select_related("symptom", "body_area", "treatment__drug")),
        Prefetch("photos", queryset=Photo.objects.select_related("body_area").order_by("created", "pk")),
    )


def flag_photos(flag: Flag) -> list[Photo]:
    """Photos of the days a flag rests on, of the body areas its reactions named (all areas if none did)."""
    evidence = flag.evidence.get("days", [])
    areas = {r["body_area"] for day in evidence for r in day.get("reactions", []) if r.get("body_area")}
    photos = Photo.objects.filter(entry__patient_id=flag.patient_id, entry__date__in=flag.matched_dates)
    if areas:
        photos = photos.filter(body_area__name__in=areas)
    return list(photos.select_related("body_area", "entry").order_by("taken_on", "pk"))


def timeline(patient: Patient, start: datetime.date, end: datetime.date) -> Timeline:
    """Every day from start to end with its entry, the flags touching it and that day's adherence.

    Per day: expected = sum over active courses of the per-day schedule (daily: times; weekly: times/7);
    done = per course, that day's applications capped at its daily times (weekly courses: at 1).
    """
    entries = {e.date: e for e in timeline_entries().filter(patient=patient, date__range=(start, end))}
    courses = list(
        Treatment.objects.filter(patient=patient, started_on__lte=end).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=start)
        )
    )
    flags = list(
        Flag.objects.filter(patient=patient, first_seen__lte=end, last_seen__gte=start)
        .select_related("drug")
        .order_by("-urgency", "first_seen", "id")
    )
    days = []
    day = start
    while day <= end:
        days.append(TimelineDay(date=day, entry=entries.get(day)))
        day += datetime.timedelta(days=1)
    by_date = {d.date: d for d in days}
    for flag in flags:
        dates = flag.matched_dates or [flag.first_seen, flag.last_seen]
        for date in sorted(set(dates)):
            if date in by_date:
                by_date[date].flags.append(flag)
    for timeline_day in days:
        applied: dict[int, int] = defaultdict(int)
        if timeline_day.entry:
            for application in timeline_day.entry.applications.all():
                applied[application.treatment_id] += 1
        for course in courses:
            if not course.is_active_on(timeline_day.date):
                continue
            weekly = course.schedule_kind == Treatment.ScheduleKind.WEEKLY
            timeline_day.expected += course.schedule_times / 7 if weekly else course.schedule_times
            timeline_day.done += min(applied[course.pk], 1 if weekly else course.schedule_times)
    return Timeline(patient=patient, start=start, end=end, days=days, flags=flags)


# --- Export ---------------------------------------------------------------------------------------

EXPORT_HEADER = [
    "date",
    "time",
    "kind",
    "medicine",
    "strength",
    "areas",
    "amount",
    "grams",
    "symptom",
    "severity",
    "itch",
    "notes",
]


def _amount(value: Decimal) -> str:
    return f"{value.normalize():f}"


def export_rows(patient: Patient, start: datetime.date, end: datetime.date):
    """One row per application and per reaction (and one for a day with neither), oldest first."""
    entries = timeline_entries().filter(patient=patient, date__range=(start, end)).order_by("date")
    for entry in entries.iterator(chunk_size=200):
        itch = "" if entry.itch is None else str(entry.itch)
        day = entry.date.isoformat()
        rows = 0
        for application in entry.applications.all():
            treatment = application.treatment
            yield [
                day,
                f"{timezone.localtime(application.applied_at, patient.zone):%H:%M}",
                "application",
                treatment.drug.generic_name,
                treatment.strength,
                "; ".join(area.name for area in application.body_areas.all()),
                application.amount_display,
                _amount(application.grams),
                "",
                "",
                itch,
                entry.notes,
            ]
            rows += 1
        for reaction in entry.reactions.all():
            treatment = reaction.treatment
            yield [
                day,
                "",
                "reaction",
                treatment.drug.generic_name if treatment else "",
                treatment.strength if treatment else "",
                reaction.body_area.name if reaction.body_area else "",
                "",
                "",
                reaction.symptom.name,
                reaction.get_severity_display(),
                itch,
                entry.notes,
            ]
            rows += 1
        if not rows:
            yield [day, "", "day", "", "", "", "", "", "", "", itch, entry.notes]
