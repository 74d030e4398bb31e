"""Reads of a patient's diary, each a fixed number of queries however long the diary grows."""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from clinics import selectors as care
from diary.adherence import doses_counted, is_extra_dose
from diary.amounts import format_amount
from diary.models import Application, Entry, Flag, Patient, Photo, Reaction, Treatment
from drugs.models import BodyArea, Severity, Urgency
from prepared import prefetched, prepared


@dataclass(frozen=True)
class CourseProgress:
    """A course active on a day, and how much of its schedule is done."""

    treatment: Treatment
    done: int
    due: int
    period: str  # "today" / "this week" / "that day" / "that week"

    @property
    def complete(self) -> bool:
        return self.done >= self.due


@dataclass(frozen=True)
class LoggedApplication:
    """An application as the day's page lists it."""

    pk: int
    drug: str
    strength: str
    applied_at: datetime.datetime
    amount_display: str
    areas: list[str]


@dataclass(frozen=True)
class LoggedReaction:
    """A reaction as the day's page lists it ("" for no area or no medicine)."""

    pk: int
    severity: int
    symptom: str
    body_area: str
    drug: str

    def get_severity_display(self) -> str:
        return Severity(self.severity).label


@dataclass(frozen=True)
class DayLog:
    """What a patient logged on one day: the entry's own fields and its applications and reactions, in the
    order the models sort them."""

    pk: int
    date: datetime.date
    itch: int | None
    sleep_loss: int | None
    notes: str
    is_late: bool
    applications: list[LoggedApplication]
    reactions: list[LoggedReaction]


@prepared
def _patient_rows(*, user_id: int):
    return Patient.objects.filter(user_id=user_id).order_by("pk")[:1]


def patient_of(*, user) -> Patient | None:
    """The signed-in user's diary, or None for an account without one: one prepared query (every patient page)."""
    rows = _patient_rows(user_id=user.pk)
    return rows[0] if rows else None


@prepared
def _entry_row(*, patient_id: int, day: datetime.date):
    entries = Entry.objects.filter(patient_id=patient_id, date=day).order_by("pk")
    return entries.values_list("pk", "itch", "sleep_loss", "notes", "created")[:1]


@prepared
def _application_rows(*, entry_id: int):
    applications = Application.objects.filter(entry_id=entry_id).order_by(
        *Application._meta.ordering, "body_areas__name"
    )
    return applications.values_list(
        "pk", "treatment__drug__generic_name", "treatment__strength", "applied_at", "amount", "unit", "body_areas__name"
    )


@prepared
def _reaction_rows(*, entry_id: int):
    return Reaction.objects.filter(entry_id=entry_id).values_list(
        "pk", "severity", "symptom__name", "body_area__name", "treatment__drug__generic_name"
    )


def entry_on(*, patient: Patient, day: datetime.date) -> DayLog | None:
    """The day's entry with its applications and reactions, read as plain values: three prepared queries (one when
    the day has no entry), without model instances or prefetching (the day page shows them, nothing more)."""
    row = next(iter(_entry_row(patient_id=patient.pk, day=day)), None)
    if row is None:
        return None
    pk, itch, sleep_loss, notes, created = row
    applications: dict[int, LoggedApplication] = {}
    for a_pk, drug, strength, applied_at, amount, unit, area in _application_rows(entry_id=pk):
        if a_pk not in applications:
            applications[a_pk] = LoggedApplication(a_pk, drug, strength, applied_at, format_amount(amount, unit), [])
        if area is not None:
            applications[a_pk].areas.append(area)
    reactions = [
        LoggedReaction(r_pk, severity, symptom, area or "", drug or "")
        for r_pk, severity, symptom, area, drug in _reaction_rows(entry_id=pk)
    ]
    return DayLog(
        pk=pk,
        date=day,
        itch=itch,
        sleep_loss=sleep_loss,
        notes=notes,
        is_late=Entry.written_late(patient=patient, date=day, created=created),
        applications=list(applications.values()),
        reactions=reactions,
    )


@prepared
def courses_of(*, patient_id: int):
    """All the patient's courses with their medicine, in the courses' order (the reaction form's select)."""
    return Treatment.objects.filter(patient_id=patient_id).select_related("drug")


AREA_FIELDS = ("id", "code", "name", "adult_ftu")


@prepared
def _course_area_rows(*, patient_id: int):
    links = Treatment.body_areas.through.objects.filter(treatment__patient_id=patient_id)
    return links.order_by("bodyarea__name").values_list("treatment_id", *(f"bodyarea__{f}" for f in AREA_FIELDS))


