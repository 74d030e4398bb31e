"""Writes to a patient's diary. Views call these; each runs in one transaction.

Every service that changes what a diary says (an entry's applications, reactions, itch or notes, its
existence, or a course's dates) ends by calling `_diary_changed`, the one place where warning-sign
flagging (`diary.flag_services`) re-evaluates the affected days.

Names follow `entity_action`: create, update and delete, plus the domain's own verbs (a course is
stopped).
"""

import contextlib
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, NotRequired, TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from diary import idempotency, imaging, scores, storage
from diary.flag_services import Rules, flags_reevaluate, rules_now
from diary.models import Application, Entry, Patient, Photo, PoemScore, Reaction, Treatment
from diary.validators import validate_diary_day
from drugs.models import BodyArea, Drug, Symptom
from prepared import prepared

# A missed day's application is recorded at this local time unless the patient says otherwise.
MISSED_DAY_TIME = datetime.time(12, 0)


class NotYoursError(LookupError):
    """A treatment, entry, application or reaction that belongs to another patient (views answer 404)."""


def _own(patient: Patient, *objects) -> None:
    for obj in objects:
        if obj is None:
            continue
        owner_id = obj.patient_id if hasattr(obj, "patient_id") else obj.entry.patient_id
        if owner_id != patient.pk:
            raise NotYoursError(f"{type(obj).__name__} {obj.pk} does not belong to patient {patient.pk}.")


def _diary_changed(*, patient: Patient, dates: Iterable[datetime.date], rules: Rules | None = None) -> None:
    """The diary of `patient` changed on `dates`: re-evaluate the warning signs those days can affect (`rules`:
    the rules if already read, before the transaction)."""
    flags_reevaluate(patient=patient, dates=dates, rules=rules)


def _course_dates(patient: Patient, *changed: datetime.date | None) -> set[datetime.date]:
    """Every date from the earliest changed course date to the patient's today."""
    today = patient.today()
    days = [d for d in changed if d is not None]
    if not days:
        return set()
    start = min(days)
    return {start + datetime.timedelta(days=n) for n in range((today - start).days + 1)}


@prepared
def _entry_row(*, patient_id: int, date: datetime.date):
    return Entry.objects.filter(patient_id=patient_id, date=date)


def _entry_for(patient: Patient, date: datetime.date) -> Entry:
    """The patient's entry for a date, created if needed; never for a day that has not come yet.

    Most writes go to a day that already has its entry: it is a prepared read (prepared/), inside the write lock."""
    validate_diary_day(day=date, today=patient.today())
    for entry in _entry_row(patient_id=patient.pk, date=date):
        entry.patient = patient
        return entry
    entry, _ = Entry.objects.get_or_create(patient=patient, date=date)
    return entry


def _read_in_this_request(item: models.Model, *names: str) -> list[str]:
    """The foreign keys of `item` given as rows the caller has just read from the database (a form's choice): the
    model's validation would read each again to know that it exists. Their deletion in between is caught by the
    database's foreign key when the write commits; any other value (an id, an object never saved) is checked."""
    return [name for name in names if (value := getattr(item, name)) is not None and not value._state.adding]


def _entry_item_save(
    item: Application | Reaction,
    *,
    patient: Patient,
    body_areas: Iterable[BodyArea] | None = None,
    entry_checked: bool = False,
) -> None:
    """Validate and save an application or reaction, then re-evaluate its day. `entry_checked`: the entry was got
    or created by `_entry_for` in this transaction, so validation does not ask the database again that it exists
    (its other checks, and the model's `clean()`, all run)."""
    item.full_clean(exclude=["entry"] if entry_checked else None)
    item.save()
    if body_areas is not None:
        item.body_areas.set(body_areas)
    _diary_changed(patient=patient, dates={item.entry.date})


