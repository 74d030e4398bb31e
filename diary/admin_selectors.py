"""Reads for the clinician admin: each a fixed number of queries however many patients or days."""

import datetime
import inspect
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractUser
from django.db import router
from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    signals,
)
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.functions import Coalesce
from django.db.models.query_utils import DeferredAttribute
from django.utils import timezone

from clinics import selectors as care
from clinics.models import name_shown
from diary.adherence import COURSE_COLUMNS, Adherence, adherence, adherence_of_rows, applied_per_course_day
from diary.amounts import format_amount
from diary.models import Application, Entry, Flag, Patient, Photo, Reaction, Treatment, overlapping_condition
from drugs.models import Drug, Severity, Urgency
from prepared import PreparedRead, prepared

ADHERENCE_DAYS = 14


def scope_to_viewer(*, queryset: QuerySet, user: AbstractUser, patient_path: str, photos: bool = False) -> QuerySet:
    """Rows whose patient (through `patient_path`, "" for Patient) the user may see now, as the care team
    decides (clinics.selectors.patients_visible_to); all for superusers."""
    if user.is_superuser:
        return queryset
    return _scoped(queryset, patient_path, care.patients_visible_to(user, photos=photos))


def scope_to_member(*, queryset: QuerySet, user_id: int, patient_path: str) -> QuerySet:
    """`scope_to_viewer` for a staff member who is not a superuser, by their id (a prepared read's argument)."""
    return _scoped(queryset, patient_path, care.patients_of_member(user_id=user_id))


def seen_by_member(*, queryset: QuerySet, user_id: int, patient_path: str) -> QuerySet:
    """`scope_to_member` asked row by row (clinics.selectors.member_sees: EXISTS of the row's patient's care link):
    for a read of one patient, or where the rows are few and found first (a medicine's flags); a list of many
    patients reads faster with `scope_to_member`'s IN."""
    prefix = f"{patient_path}__" if patient_path else ""
    return queryset.filter(care.member_sees(user_id=user_id, patient_user_id=OuterRef(f"{prefix}user_id")))


class ScopedQuerySets:
    """An admin's scoped queryset (`scope_to_viewer` of its rows) for each user, built once per process: building
    it (the manager's queryset, its ordering and related rows, the scope's subquery) cost about 0.9 ms of every admin
    list, and what is kept is a query, not rows: each request gets its own copy, run afresh, so a consent withdrawn
    or a membership ended shows on the next request. Keyed by what `care.patients_visible_to` reads of the user (id,
    signed in, staff, superuser); at most LIMIT users are kept (then it starts again)."""

    LIMIT = 256

    def __init__(self):
        self._built: dict[tuple, QuerySet] = {}

    def for_user(self, user: AbstractUser, build) -> QuerySet:
        key = (user.pk, user.is_authenticated, user.is_staff, user.is_superuser)
        queryset = self._built.get(key)
        if queryset is None:
            if len(self._built) >= self.LIMIT:
                self._built.clear()
            queryset = self._built[key] = build()
        return queryset.all()  # a copy: evaluating or changing it leaves the kept one untouched


def _scoped(queryset: QuerySet, patient_path: str, visible: QuerySet) -> QuerySet:
    prefix = f"{patient_path}__" if patient_path else ""
    return queryset.filter(**{f"{prefix}user_id__in": visible})


def _as_viewer(user: AbstractUser, everyone: PreparedRead, member: PreparedRead, **arguments) -> list:
    """Rows of a prepared read in the user's scope: its superuser's version (everyone) or a staff member's (by id);
    nothing for anyone else, as care.patients_visible_to decides."""
    if user.is_superuser:
        return everyone(**arguments)
    if user.is_authenticated and user.is_staff:
        return member(user_id=user.pk, **arguments)
    return []


def visible_patients(*, user: AbstractUser) -> QuerySet[Patient]:
    return scope_to_viewer(queryset=Patient.objects.all(), user=user, patient_path="")