def with_body_areas(courses: list[Treatment], *, patient: Patient) -> list[Treatment]:
    """Give each of the patient's `courses` its body areas (`course.body_areas.all()`, by name), as
    `prefetch_related("body_areas")` would: one prepared read of the patient's course areas, none without courses."""
    if not courses:
        return courses
    areas: dict[int, list[BodyArea]] = {course.pk: [] for course in courses}
    for treatment_id, *values in _course_area_rows(patient_id=patient.pk):
        if treatment_id in areas:
            areas[treatment_id].append(BodyArea.from_db("default", AREA_FIELDS, values))
    for course in courses:
        prefetched(course, "body_areas", areas[course.pk])
    return courses


def active_courses(*, patient: Patient, day: datetime.date, courses: list[Treatment] | None = None) -> list[Treatment]:
    """The courses running on `day` (oldest first) with their medicine and body areas: chosen by
    `Treatment.is_active_on` (the twin of `active_on`) among the patient's courses, `courses_of` or the `courses` the
    caller read from it (the day page's course select lists them all); two prepared queries (one when none runs, one
    fewer with `courses`)."""
    if courses is None:
        courses = courses_of(patient_id=patient.pk)
    running = sorted((course for course in courses if course.is_active_on(day)), key=lambda c: (c.started_on, c.pk))
    return with_body_areas(running, patient=patient)


def courses_current_and_past(*, patient: Patient, today: datetime.date) -> tuple[list[Treatment], list[Treatment]]:
    """The patient's courses with medicine and body areas (two prepared queries, one when there is none), split
    into those not over by `today` and those that ended before it.

    "Current" is wider than `active_courses(today)` on purpose: the patient's list of courses shows a course they
    have been given but not yet begun among the current ones (it is no past course), while the Today page and the
    schedules count only courses running on the day."""
    courses = with_body_areas(courses_of(patient_id=patient.pk), patient=patient)
    current: list[Treatment] = []
    past: list[Treatment] = []
    for course in courses:
        (past if course.ended_on is not None and course.ended_on < today else current).append(course)
    return current, past


@prepared
def _week_application_rows(*, patient_id: int, monday: datetime.date, day: datetime.date):
    applications = Application.objects.filter(entry__patient_id=patient_id, entry__date__range=(monday, day))
    return applications.values_list("treatment_id", "entry__date")


def course_progress(
    *, patient: Patient, day: datetime.date, is_today: bool, courses: list[Treatment] | None = None
) -> list[CourseProgress]:
    """Doses done against the schedule, as adherence counts them (diary.adherence: each day's applications
    capped at the day's most): on `day` for daily courses, Monday to `day` for weekly ones. `courses`: the patient's
    courses, if the caller has read them (`active_courses`)."""
    courses = active_courses(patient=patient, day=day, courses=courses)
    monday = day - datetime.timedelta(days=day.weekday())
    applied: Counter[tuple[int, datetime.date]] = Counter(
        _week_application_rows(patient_id=patient.pk, monday=monday, day=day)
    )
    progress = []
    for course in courses:
        if course.schedule_kind == Treatment.ScheduleKind.WEEKLY:
            days = [monday + datetime.timedelta(days=n) for n in range(day.weekday() + 1)]
            period = "this week" if is_today else "that week"
        else:
            days, period = [day], "done today" if is_today else "done that day"
        done = doses_counted(course, (applied[course.pk, d] for d in days if course.is_active_on(d)))
        progress.append(CourseProgress(treatment=course, done=done, due=course.schedule_times, period=period))
    return progress


def extra_dose(*, treatment: Treatment, day: datetime.date, excluding: Application | None = None) -> int | None:
    """The applications of a course already logged on a day, when one more would go beyond its schedule
    (diary.adherence); None when one more is within it."""
    logged = (
        Application.objects.filter(treatment=treatment, entry__date=day)
        .exclude(pk=excluding.pk if excluding else None)
        .count()
    )
    return logged if is_extra_dose(treatment, logged_that_day=logged) else None


def history(*, patient: Patient, drug_slug: str = "", symptom_code: str = "") -> QuerySet[Entry]:
    """The patient's entries newest first, optionally only days with that medicine applied or that symptom."""
    entries = Entry.objects.with_details().filter(patient=patient).order_by("-date")
    if drug_slug:
        applied = Application.objects.filter(entry=OuterRef("pk"), treatment__drug__slug=drug_slug)
        entries = entries.filter(Exists(applied))
    if symptom_code:
        reported = Reaction.objects.filter(entry=OuterRef("pk"), symptom__code=symptom_code)
        entries = entries.filter(Exists(reported))
    return entries


@dataclass(frozen=True)
class DayAlerts:
    """The active flags a day's entry matched, most urgent first, and how many others are open."""

    flags: list[Flag]
    others: int
    clinic_phone: str | None = None

    @property
    def emergency(self) -> bool:
        return any(flag.urgency == Urgency.EMERGENCY for flag in self.flags)