def _entry_item_delete(item: Application | Reaction, *, patient: Patient) -> datetime.date:
    """Delete one of the patient's applications or reactions, re-evaluate its day and return that day."""
    _own(patient, item)
    date = item.entry.date
    item.delete()
    _diary_changed(patient=patient, dates={date})
    return date


# --- Patients ------------------------------------------------------------------------------


@transaction.atomic
def patient_update(*, patient: Patient, name: str, time_zone: str, callback_phone: str) -> Patient:
    """What the patient sets under Settings: the name clinics see, the time zone and a phone for call-backs."""
    patient.time_zone = time_zone
    patient.callback_phone = callback_phone.strip()
    patient.full_clean(exclude=["user"])
    patient.save(update_fields=["time_zone", "callback_phone", "updated"])
    user = patient.user
    user.first_name, user.last_name = name.strip(), ""
    user.save(update_fields=["first_name", "last_name"])
    return patient


@transaction.atomic
def patient_record_date_of_birth(*, patient: Patient, date_of_birth: datetime.date | None) -> Patient:
    """The clinic records the patient's date of birth (in admin); patients do not edit it."""
    patient.date_of_birth = date_of_birth
    patient.full_clean(exclude=["user"])
    patient.save(update_fields=["date_of_birth", "updated"])
    return patient


@transaction.atomic
def patient_preferences_update(*, patient: Patient, poem: str, summary_notes: bool) -> Patient:
    """Turn the weekly POEM on, off or automatic, and include or leave out the notes in the visit summary."""
    patient.poem = poem
    patient.summary_notes = summary_notes
    patient.full_clean(exclude=["user", "dermatologist"])
    patient.save(update_fields=["poem", "summary_notes", "updated"])
    return patient


# --- Treatments ----------------------------------------------------------------------------


class CourseFields(TypedDict, total=False):
    """What a patient says about a course; left out on creation, a field takes the model's default."""

    drug: Drug
    strength: str
    schedule_kind: str
    schedule_times: int
    started_on: datetime.date
    ended_on: datetime.date | None
    instructions: str
    usual_amount: Decimal
    usual_unit: str


def _treatment_save(treatment: Treatment, body_areas: Iterable[BodyArea], course: CourseFields) -> None:
    for name, value in course.items():
        setattr(treatment, name, value)
    treatment.full_clean()
    treatment.save()
    treatment.body_areas.set(body_areas)


@transaction.atomic
def treatment_create(*, patient: Patient, body_areas: Iterable[BodyArea], **course: Unpack[CourseFields]) -> Treatment:
    """Start a course of one drug; its dates reach back over any diary days already written."""
    treatment = Treatment(patient=patient)
    _treatment_save(treatment, body_areas, course)
    _diary_changed(patient=patient, dates=_course_dates(patient, treatment.started_on))
    return treatment


@transaction.atomic
def treatment_update(
    *, patient: Patient, treatment: Treatment, body_areas: Iterable[BodyArea], **course: Unpack[CourseFields]
) -> Treatment:
    """Change a course; if its drug or dates moved, the days from the earliest change to today are affected."""
    _own(patient, treatment)
    before = (treatment.drug_id, treatment.started_on, treatment.ended_on)
    _treatment_save(treatment, body_areas, course)
    drug_moved = before[0] != treatment.drug_id
    pairs = [(before[1], treatment.started_on), (before[2], treatment.ended_on)]
    moved = [day for old, new in pairs if old != new or drug_moved for day in (old, new)]
    if moved:
        _diary_changed(patient=patient, dates=_course_dates(patient, *moved))
    return treatment


@transaction.atomic
def treatment_stop(*, patient: Patient, treatment: Treatment) -> Treatment:
    """End a course today (in the patient's zone)."""
    _own(patient, treatment)
    today = patient.today()
    if treatment.started_on > today:
        raise ValidationError("This course has not started yet: change its dates instead.")
    if not treatment.can_stop_on(today):
        return treatment
    previous_end = treatment.ended_on
    treatment.ended_on = today
    treatment.save(update_fields=["ended_on", "updated"])
    _diary_changed(patient=patient, dates=_course_dates(patient, today, previous_end))
    return treatment


