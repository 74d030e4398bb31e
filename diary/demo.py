"""A seeded, realistic demo data set at any size: patients, courses, daily entries, reactions and flags.

Used by `manage.py generate_demo` (and so by `make bench`). Rows are written with `bulk_create`, a
transaction per batch of patients; flags then come from the real evaluation, run once per patient
(`flag_services.flags_reevaluate_all`) instead of once per write as in the app, which is what keeps a
year of diaries for a thousand patients down to minutes.

Photos: a few patients (PHOTO_SHARE) get two small photos, first and last day, through the real
processing and private storage, so the gallery, compare and photo views have something to serve.
"""

from __future__ import annotations

import datetime
import io
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from PIL import Image as PILImage

from clinics.consent import CONSENT_VERSION
from clinics.models import CareLink, Clinic, Membership
from diary import flag_services, imaging, storage
from diary.models import AmountUnit, Application, Entry, Flag, Patient, Photo, Reaction, Treatment
from drugs.models import BodyArea, Drug, Symptom

DERMATOLOGISTS_GROUP = "Dermatologists"
PATIENTS_PER_DERMATOLOGIST = 250
TIME_ZONES = ["Europe/London", "Europe/Berlin", "America/New_York", "America/Chicago", "Australia/Sydney", "UTC"]

# How people use each medicine: (weight, schedule kind, times, usual FTU, areas they go on).
USAGE: dict[str, tuple[int, str, int, str, list[str]]] = {
    "tacrolimus-ointment": (30, "daily", 2, "1.5", ["face_neck", "arm_one", "hand_one"]),
    "pimecrolimus-cream": (10, "daily", 2, "1.0", ["face_neck", "arm_one"]),
    "mometasone-furoate": (20, "daily", 1, "2.0", ["arm_one", "leg_one", "trunk_front", "scalp"]),
    "calcipotriene": (10, "daily", 2, "3.0", ["arm_one", "leg_one", "scalp", "trunk_back"]),
    "calcipotriene-betamethasone": (10, "daily", 1, "3.0", ["leg_one", "trunk_back", "scalp"]),
    "imiquimod-cream": (8, "weekly", 3, "0.5", ["face_neck", "trunk_back", "genitals"]),
    "crisaborole-ointment": (6, "daily", 2, "1.0", ["hand_one", "arm_one", "face_neck"]),
    "ruxolitinib-cream": (6, "daily", 2, "2.0", ["arm_one", "leg_one", "trunk_front"]),
}
# Everyday complaints that match no rule at mild severity.
BACKGROUND_SYMPTOMS = ["itching", "dryness_flaking", "redness", "stinging", "tingling"]
# Rising runs: what a bad week looks like for each medicine (symptoms its warning signs watch).
RUN_SYMPTOMS = {
    "tacrolimus-ointment": ["burning", "stinging", "warmth"],
    "pimecrolimus-cream": ["burning", "warmth"],
    "imiquimod-cream": ["redness", "erosion_ulcer", "weeping_oozing", "crusting_scabbing"],
    "calcipotriene": ["redness", "burning", "condition_worse"],
    "calcipotriene-betamethasone": ["redness", "condition_worse"],
    "mometasone-furoate": ["condition_worse", "folliculitis_acne", "infection_signs"],
    "crisaborole-ointment": ["itching", "burning", "swelling_local"],
    "ruxolitinib-cream": ["condition_worse", "infection_signs"],
}
NOTES = [
    "Skin calmer today.",
    "Forgot the evening dose, out late.",
    "Stung for ten minutes after applying.",
    "Worse after the gym.",
    "Started a new moisturiser.",
    "Slept badly, itchy at night.",
    "Much better than last week.",
]
STRENGTH_MAX = Treatment._meta.get_field("strength").max_length
# Patients with at least one rising run of symptoms that should trip a warning sign.
RUN_SHARE = 0.25
PHOTO_SHARE = 0.02
NOTE_SHARE = 0.03


@dataclass
class DemoResult:
    patients: int = 0
    dermatologists: list[str] = field(default_factory=list)
    treatments: int = 0
    entries: int = 0
    applications: int = 0
    reactions: int = 0
    flags: int = 0
    photos: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class _Reference:
    drugs: dict[str, Drug]
    areas: dict[str, BodyArea]
    symptoms: dict[str, Symptom]

    @classmethod
    def load(cls) -> _Reference:
        reference = cls(
            drugs={d.slug: d for d in Drug.objects.filter(slug__in=USAGE)},
            areas={a.code: a for a in BodyArea.objects.all()},
            symptoms={s.code: s for s in Symptom.objects.all()},
        )
        if not reference.drugs or not reference.areas or not reference.symptoms:
            raise RuntimeError("The drug reference is not loaded: run `manage.py load_reference` first.")
        return reference