def visible_patient(*, user: AbstractUser, pk: int) -> Patient | None:
    """The patient with this id, with their user, if the user may see them now (as `scope_to_viewer`); else None.
    One prepared query: the admin's patient pages (timeline, export, visit summary) open with it."""
    rows = _as_viewer(user, _patient_with_user, _member_patient_with_user, pk=pk)
    return rows[0] if rows else None


@prepared
def _patient_with_user(*, pk: int):
    return Patient.objects.filter(pk=pk).select_related("user")


@prepared
def _member_patient_with_user(*, pk: int, user_id: int):
    patients = seen_by_member(queryset=Patient.objects.filter(pk=pk), user_id=user_id, patient_path="")
    return patients.select_related("user")


def patients_to_choose(*, user: AbstractUser) -> list[tuple[int, str]] | None:
    """(id, name shown) of the patients the user may see, by name, for the admin's patient filter; None when there
    are more than PATIENT_CHOICES (the filter then offers none): one prepared query of ids and names, no rows made
    into models (a clinic's list is mostly past the limit, and then no name is shown)."""
    rows = _as_viewer(user, _patients_to_choose, _member_patients_to_choose)
    if len(rows) > PATIENT_CHOICES:
        return None
    return [
        (pk, name_shown(first_name=first_name, last_name=last_name, username=username))
        for pk, first_name, last_name, username in rows
    ]


PATIENT_CHOICES = 30


def _by_name(patients: QuerySet[Patient]) -> QuerySet:
    """Up to PATIENT_CHOICES + 1 of `patients`, by name: any PATIENT_CHOICES + 1 of them picked first (the database
    stops there), then sorted; beyond PATIENT_CHOICES no name is shown, so which ones were picked does not matter.
    Sorting every patient of a clinic by name to keep 31 cost a millisecond for 1,000."""
    return _sorted_by_name(Patient.objects.filter(pk__in=patients.order_by().values("pk")[: PATIENT_CHOICES + 1]))


def _sorted_by_name(patients: QuerySet[Patient]) -> QuerySet:
    return patients.order_by("user__first_name", "user__username").values_list(
        "pk", "user__first_name", "user__last_name", "user__username"
    )


@prepared
def _patients_to_choose():
    return _by_name(Patient.objects.all())


@prepared
def _member_patients_to_choose(*, user_id: int):
    """`_by_name` for a member, the PATIENT_CHOICES + 1 picked from their clinics' links (distinct patients with a
    diary): the database stops there, where picking them among the patients `pk IN (the scope)` listed every patient
    of the member's clinics first (0.45 -> 0.1 ms of SQLite for a clinic of 1,000)."""
    with_diary = Exists(Patient.objects.filter(user_id=OuterRef("patient_id")))
    linked = care.patients_of_member(user_id=user_id).filter(with_diary).order_by().distinct()
    few = Patient.objects.filter(user_id__in=linked[: PATIENT_CHOICES + 1])
    return _sorted_by_name(few)