# --- Entries -------------------------------------------------------------------------------


@transaction.atomic
def entry_update(
    *, patient: Patient, date: datetime.date, itch: int | None, notes: str, sleep_loss: int | None = None
) -> Entry:
    """Write the peak itch and sleep-loss scores and the notes of a day, creating the day's entry if needed."""
    entry = _entry_for(patient, date)
    entry.itch = itch
    entry.sleep_loss = sleep_loss
    entry.notes = notes
    entry.full_clean(exclude=["patient"], validate_unique=False, validate_constraints=False)
    entry.save(update_fields=["itch", "sleep_loss", "notes", "updated"])
    _diary_changed(patient=patient, dates={date})
    return entry


@transaction.atomic
def entry_delete(*, patient: Patient, entry: Entry) -> datetime.date:
    """Delete a whole day, with its applications, reactions and photos (their files once committed)."""
    _own(patient, entry)
    date = entry.date
    photo_files_delete_on_commit(photos=entry.photos.all())
    entry.delete()
    _diary_changed(patient=patient, dates={date})
    return date


# --- Validated scores ------------------------------------------------------------------------


@transaction.atomic
def poem_score_update(*, patient: Patient, date: datetime.date, answers: list[int | None]) -> PoemScore:
    """Record the POEM questionnaire answered on a day (a second one that day replaces it) and score it."""
    validate_diary_day(day=date, today=patient.today())
    try:
        total = scores.poem_total(answers)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    fields = dict(zip(PoemScore.ANSWER_FIELDS, answers, strict=True))
    poem, _ = PoemScore.objects.update_or_create(patient=patient, date=date, defaults={**fields, "total": total})
    # The next score's rise is measured against this one: its day is affected too.
    following = PoemScore.objects.for_patient(patient).filter(date__gt=date).order_by("date").first()
    _diary_changed(patient=patient, dates={date} | ({following.date} if following else set()))
    return poem


# --- Applications --------------------------------------------------------------------------


@transaction.atomic
def application_create(
    *,
    patient: Patient,
    treatment: Treatment,
    date: datetime.date | None = None,
    time: datetime.time | None = None,
    body_areas: Iterable[BodyArea] | None = None,
    amount: Decimal | None = None,
    unit: str | None = None,
) -> Application:
    """Record one application of a course: now on today's page, at noon (or `time`) on an earlier day.

    Areas and amount default to the course's usual ones.
    """
    _own(patient, treatment)
    today = patient.today()
    date = date or today
    if time is not None:
        applied_at = patient.at(date, time)
    elif date == today:
        applied_at = timezone.now()
    else:
        applied_at = patient.at(date, MISSED_DAY_TIME)
    application = Application(
        entry=_entry_for(patient, date),
        treatment=treatment,
        applied_at=applied_at,
        amount=treatment.usual_amount if amount is None else amount,
        unit=unit or treatment.usual_unit,
    )
    areas = treatment.body_areas.all() if body_areas is None else body_areas
    _entry_item_save(application, patient=patient, body_areas=areas, entry_checked=True)
    return application


@transaction.atomic
def application_update(
    *,
    patient: Patient,
    application: Application,
    treatment: Treatment,
    time: datetime.time,
    body_areas: Iterable[BodyArea],
    amount: Decimal,
    unit: str,
) -> Application:
    """Change an application; it stays on its day, at a new local time."""
    _own(patient, application, treatment)
    application.treatment = treatment
    application.applied_at = patient.at(application.entry.date, time)
    application.amount = amount
    application.unit = unit
    _entry_item_save(application, patient=patient, body_areas=body_areas)
    return application


@transaction.atomic
def application_delete(*, patient: Patient, application: Application) -> datetime.date:
    """Delete one application (also the undo of "Applied now")."""
    return _entry_item_delete(application, patient=patient)