def generate(
    *,
    patients: int,
    days: int,
    seed: int = 1,
    prefix: str = "demo",
    batch: int = 50,
    flags: bool = True,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Create `patients` diaries of `days` days each (up to each patient's today), the same for the same seed."""
    rng = random.Random(seed)
    reference = _Reference.load()
    result = DemoResult()
    started = time.perf_counter()
    dermatologists = _dermatologists(prefix, max(1, -(-patients // PATIENTS_PER_DERMATOLOGIST)))
    result.dermatologists = [d.username for d in dermatologists]
    password = make_password(None)  # unusable: bench sessions are made directly, nobody signs in by password
    with _Inserter() as _Inserter.current:
        for first in range(0, patients, batch):
            with transaction.atomic():
                numbers = range(first, min(first + batch, patients))
                made = _patients(prefix, numbers, dermatologists, rng, password)
                for patient in made:
                    _diary(patient, days, rng, reference, result)
                result.patients += len(made)
            if progress:
                progress(f"  {result.patients}/{patients} patients, {result.entries} entries")
    result.seconds["rows"] = time.perf_counter() - started
    if connection.vendor == "postgresql":
        # Rows written this fast leave PostgreSQL's planner without statistics until autovacuum comes round;
        # without them the evaluation's join of applications, entries and courses took a minute per patient.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    if flags:
        started = time.perf_counter()
        result.flags = evaluate_flags(Patient.objects.filter(user__username__startswith=f"{prefix}-p"), batch=batch)
        result.seconds["flags"] = time.perf_counter() - started
    return result


def evaluate_flags(patients, *, batch: int = 50) -> int:
    """Run the real warning-sign evaluation once per patient over the whole diary."""
    ids = list(patients.order_by("pk").values_list("pk", flat=True))
    for first in range(0, len(ids), batch):
        with transaction.atomic():
            for patient in Patient.objects.filter(pk__in=ids[first : first + batch]):
                flag_services.flags_reevaluate_all(patient=patient, notify=False)
    return Flag.objects.filter(patient_id__in=ids).count()


class _Inserter:
    """Inserts the diaries' many rows (entries, applications, reactions) with one `executemany` per table.

    `bulk_create` spends most of its time compiling each value of each row; here the primary keys are
    handed out from the table's current maximum and the values converted per column, which makes a
    year of diaries for a thousand patients several times faster. Only for the generator, which owns the
    database while it runs; the sequences are reset at the end (PostgreSQL).
    """

    current: _Inserter

    def __init__(self):
        self.next_ids: dict[type, int] = {}

    def __enter__(self) -> _Inserter:
        return self

    def __exit__(self, *exc) -> None:
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(self.next_ids)):
                cursor.execute(sql)

    def __call__(self, objs: list) -> None:
        """Insert model instances (every concrete field), giving each its primary key."""
        if not objs:
            return
        model = type(objs[0])
        now = timezone.now()
        names, converters = [], []
        for column in model._meta.concrete_fields:
            names.append(column.attname)
            if getattr(column, "auto_now", False) or getattr(column, "auto_now_add", False):
                stamp = column.get_db_prep_save(now, connection)
                converters.append(lambda obj, stamp=stamp: stamp)
            elif isinstance(column, (models.DateField, models.DecimalField)):  # DateTimeField is a DateField
                converters.append(lambda obj, f=column: f.get_db_prep_save(getattr(obj, f.attname), connection))
            else:
                converters.append(lambda obj, name=column.attname: getattr(obj, name))
        first = self._reserve(model, len(objs))
        for n, obj in enumerate(objs):
            obj.pk = first + n
            obj._state.adding = False
        self._execute(model, names, [[convert(obj) for convert in converters] for obj in objs])

    def values(self, model, names: list[str], rows: list[tuple]) -> None:
        """Insert plain rows of already database-ready values (integers), primary keys included."""
        first = self._reserve(model, len(rows))
        self._execute(model, ["id", *names], [(first + n, *row) for n, row in enumerate(rows)])

    def _reserve(self, model, count: int) -> int:
        if model not in self.next_ids:
            self.next_ids[model] = (model.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
        first = self.next_ids[model]
        self.next_ids[model] = first + count
        return first

    def _execute(self, model, names: list[str], rows: list) -> None:
        if not rows:
            return
        quote = connection.ops.quote_name
        columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
        placeholders = ", ".join(["%s"] * len(names))
        # Table and column names come from the models, never from input.
        sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


def add_photos(patient: Patient, entries: list[Entry], rng: random.Random) -> int:
    """For PHOTO_SHARE of patients, a small photo of one treated area on their first and last day."""
    if len(entries) < 2 or rng.random() >= PHOTO_SHARE:
        return 0
    area = rng.choice(list(BodyArea.objects.all()[:3]))
    photos = []
    for entry in (entries[0], entries[-1]):
        image = io.BytesIO()
        colour = (rng.randint(150, 255), rng.randint(80, 160), rng.randint(80, 160))
        PILImage.new("RGB", (320, 240), colour).save(image, "JPEG", quality=80)
        image.seek(0)
        processed = imaging.process_upload(image)
        names = storage.save_processed(processed)
        photos.append(Photo.stored(entry=entry, body_area=area, processed=processed, names=names))
    Photo.objects.bulk_create(photos)
    return len(photos)


def _dermatologists(prefix: str, count: int):
    User = get_user_model()
    group = Group.objects.filter(name=DERMATOLOGISTS_GROUP).first()
    made = []
    for n in range(1, count + 1):
        user, _ = User.objects.get_or_create(
            username=f"{prefix}-derm{n}", defaults={"is_staff": True, "email": f"{prefix}-derm{n}@example.org"}
        )
        if group:
            user.groups.add(group)
        made.append(user)
    clinic, _ = Clinic.objects.get_or_create(name=f"{prefix} clinic")
    for user in made:
        Membership.objects.get_or_create(clinic=clinic, user=user, defaults={"role": Membership.Role.DERMATOLOGIST})
    return made


def _patients(prefix: str, numbers: range, dermatologists, rng: random.Random, password: str) -> list[Patient]:
    User = get_user_model()
    users = User.objects.bulk_create(
        [
            User(username=f"{prefix}-p{n:05d}", email=f"{prefix}-p{n:05d}@example.org", password=password)
            for n in numbers
        ]
    )
    patients = [
        Patient(
            user=user,
            time_zone=rng.choice(TIME_ZONES),
            date_of_birth=datetime.date(rng.randint(1940, 2008), rng.randint(1, 12), rng.randint(1, 28)),
        )
        for n, user in zip(numbers, users, strict=True)
    ]
    Patient.objects.bulk_create(patients)
    for patient, user in zip(patients, users, strict=True):
        patient.user = user
    # Every demo patient shares with the demo clinic, photos included, with one of its dermatologists assigned.
    clinic = Clinic.objects.get(memberships__user=dermatologists[0])
    now = timezone.now()
    CareLink.objects.bulk_create(
        CareLink(
            clinic=clinic,
            patient=user,
            dermatologist=dermatologists[n % len(dermatologists)],
            source=CareLink.Source.INVITATION,
            consent_version=CONSENT_VERSION,
            consented_at=now,
            shares_photos=True,
        )
        for n, user in zip(numbers, users, strict=True)
    )
    return patients


def _diary(patient: Patient, days: int, rng: random.Random, ref: _Reference, result: DemoResult) -> None:
    """One patient's courses and `days` days of entries ending on their today."""
    today = patient.today()
    first_day = today - datetime.timedelta(days=days - 1)
    courses = _courses(patient, first_day, today, days, rng, ref)
    result.treatments += len(courses)
    adherence = rng.uniform(0.6, 0.98)  # share of days the patient opens the diary at all
    missed_dose = rng.uniform(0.02, 0.2)
    runs = _runs(courses, first_day, days, rng) if rng.random() < RUN_SHARE else {}

    entries: list[Entry] = []
    plans: list[tuple[list, list]] = []  # per entry: applications (course, at), reactions (code, severity, course)
    for offset in range(days):
        day = first_day + datetime.timedelta(days=offset)
        run = runs.get(day)
        if run is None and rng.random() > adherence:
            continue
        applications = []
        for course in courses:
            if not course.is_active_on(day):
                continue
            for hour in _dose_hours(course, day):
                if rng.random() >= missed_dose:
                    applications.append((course, patient.at(day, datetime.time(hour, rng.randint(0, 59)))))
        reactions = []
        if run is not None:
            reactions.append(run)
        if rng.random() < 0.2:
            reactions.append((rng.choice(BACKGROUND_SYMPTOMS), 1, None))
        itch = min(10, max(0, round(rng.gauss(4 + (3 if run else 0), 2)))) if rng.random() < 0.85 else None
        notes = rng.choice(NOTES) if rng.random() < NOTE_SHARE else ""
        entries.append(Entry(patient=patient, date=day, itch=itch, notes=notes))
        plans.append((applications, reactions))

    insert = _Inserter.current
    insert(entries)
    applications, application_areas, reactions = [], [], []
    for entry, (planned_applications, planned_reactions) in zip(entries, plans, strict=True):
        for course, at in planned_applications:
            amount = course.usual_amount * Decimal(rng.choice(["0.5", "1", "1", "1", "1.5"]))
            applications.append(
                Application(
                    entry_id=entry.pk, treatment_id=course.pk, applied_at=at, amount=amount, unit=AmountUnit.FTU
                )
            )
            application_areas.append(course.area_list)
        for code, severity, course in planned_reactions:
            area = rng.choice(course.area_list) if course else None
            reactions.append(
                Reaction(
                    entry_id=entry.pk,
                    symptom_id=ref.symptoms[code].pk,
                    severity=severity,
                    body_area_id=area.pk if area else None,
                    treatment_id=course.pk if course else None,
                )
            )
    insert(applications)
    Through = Application.body_areas.through
    insert.values(
        Through,
        ["application_id", "bodyarea_id"],
        [(a.pk, area.pk) for a, areas in zip(applications, application_areas, strict=True) for area in areas],
    )
    insert(reactions)
    result.photos += add_photos(patient, entries, rng)
    result.entries += len(entries)
    result.applications += len(applications)
    result.reactions += len(reactions)


def _courses(patient, first_day, today, days, rng, ref: _Reference) -> list[Treatment]:
    slugs = [s for s in USAGE if s in ref.drugs]
    weights = [USAGE[s][0] for s in slugs]
    chosen = list(dict.fromkeys(rng.choices(slugs, weights, k=rng.choice([1, 1, 2, 2, 3]))))
    courses = []
    for n, slug in enumerate(chosen):
        drug = ref.drugs[slug]
        _, kind, times, ftu, area_codes = USAGE[slug]
        started = first_day if n == 0 else first_day + datetime.timedelta(days=rng.randint(0, max(0, days - 1)))
        ended = None
        if n > 0 and rng.random() < 0.4:
            ended = min(today, started + datetime.timedelta(days=rng.randint(14, 90)))
        areas = [ref.areas[c] for c in rng.sample(area_codes, k=rng.randint(1, 2)) if c in ref.areas]
        # Some reference strengths are longer than Treatment.strength allows (reported); skip those.
        strengths = [s for s in drug.strength_list if len(s) <= STRENGTH_MAX] or [""]
        course = Treatment(
            patient=patient,
            drug=drug,
            strength=rng.choice(strengths),
            schedule_kind=kind,
            schedule_times=times,
            started_on=started,
            ended_on=ended,
            usual_amount=Decimal(ftu),
            usual_unit=AmountUnit.FTU,
            instructions="Thin layer on the affected skin." if rng.random() < 0.5 else "",
        )
        course.area_list = areas
        courses.append(course)
    Treatment.objects.bulk_create(courses)
    Through = Treatment.body_areas.through
    Through.objects.bulk_create([Through(treatment=c, bodyarea=a) for c in courses for a in c.area_list])
    return courses


def _dose_hours(course: Treatment, day: datetime.date) -> list[int]:
    if course.schedule_kind == Treatment.ScheduleKind.WEEKLY:
        # e.g. three days a week: Monday, Wednesday, Friday
        return [21] if day.weekday() in (0, 2, 4, 6, 1, 3, 5)[: course.schedule_times] else []
    return [8, 21, 14, 18, 11, 16][: course.schedule_times]


def _runs(courses, first_day, days, rng) -> dict[datetime.date, tuple[str, int, Treatment]]:
    """One or two runs of a symptom that rises from mild to severe over 3-10 days (warning-sign material)."""
    runs: dict[datetime.date, tuple[str, int, Treatment]] = {}
    for _ in range(rng.choice([1, 1, 2])):
        course = courses[0] if rng.random() < 0.7 else rng.choice(courses)
        code = rng.choice(RUN_SYMPTOMS.get(course.drug.slug, ["condition_worse"]))
        length = rng.randint(3, min(10, days))
        start = first_day + datetime.timedelta(days=rng.randint(0, max(0, days - length)))
        for n in range(length):
            severity = 1 + (3 * n) // length  # 1, then 2, then 3 in the last third
            runs[start + datetime.timedelta(days=n)] = (code, severity, course)
    return runs