def adherence_window(*, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last ADHERENCE_DAYS days ending today (server date in UTC for the list)."""
    today = today or timezone.now().date()
    return today - datetime.timedelta(days=ADHERENCE_DAYS - 1), today


# The patient list's sortable figures of each patient, annotated by these names.
FIGURES = ("last_entry_date", "days_logged", "active_flag_count")


def _figures(start: datetime.date, end: datetime.date) -> dict:
    """The outer patient's last entry date, days logged in [start, end] and open or acknowledged flags."""
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
    return {
        "last_entry_date": Subquery(last_entry),
        "days_logged": Coalesce(Subquery(days_logged, output_field=IntegerField()), 0),
        "active_flag_count": Coalesce(Subquery(active_flags, output_field=IntegerField()), 0),
    }


def patients_for_changelist(*, queryset: QuerySet[Patient], today: datetime.date | None = None) -> QuerySet[Patient]:
    """Patients with last entry date, days logged over the last 14 days, and active flags: the sortable columns,
    for a list sorted by one of them (SQLite works them out for every patient in scope before sorting). A page's
    rows read their own with `patient_list_figures`, with their adherence."""
    start, end = adherence_window(today=today)
    return queryset.annotate(**_figures(start, end))


def sorts_by_figures(ordering: list) -> bool:
    """Whether a list's ordering (names, F() or their asc()/desc()) uses one of the FIGURES."""
    for item in ordering:
        expression = getattr(item, "expression", item)
        name = expression.lstrip("-") if isinstance(expression, str) else getattr(expression, "name", None)
        if name in FIGURES:
            return True
    return False


@dataclass(frozen=True)
class PatientFigures:
    """What the patient list shows of a patient besides their name."""

    last_entry_date: datetime.date | None
    days_logged: int
    active_flag_count: int
    adherence: Adherence


def patient_list_figures(*, patient_ids: list[int], today: datetime.date | None = None) -> dict[int, PatientFigures]:
    """The figures of these patients (a page of the list) over the last 14 days, adherence (diary.adherence)
    included, in two queries: the patients with their figures and courses, and the courses' counted doses; prepared
    for a page of up to ROW_SLOTS patients (the list's page), the ORM's for a longer one ("show all")."""
    start, end = adherence_window(today=today)
    if not patient_ids:
        return {}
    if len(patient_ids) > ROW_SLOTS:
        rows = _patients_with_courses(patient_ids, start, end)
        applied = applied_per_course_day(patient_ids, start, end)
    else:
        slots = _id_slots(patient_ids)
        rows = _page_patients_with_courses(**slots, start=start, end=end)
        applied = _page_applied(**slots, start=start, end=end)
    shown, courses = {}, []
    for pk, last_entry_date, days_logged, active_flags, course_id, *schedule in rows:
        shown[pk] = (last_entry_date, days_logged, active_flags)
        if course_id is not None:
            courses.append((course_id, pk, *schedule))
    adherence_of = adherence_of_rows(patient_ids=patient_ids, courses=courses, applied=applied, start=start, end=end)
    return {pk: PatientFigures(*shown[pk], adherence=adherence_of[pk]) for pk in patient_ids}


def _patients_with_courses(patient_ids: list[int], start: datetime.date, end: datetime.date) -> QuerySet:
    """(patient id, *FIGURES, then the schedule of one of their courses running in [start, end], or Nones): a row
    per such course, one for a patient with none."""
    running = FilteredRelation("treatments", condition=overlapping_condition(start, end, prefix="treatments__"))
    patients = Patient.objects.filter(pk__in=patient_ids).annotate(running=running, **_figures(start, end))
    course = [f"running__{column}" for column in COURSE_COLUMNS if column != "patient_id"]
    return patients.order_by("pk", "running__pk").values_list("pk", *FIGURES, *course)


# A prepared read takes a fixed number of arguments: a page's ids fill this many, the rest get ids no row has.
ROW_SLOTS = 50


def _id_slots(ids: list[int]) -> dict[str, int]:
    """The ids as the slots' arguments; each unused slot a different negative id (the ORM drops repeated values
    from an `__in`, which would change the SQL's shape)."""
    padded = [*ids, *(-1 - n for n in range(ROW_SLOTS - len(ids)))]
    return {f"id_{n}": pk for n, pk in enumerate(padded)}


def _with_id_slots(read):
    """A prepared read of `read(ids, start, end)` with ROW_SLOTS id arguments (`id_0`...) and the window's dates."""

    def build(**arguments):
        return read([arguments[f"id_{n}"] for n in range(ROW_SLOTS)], arguments["start"], arguments["end"])

    keyword = inspect.Parameter.KEYWORD_ONLY
    build.__signature__ = inspect.Signature(
        [inspect.Parameter(f"id_{n}", keyword, annotation=int) for n in range(ROW_SLOTS)]
        + [inspect.Parameter(name, keyword, annotation=datetime.date) for name in ("start", "end")]
    )
    build.__qualname__ = f"page_of_{read.__name__}"
    return prepared(build)


_page_patients_with_courses = _with_id_slots(_patients_with_courses)
_page_applied = _with_id_slots(applied_per_course_day)


# --- The queue and the patient list at their usual address -------------------------------------------
#
# As a dermatologist opens them most (no filter, search or sorting chosen; one of their first USUAL_PAGES pages),
# a list's count and page are prepared reads, for superusers and for members by id (`_as_viewer`). A page's offset
# is part of its SQL: each page has its own read, made on first use. Any other address is Django's changelist's own
# queries; both give the same rows (tests).

USUAL_PAGES = 20

# What a row of the flag queue reads of the flag itself (the aria-label of its checkbox included: the rule and the
# status); its patient's and medicine's names come as columns of the row (`ROW_NAMES`).
FLAG_ROW_FIELDS = ["urgency", "status", "first_seen", "last_seen", "rule_text"]

# A list row's patient name columns and its medicine's name, read as values of the row: no patient, user or
# medicine made into models for a name (a queue page made 186 model instances for 50 flags).
ROW_NAMES = ("row_first_name", "row_last_name", "row_username")
ROW_MEDICINE = "row_medicine"


def _with_patient_names(rows: QuerySet, patient_path: str) -> QuerySet:
    prefix = f"{patient_path}__" if patient_path else ""
    columns = ("first_name", "last_name", "username")
    return rows.annotate(
        **{name: F(f"{prefix}user__{column}") for name, column in zip(ROW_NAMES, columns, strict=True)}
    )


def row_patient_name(row) -> str | None:
    """The name a list row shows of its patient (clinics.models.display_name: the user's full name, or their
    username) from the row's name columns; None for a row read without them (a whole model: ask its user)."""
    values = row.__dict__
    if ROW_NAMES[0] not in values:
        return None
    first_name, last_name, username = (values[name] for name in ROW_NAMES)
    return name_shown(first_name=first_name, last_name=last_name, username=username)


def row_medicine(row) -> tuple[bool, str | None]:
    """(whether the row was read with its medicine's name, that name or None for "any medicine")."""
    values = row.__dict__
    return (True, values[ROW_MEDICINE]) if ROW_MEDICINE in values else (False, None)


def flag_row_columns(flags: QuerySet[Flag]) -> QuerySet[Flag]:
    """The queue's rows read what they show: not the evidence, advice and notes of each flag nor the whole guide
    text of its medicine (the flag's own page and the actions read whole rows); the names as columns."""
    flags = flags.select_related(None).only(*FLAG_ROW_FIELDS).annotate(**{ROW_MEDICINE: F("drug__generic_name")})
    return _with_patient_names(flags, "patient")


# What a row of the patient list reads of the patient (their figures are read for the page's rows after paging): the
# user's id, with the user's names as columns, as a patient's text (its action checkbox's label) is their user's name.
PATIENT_ROW_FIELDS = ["user"]


def patient_row_columns(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """The patient list's rows: the patient's id and user id, and their user's names as columns (ROW_NAMES); each
    row's user is made from them (`give_row_users`), not read as a model."""
    return _with_patient_names(patients.select_related(None).only(*PATIENT_ROW_FIELDS), "")


class UsualAddress:
    """A list at its usual address: `rows` filters and orders the scoped rows as its changelist does by default,
    `columns` picks what its rows read; with `as_values`, a page is read as `values_list(*as_values.names)` of those
    columns (the same SQL: a prepared read makes no model with annotations) and `as_values.make` makes the rows."""

    def __init__(self, name: str, model, patient_path: str, *, rows, columns, as_values=None):
        self.name, self.model, self.patient_path, self.rows, self.columns = name, model, patient_path, rows, columns
        self.as_values = as_values
        self._count = self._reads("count", lambda scoped: _count_of(self.rows(scoped)))
        self._pages: dict[tuple[int, int], tuple[PreparedRead, PreparedRead]] = {}

    def _reads(self, what: str, build) -> tuple[PreparedRead, PreparedRead]:
        def everyone():
            return build(self.model.objects.all())

        def member(*, user_id: int):
            return build(
                scope_to_member(queryset=self.model.objects.all(), user_id=user_id, patient_path=self.patient_path)
            )

        everyone.__qualname__ = f"{self.name}_{what}"
        member.__qualname__ = f"{self.name}_{what}_of_member"
        return prepared(everyone), prepared(member)

    def count(self, *, user: AbstractUser) -> int:
        rows = _as_viewer(user, *self._count)
        return rows[0][0] if rows else 0

    def page(self, *, user: AbstractUser, start: int, stop: int) -> list:
        """The rows [start:stop]: a page of the first USUAL_PAGES."""
        reads = self._pages.get((start, stop))
        if reads is None:
            if start >= USUAL_PAGES * (stop - start):
                raise ValueError(f"{self.name}: a page beyond the usual ones")

            def page_of(scoped: QuerySet) -> QuerySet:
                columns = self.columns(self.rows(scoped))
                if self.as_values is not None:
                    columns = columns.values_list(*self.as_values.names)
                return columns[start:stop]

            reads = self._pages[start, stop] = self._reads(f"rows_{start}_{stop}", page_of)
        rows = _as_viewer(user, *reads)
        return rows if self.as_values is None else self.as_values.make(rows)


class RowValues:
    """A model's rows with annotations read as values: `names`, the loaded fields' attnames in the model's order then
    the annotations, as the ORM selects them; `make`, rows as the model instances the ORM's ModelIterable makes
    (`Model.from_db`, then each annotation set on the instance)."""

    def __init__(self, model, fields: list[str], annotations: tuple[str, ...]):
        self.model = model
        self.fields = [f.attname for f in model._meta.concrete_fields if f.primary_key or f.name in fields]
        self.annotations = annotations
        self.names = [*self.fields, *annotations]

    def make(self, rows: list[tuple]) -> list:
        return made_from_rows(self.model, self.fields, self.annotations, rows)


def made_from_rows(model, fields: list[str], annotations: tuple[str, ...], rows: list[tuple]) -> list:
    """Instances of `model` from rows of values: the loaded fields' attnames (in the model's order), then the
    annotations; as Model.from_db makes them (then each annotation set on the instance)."""
    db = router.db_for_read(model)
    if _plain(model, fields, annotations):
        # What Model.__init__ does for these values: no signal listens, no field's descriptor takes the value.
        names, new = (*fields, *annotations), model.__new__
        made = []
        for row in rows:
            instance = new(model)
            state = instance._state = ModelState()
            state.adding, state.db = False, db
            instance.__dict__.update(zip(names, row, strict=True))
            made.append(instance)
        return made
    made, size = [], len(fields)
    for row in rows:
        instance = model.from_db(db, fields, row[:size])
        for name, value in zip(annotations, row[size:], strict=True):
            setattr(instance, name, value)
        made.append(instance)
    return made


def _plain(model, fields: list[str], annotations: tuple[str, ...]) -> bool:
    """Whether Model.from_db would only put the values in the instance's __dict__: no pre_init or post_init listener
    for the model, each loaded field's attribute a plain DeferredAttribute or a foreign key's id (whose set also
    forgets a related object cached, and a new instance has none; a file's or a custom descriptor's set does more) and
    no annotation named as one of the model's attributes."""
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return False
    if any(hasattr(model, name) for name in annotations):
        return False
    return all(type(getattr(model, name, None)) in _PLAIN_ATTRIBUTES for name in fields)


_PLAIN_ATTRIBUTES = (DeferredAttribute, ForeignKeyDeferredAttribute)


def give_row_users(patients: list[Patient]) -> None:
    """Each patient of a page of the patient list its user, as select_related("user") gives it, made from the row's
    user id and name columns (what a patient's text, `display_name`, reads of it): no user read whole."""
    user_field = Patient._meta.get_field("user")
    User = user_field.related_model
    rows = []
    for patient in patients:
        values = patient.__dict__
        rows.append((values["user_id"], *(values[name] for name in ROW_NAMES)))
    users = made_from_rows(User, ["id"], (), [(row[0],) for row in rows]) if rows else []
    for patient, user, (_, first_name, last_name, username) in zip(patients, users, rows, strict=True):
        user.__dict__.update(first_name=first_name, last_name=last_name, username=username)
        user_field.set_cached_value(patient, user)
        user_field.remote_field.set_cached_value(user, patient)


def _count_of(rows: QuerySet) -> QuerySet:
    """`rows.count()` as a read of one row (a prepared read returns rows): COUNT(*) over no group."""
    return rows.order_by().annotate(everything=Value(1)).values("everything").annotate(n=Count("*")).values_list("n")


FLAG_QUEUE = UsualAddress(
    "flag_queue",
    Flag,
    "patient",
    rows=lambda flags: flags.queue(),
    columns=flag_row_columns,
    as_values=RowValues(Flag, FLAG_ROW_FIELDS, (ROW_MEDICINE, *ROW_NAMES)),
)
# Patient's own ordering, and the id last (Django's changelist makes every ordering total).
PATIENT_LIST = UsualAddress(
    "patient_list",
    Patient,
    "",
    rows=lambda patients: patients.order_by("user__username", "-pk"),
    columns=patient_row_columns,
    as_values=RowValues(Patient, PATIENT_ROW_FIELDS, ROW_NAMES),
)


@dataclass(frozen=True)
class UrgencyCount:
    urgency: Urgency
    count: int


def active_flag_counts(*, user: AbstractUser) -> list[UrgencyCount]:
    """The user's open or acknowledged flags per urgency, emergency first (every urgency, zeros included)."""
    counts = dict(_as_viewer(user, _flag_counts, _member_flag_counts))
    return [UrgencyCount(urgency, counts.get(urgency.value, 0)) for urgency in reversed(Urgency)]


def _per_urgency(flags: QuerySet[Flag]) -> QuerySet:
    return flags.active().order_by().values_list("urgency").annotate(n=Count("pk"))


@prepared
def _flag_counts():
    return _per_urgency(Flag.objects.all())


@prepared
def _member_flag_counts(*, user_id: int):
    return _per_urgency(scope_to_member(queryset=Flag.objects.all(), user_id=user_id, patient_path="patient"))


def flag_medicines(*, user: AbstractUser) -> list[tuple[int, str]]:
    """(id, name) of the medicines of the flags the user may see, by name (the flag queue's medicine filter):
    one prepared query."""
    return _as_viewer(user, _flag_medicines, _member_flag_medicines)


def _medicines_of(flags: QuerySet[Flag]) -> QuerySet:
    """The medicines with a flag among `flags`: for each medicine (a few), whether one of its flags is there."""
    drugs = Drug.objects.filter(Exists(flags.filter(drug=OuterRef("pk"))))
    return drugs.order_by("generic_name").values_list("pk", "generic_name")


@prepared
def _flag_medicines():
    return _medicines_of(Flag.objects.all())


@prepared
def _member_flag_medicines(*, user_id: int):
    return _medicines_of(seen_by_member(queryset=Flag.objects.all(), user_id=user_id, patient_path="patient"))


# --- The timeline ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppliedLine:
    """An application as the timeline prints it, read as plain values."""

    treatment_id: int
    time: str  # HH:MM in the patient's zone
    medicine: str  # the course: medicine and strength
    areas: str
    amount: str


@dataclass(frozen=True)
class ReactionLine:
    symptom: str
    severity: int
    severity_label: str
    body_area: str  # "" when none was named


@dataclass
class TimelineDay:
    date: datetime.date
    entry: Entry | None = None
    flags: list[Flag] = field(default_factory=list)
    expected: float = 0.0
    done: float = 0.0
    applications: list[AppliedLine] = field(default_factory=list)  # oldest first
    reactions: list[ReactionLine] = field(default_factory=list)  # most severe first
    photos: list[Photo] = field(default_factory=list)  # oldest upload first

    @property
    def adherence(self) -> int | None:
        return Adherence(done=self.done, expected=self.expected).percent


@dataclass
class Timeline:
    patient: Patient
    start: datetime.date
    end: datetime.date
    days: list[TimelineDay]  # every day of the range, oldest first
    flags: list[Flag]
    courses: list[Treatment]  # running on a day of the range, with their medicine, in the courses' order

    @property
    def days_with_content(self) -> list[TimelineDay]:
        """Days with an entry or a flag, newest first: what the page lists."""
        return [day for day in reversed(self.days) if day.entry or day.flags]

    def severity_series(self) -> dict[str, list[tuple[datetime.date, int | None]]]:
        """Per symptom, the maximum severity reported each day (None on days it was not reported)."""
        peaks: list[dict[str, int]] = []
        for day in self.days:
            peak: dict[str, int] = {}
            for reaction in day.reactions:
                peak[reaction.symptom] = max(peak.get(reaction.symptom, 0), reaction.severity)
            peaks.append(peak)
        names = sorted({name for peak in peaks for name in peak})
        return {
            name: [(day.date, peak.get(name)) for day, peak in zip(self.days, peaks, strict=True)] for name in names
        }

    def itch_series(self) -> list[tuple[datetime.date, int | None]]:
        return [(day.date, day.entry.itch if day.entry else None) for day in self.days]

    def adherence_series(self) -> list[tuple[datetime.date, int | None]]:
        return [(day.date, day.adherence) for day in self.days]


def flag_photos(*, flag: Flag) -> list[Photo]:
    """Photos of the days a flag rests on, of the body areas its reactions named (all areas if none did)."""
    evidence = flag.evidence.get("days", [])
    areas = {r["body_area"] for day in evidence for r in day.get("reactions", []) if r.get("body_area")}
    photos = Photo.objects.filter(entry__patient_id=flag.patient_id, entry__date__in=flag.matched_dates)
    if areas:
        photos = photos.filter(body_area__name__in=areas)
    return list(photos.select_related("body_area", "entry").order_by("taken_on", "pk"))


def timeline(*, patient: Patient, start: datetime.date, end: datetime.date) -> Timeline:
    """Every day from start to end with its entry, what it recorded, the flags touching it and that day's adherence
    (diary.adherence).

    Applications and reactions are read as plain values (their course, symptom and area names joined in SQL)
    rather than model instances with prefetches: a month holds a few hundred rows, and Django's prefetching
    costs a queryset per row.
    """
    entries = {e.date: e for e in _timeline_entries(patient_id=patient.pk, start=start, end=end)}
    courses = _timeline_courses(patient_id=patient.pk, start=start, end=end)
    flags = _timeline_flags(patient_id=patient.pk, start=start, end=end)
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
    _add_details(patient=patient, start=start, end=end, by_date=by_date)
    applied: dict[tuple[int, datetime.date], int] = defaultdict(int)
    for timeline_day in days:
        for line in timeline_day.applications:
            applied[line.treatment_id, timeline_day.date] += 1
    for timeline_day in days:
        figures = adherence(courses=courses, applied=applied, start=timeline_day.date, end=timeline_day.date)
        timeline_day.expected, timeline_day.done = figures.expected, figures.done
    return Timeline(patient=patient, start=start, end=end, days=days, flags=flags, courses=courses)


def _add_details(
    *, patient: Patient, start: datetime.date, end: datetime.date, by_date: dict[datetime.date, TimelineDay]
) -> None:
    """The range's applications (with their areas), reactions and photos onto their days: four prepared queries."""
    reads = {"patient_id": patient.pk, "start": start, "end": end}
    area_names: dict[int, list[str]] = defaultdict(list)
    for application_id, name in _timeline_area_rows(**reads):
        area_names[application_id].append(name)
    zone = patient.zone
    for pk, date, treatment_id, applied_at, amount, unit, drug, strength in _timeline_application_rows(**reads):
        by_date[date].applications.append(
            AppliedLine(
                treatment_id=treatment_id,
                time=f"{timezone.localtime(applied_at, zone):%H:%M}",
                medicine=f"{drug} {strength}".strip(),  # as Treatment.__str__
                areas=", ".join(area_names.get(pk, ())),
                amount=format_amount(amount, unit),
            )
        )
    labels = dict(Severity.choices)
    for date, symptom, severity, area in _timeline_reaction_rows(**reads):
        by_date[date].reactions.append(
            ReactionLine(symptom=symptom, severity=severity, severity_label=labels[severity], body_area=area or "")
        )
    for photo in _timeline_photos(**reads):
        by_date[photo.entry.date].photos.append(photo)


# The timeline's reads, prepared (prepared/: the SQL built once per connection, run with the patient and the range).


@prepared
def _timeline_entries(*, patient_id: int, start: datetime.date, end: datetime.date):
    return Entry.objects.filter(patient_id=patient_id, date__range=(start, end))


@prepared
def _timeline_courses(*, patient_id: int, start: datetime.date, end: datetime.date):
    return Treatment.objects.filter(patient_id=patient_id).overlapping(start, end).select_related("drug")


@prepared
def _timeline_flags(*, patient_id: int, start: datetime.date, end: datetime.date):
    flags = Flag.objects.filter(patient_id=patient_id, first_seen__lte=end, last_seen__gte=start)
    return flags.select_related("drug").order_by("-urgency", "first_seen", "id")


def _in_range(patient_id: int, start: datetime.date, end: datetime.date, prefix: str = "") -> dict:
    return {f"{prefix}entry__patient_id": patient_id, f"{prefix}entry__date__range": (start, end)}


@prepared
def _timeline_area_rows(*, patient_id: int, start: datetime.date, end: datetime.date):
    through = Application.body_areas.through.objects.filter(**_in_range(patient_id, start, end, "application__"))
    return through.order_by("bodyarea__name", "bodyarea_id").values_list("application_id", "bodyarea__name")


@prepared
def _timeline_application_rows(*, patient_id: int, start: datetime.date, end: datetime.date):
    applications = Application.objects.filter(**_in_range(patient_id, start, end)).order_by("applied_at", "id")
    return applications.values_list(
        "pk",
        "entry__date",
        "treatment_id",
        "applied_at",
        "amount",
        "unit",
        "treatment__drug__generic_name",
        "treatment__strength",
    )


@prepared
def _timeline_reaction_rows(*, patient_id: int, start: datetime.date, end: datetime.date):
    reactions = Reaction.objects.filter(**_in_range(patient_id, start, end)).order_by("-severity", "id")
    return reactions.values_list("entry__date", "symptom__name", "severity", "body_area__name")


@prepared
def _timeline_photos(*, patient_id: int, start: datetime.date, end: datetime.date):
    photos = Photo.objects.filter(**_in_range(patient_id, start, end)).select_related("body_area", "entry")
    return photos.order_by("created", "pk")


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


def export_rows(*, patient: Patient, start: datetime.date, end: datetime.date):
    """One row per application and per reaction (and one for a day with neither), oldest first."""
    entries = Entry.objects.with_details().filter(patient=patient, date__range=(start, end)).order_by("date")
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
                format_amount(application.grams),
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