# --- Reactions -----------------------------------------------------------------------------


class ReactionFields(TypedDict):
    """What a patient says about a reaction (the Today form's fields); a reaction needs no area or course."""

    symptom: Symptom
    severity: int
    body_area: NotRequired[BodyArea | None]
    treatment: NotRequired[Treatment | None]


def reaction_create(*, patient: Patient, date: datetime.date, **reaction: Unpack[ReactionFields]) -> Reaction:
    """Log how the skin reacted on a day, creating the day's entry if needed: `reaction_check`, then
    `reaction_save`."""
    return reaction_save(checked=reaction_check(patient=patient, date=date, **reaction))


def reaction_create_once(
    *,
    user,
    key: str,
    patient: Patient,
    date: datetime.date,
    result: Callable[[Reaction], dict],
    **reaction: Unpack[ReactionFields],
) -> idempotency.Outcome:
    """`reaction_create` at most once per user and key (a double tap, a retry, the offline queue sending again).
    The reaction is checked and the rules read before the key's transaction, which on SQLite takes the write lock;
    a symptom, area or course deleted in between is refused next to its field. `result` makes the small dict a
    repeat of the key is answered with (`diary.idempotency.once`)."""
    checked = reaction_check(patient=patient, date=date, **reaction)
    with _reaction_refused_if_gone(checked=checked):
        return idempotency.once(user=user, key=key, action=lambda: result(reaction_save(checked=checked)))


@dataclass(frozen=True)
class CheckedReaction:
    """A reaction checked and the rules read, before any transaction: what `reaction_save` writes."""

    patient: Patient
    date: datetime.date
    reaction: Reaction
    rules: Rules


def reaction_check(*, patient: Patient, date: datetime.date, **fields: Unpack[ReactionFields]) -> CheckedReaction:
    """What saving a reaction reads that does not depend on the write, read before the write transaction, which on
    SQLite takes the write lock as it begins (every other patient's save waits for it): the checks of the reaction
    itself (the day, the course, the symptom, area and course existing, the severity) and the rules. Raises
    `ValidationError` (or `NotYoursError`) as `reaction_create` does."""
    _own(patient, fields.get("treatment"))
    validate_diary_day(day=date, today=patient.today())
    reaction = Reaction(**fields)
    # The entry is got or created by the save; the model's clean() compares the course's patient with the entry's,
    # which _own has just checked against this patient, whose entry it will be. The table's constraint (the
    # severity's range, also its choices) is the database's to enforce at the insert, then validated there.
    reaction.full_clean(
        exclude=["entry", *_read_in_this_request(reaction, "symptom", "body_area", "treatment")],
        validate_constraints=False,
    )
    return CheckedReaction(patient=patient, date=date, reaction=reaction, rules=rules_now())


def reaction_save(*, checked: CheckedReaction) -> Reaction:
    """Write a checked reaction: inside the transaction, the day's entry, the reaction and the re-evaluation, whose
    reads of the patient's diary, courses and flags stay there because another write (a course changed in another
    tab, a dermatologist's review) could change them in between."""
    patient, date, reaction = checked.patient, checked.date, checked.reaction
    with _reaction_refused_if_gone(checked=checked), transaction.atomic():
        reaction.entry = _entry_for(patient, date)
        reaction.save()
        _diary_changed(patient=patient, dates={date}, rules=checked.rules)
    return reaction


@contextlib.contextmanager
def _reaction_refused_if_gone(*, checked: CheckedReaction):
    """Around the transaction that saves a checked reaction (a caller that opens its own, as `idempotency.once`
    does, wraps it): if the database refuses it (a symptom, area or course deleted since the check, or the table's
    constraint), the reaction is validated in full and refused with the model's message next to its field."""
    try:
        yield
    except IntegrityError:
        checked.reaction.full_clean(exclude=["entry"])  # the entry was written in the transaction rolled back
        raise