def clinic_phone(*, patient: Patient, care_links: list | None = None) -> str | None:
    """The phone number of a clinic the patient actively shares with: the first of their links (newest consent
    first) whose clinic has one; None when they share with none or no clinic gave a phone. A withdrawn link
    offers nothing. Pass the page's `care_links` (clinics.selectors.care_for) to spare the query."""
    links = care.care_for(patient_user=patient.user_id) if care_links is None else care_links
    return next((link.clinic.phone for link in links if link.clinic.phone), None)


@prepared
def _active_flags(*, patient_id: int):
    return (
        Flag.objects.filter(patient_id=patient_id).active().select_related("drug", "patient").order_by("-urgency", "id")
    )


@prepared
def _active_flag_urgencies(*, patient_id: int):
    return Flag.objects.filter(patient_id=patient_id).active().values_list("urgency", "evidence")


def alerts_on(
    *, patient: Patient, day: datetime.date, courses: list[Treatment] | None = None, care_links: list | None = None
) -> DayAlerts:
    """Active flags whose evidence includes `day`; one query, plus one for the clinic's phone when a "today" or
    emergency flag matched and the page's `care_links` were not passed. Any-drug rules link to the first course's
    guide."""
    active = _active_flags(patient_id=patient.pk)
    on_day = [flag for flag in active if day in flag.matched_dates]
    guide_drug = courses[0].drug if courses else None
    for flag in on_day:
        flag.guide_drug = guide_drug
    urgent = any(f.urgency >= Urgency.TODAY for f in on_day)
    return DayAlerts(
        flags=on_day,
        others=len(active) - len(on_day),
        clinic_phone=clinic_phone(patient=patient, care_links=care_links) if urgent else None,
    )


def alert_anchor(*, patient: Patient, day: datetime.date) -> str:
    """Where a day's page opens after a write, as `alerts_on` would show the day: "#emergency" when an active
    emergency flag's evidence includes `day`, "#alerts" when another active flag's does, else "". One query of two
    columns (the redirect needs nothing else of the flags)."""
    urgencies = [
        urgency for urgency, evidence in _active_flag_urgencies(patient_id=patient.pk) if day in Flag.dates_in(evidence)
    ]
    if Urgency.EMERGENCY in urgencies:
        return "#emergency"
    return "#alerts" if urgencies else ""


def alerts_for(*, patient: Patient) -> tuple[list[Flag], QuerySet[Flag]]:
    """The patient's active flags (most urgent first) and the past ones (newest first)."""
    flags = Flag.objects.for_patient(patient).select_related("drug", "patient", "reviewer")
    active = list(flags.active().order_by("-urgency", "first_seen", "id"))
    past = flags.exclude(status__in=Flag.ACTIVE).order_by("-last_seen", "-id")
    return active, past


# --- Photos --------------------------------------------------------------------------------


def photos_visible_to(*, user) -> QuerySet[Photo]:
    """Photos a user may see: their own, or those the care team lets them see now (consent to photos)."""
    if not user.is_authenticated:
        return Photo.objects.none()
    if user.is_superuser:
        return Photo.objects.all()
    visible = Q(entry__patient__user=user)
    if user.is_staff:
        visible |= Q(entry__patient__user_id__in=care.patients_visible_to(user, photos=True))
    return Photo.objects.filter(visible)


def patient_photos(*, patient: Patient) -> QuerySet[Photo]:
    return Photo.objects.for_patient(patient).select_related("entry", "body_area")


@prepared
def _photos_on(*, patient_id: int, day: datetime.date):
    photos = Photo.objects.filter(entry__patient_id=patient_id, entry__date=day).select_related("entry", "body_area")
    return photos.order_by("created", "pk")


def photos_on(*, patient: Patient, day: datetime.date) -> list[Photo]:
    return _photos_on(patient_id=patient.pk, day=day)


def photo_areas(*, patient: Patient) -> list[BodyArea]:
    """The body areas the patient has photographed, by name."""
    return list(BodyArea.objects.filter(pk__in=Photo.objects.for_patient(patient).values("body_area")))


def photo_gallery(*, patient: Patient, area: BodyArea | None = None) -> list[tuple[BodyArea, list[Photo]]]:
    """The patient's photos grouped by body area (by name), newest first within each; one query."""
    photos = patient_photos(patient=patient).order_by("body_area__name", "body_area_id", "-taken_on", "-pk")
    if area is not None:
        photos = photos.filter(body_area=area)
    groups: dict[int, tuple[BodyArea, list[Photo]]] = {}
    for photo in photos:
        groups.setdefault(photo.body_area_id, (photo.body_area, []))[1].append(photo)
    return list(groups.values())