@transaction.atomic
def reaction_update(
    *,
    patient: Patient,
    reaction: Reaction,
    symptom: Symptom,
    severity: int,
    body_area: BodyArea | None,
    treatment: Treatment | None,
) -> Reaction:
    """Change a reaction on its day."""
    _own(patient, reaction, treatment)
    reaction.symptom = symptom
    reaction.severity = severity
    reaction.body_area = body_area
    reaction.treatment = treatment
    _entry_item_save(reaction, patient=patient)
    return reaction


@transaction.atomic
def reaction_delete(*, patient: Patient, reaction: Reaction) -> datetime.date:
    """Delete one reaction."""
    return _entry_item_delete(reaction, patient=patient)


# --- Photos --------------------------------------------------------------------------------
# Photos are not diary facts the warning signs read, so these services never call _diary_changed.

DUPLICATE_PHOTO = "This photo is already on this day."


def photo_create(
    *,
    patient: Patient,
    date: datetime.date,
    upload: IO[bytes],
    body_area: BodyArea,
    caption: str = "",
) -> Photo:
    """Store an upload, validated and re-encoded, as a photo of the patient's day; the same file twice is refused.

    The files are written before the row; if the row cannot be written they are deleted again, so a
    failure on either side leaves neither a row nor an orphaned file.
    """
    validate_diary_day(day=date, today=patient.today())
    # Decoding and re-encoding take a fraction of a second: done before any transaction holds a lock.
    try:
        processed = imaging.process_upload(upload)
    except ValidationError as error:
        raise ValidationError({"upload": error}) from None
    if Photo.objects.filter(entry__patient=patient, entry__date=date, sha256=processed.sha256).exists():
        raise ValidationError({"upload": DUPLICATE_PHOTO}, code="duplicate")
    image_name, thumb_name = storage.save_processed(processed)
    try:
        with transaction.atomic():
            entry = _entry_for(patient, date)
            photo = Photo.stored(
                entry=entry, body_area=body_area, processed=processed, names=(image_name, thumb_name), caption=caption
            )
            photo.save()
            return photo
    except BaseException as error:
        storage.delete_files(image_name, thumb_name)
        if (
            isinstance(error, IntegrityError)
            and Photo.objects.filter(entry__patient=patient, entry__date=date, sha256=processed.sha256).exists()
        ):
            # The same photo arrived twice at once (a double tap): the other request stored it.
            raise ValidationError({"upload": DUPLICATE_PHOTO}, code="duplicate") from None
        raise


@transaction.atomic
def photo_delete(*, patient: Patient, photo: Photo) -> datetime.date:
    """Delete a photo; its files go once the deletion is committed (a rollback keeps both)."""
    _own(patient, photo)
    date = photo.entry.date
    photo_files_delete_on_commit(photos=[photo])
    photo.delete()
    return date


def photo_files_delete_on_commit(*, photos: Iterable[Photo]) -> None:
    """Delete these photos' files after the current transaction commits; call it before deleting the rows.

    For anything that deletes photos by cascade: an entry, or a patient's whole account
    (`photo_files_delete_on_commit(photos=Photo.objects.for_patient(patient))`).
    """
    names = [name for photo in photos for name in (photo.image, photo.thumbnail)]
    if names:
        # robust: a file that cannot be deleted is logged, never turns a committed deletion into a 500.
        transaction.on_commit(lambda: storage.delete_files(*names), robust=True)


# --- The patient's own account ---------------------------------------------------------------


@transaction.atomic
def patient_delete(*, patient: Patient) -> None:
    """Delete the patient's account and everything they logged: entries, courses, photos (files after
    commit) and the flags raised from their diary, reviewed ones included (docs/security.md, "Patient rights")."""
    photo_files_delete_on_commit(photos=Photo.objects.for_patient(patient))
    user = patient.user
    patient.delete()
    user.delete()
