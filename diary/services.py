"""Writes to patient data. Views and admin call these; each runs in one transaction.

Every service that changes what a diary says (an entry's applications, reactions, itch or notes, its
existence, or a course's dates) ends by calling `_diary_changed`, the one place where warning-sign
flagging re-evaluates the affected days.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import IO

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.text import capfirst
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from diary import flagging, imaging, notifications, storage
from diary.models import AmountUnit, Application, Entry, Flag, Patient, Photo, Reaction, Treatment
from drugs.models import AmountLimit, BodyArea, Drug, Symptom, Urgency, WarningSign

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


def _diary_changed(*, patient: Patient, dates: Iterable[datetime.date]) -> None:
    """The diary of `patient` changed on `dates`: re-evaluate the warning signs those days can affect."""
    flags_reevaluate(patient=patient, dates=dates)


def _course_dates(patient: Patient, *changed: datetime.date | None) -> set[datetime.date]:
    """Every date from the earliest changed course date to the patient's today."""
    today = patient.today()
    days = [d for d in changed if d is not None]
    if not days:
        return set()
    start = min(days)
    return {start + datetime.timedelta(days=n) for n in range((today - start).days + 1)}


def _entry_for(patient: Patient, date: datetime.date) -> Entry:
    """The patient's entry for a date, created if needed; never for a day that has not come yet."""
    if date > patient.today():
        raise ValidationError({"date": "You cannot fill in a day that has not come yet."})
    entry, _ = Entry.objects.get_or_create(patient=patient, date=date)
    return entry


# --- Patients ------------------------------------------------------------------------------


@transaction.atomic
def patient_register(*, username: str, email: str, password: str, time_zone: str) -> Patient:
    """Create a user account and the patient profile that goes with it."""
    user = get_user_model().objects.create_user(username=username, email=email, password=password)
    return Patient.objects.create(user=user, time_zone=time_zone)


@transaction.atomic
def patient_update_settings(*, patient: Patient, time_zone: str, date_of_birth: datetime.date | None) -> Patient:
    """Change the patient's time zone and date of birth."""
    patient.time_zone = time_zone
    patient.date_of_birth = date_of_birth
    patient.full_clean(exclude=["user"])
    patient.save(update_fields=["time_zone", "date_of_birth", "updated"])
    return patient


# --- Treatments ----------------------------------------------------------------------------


@transaction.atomic
def treatment_create(
    *,
    patient: Patient,
    drug: Drug,
    strength: str,
    body_areas: Iterable[BodyArea],
    schedule_kind: str,
    schedule_times: int,
    started_on: datetime.date,
    ended_on: datetime.date | None = None,
    instructions: str = "",
    usual_amount: Decimal = Decimal(1),
    usual_unit: str = AmountUnit.FTU,
) -> Treatment:
    """Start a course of one drug; its dates reach back over any diary days already written."""
    treatment = Treatment(
        patient=patient,
        drug=drug,
        strength=strength,
        schedule_kind=schedule_kind,
        schedule_times=schedule_times,
        started_on=started_on,
        ended_on=ended_on,
        instructions=instructions,
        usual_amount=usual_amount,
        usual_unit=usual_unit,
    )
    treatment.full_clean()
    treatment.save()
    treatment.body_areas.set(body_areas)
    _diary_changed(patient=patient, dates=_course_dates(patient, started_on))
    return treatment


@transaction.atomic
def treatment_update(
    *,
    patient: Patient,
    treatment: Treatment,
    drug: Drug,
    strength: str,
    body_areas: Iterable[BodyArea],
    schedule_kind: str,
    schedule_times: int,
    started_on: datetime.date,
    ended_on: datetime.date | None,
    instructions: str,
    usual_amount: Decimal,
    usual_unit: str,
) -> Treatment:
    """Change a course; if its drug or dates moved, the days from the earliest change to today are affected."""
    _own(patient, treatment)
    # Read from the database: a ModelForm may already have changed the instance in memory.
    before = Treatment.objects.values_list("drug_id", "started_on", "ended_on").get(pk=treatment.pk)
    treatment.drug = drug
    treatment.strength = strength
    treatment.schedule_kind = schedule_kind
    treatment.schedule_times = schedule_times
    treatment.started_on = started_on
    treatment.ended_on = ended_on
    treatment.instructions = instructions
    treatment.usual_amount = usual_amount
    treatment.usual_unit = usual_unit
    treatment.full_clean()
    treatment.save()
    treatment.body_areas.set(body_areas)
    pairs = [(before[1], started_on), (before[2], ended_on)]
    moved = [day for old, new in pairs if old != new or before[0] != drug.pk for day in (old, new)]
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
    if treatment.ended_on is not None and treatment.ended_on <= today:
        return treatment
    previous_end = treatment.ended_on
    treatment.ended_on = today
    treatment.save(update_fields=["ended_on", "updated"])
    _diary_changed(patient=patient, dates=_course_dates(patient, today, previous_end))
    return treatment


# --- Entries -------------------------------------------------------------------------------


@transaction.atomic
def entry_save(*, patient: Patient, date: datetime.date, itch: int | None, notes: str) -> Entry:
    """Write the itch score and notes of a day, creating the day's entry if needed."""
    entry = _entry_for(patient, date)
    entry.itch = itch
    entry.notes = notes
    entry.full_clean(exclude=["patient"], validate_unique=False, validate_constraints=False)
    entry.save(update_fields=["itch", "notes", "updated"])
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


# --- Applications --------------------------------------------------------------------------


@transaction.atomic
def application_record(
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
    entry = _entry_for(patient, date)
    application = Application(
        entry=entry,
        treatment=treatment,
        applied_at=applied_at,
        amount=treatment.usual_amount if amount is None else amount,
        unit=unit or treatment.usual_unit,
    )
    application.full_clean()
    application.save()
    application.body_areas.set(treatment.body_areas.all() if body_areas is None else body_areas)
    _diary_changed(patient=patient, dates={date})
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
    application.full_clean()
    application.save()
    application.body_areas.set(body_areas)
    _diary_changed(patient=patient, dates={application.entry.date})
    return application


@transaction.atomic
def application_delete(*, patient: Patient, application: Application) -> datetime.date:
    """Delete one application (also the undo of "Applied now")."""
    _own(patient, application)
    date = application.entry.date
    application.delete()
    _diary_changed(patient=patient, dates={date})
    return date


# --- Reactions -----------------------------------------------------------------------------


@transaction.atomic
def reaction_add(
    *,
    patient: Patient,
    date: datetime.date,
    symptom: Symptom,
    severity: int,
    body_area: BodyArea | None = None,
    treatment: Treatment | None = None,
) -> Reaction:
    """Log how the skin reacted on a day, creating the day's entry if needed."""
    _own(patient, treatment)
    entry = _entry_for(patient, date)
    reaction = Reaction(entry=entry, symptom=symptom, severity=severity, body_area=body_area, treatment=treatment)
    reaction.full_clean()
    reaction.save()
    _diary_changed(patient=patient, dates={date})
    return reaction


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
    reaction.full_clean()
    reaction.save()
    _diary_changed(patient=patient, dates={reaction.entry.date})
    return reaction


@transaction.atomic
def reaction_delete(*, patient: Patient, reaction: Reaction) -> datetime.date:
    """Delete one reaction."""
    _own(patient, reaction)
    date = reaction.entry.date
    reaction.delete()
    _diary_changed(patient=patient, dates={date})
    return date


# --- Warning-sign flags ----------------------------------------------------------------------


def _sign_rule(sign: WarningSign) -> flagging.SignRule:
    return flagging.SignRule(
        id=sign.pk,
        drug_id=sign.drug_id,
        symptom_id=sign.symptom_id,
        min_severity=sign.min_severity,
        urgency=sign.urgency,
        persists_days=sign.persists_days,
        after_course_days=sign.after_course_days,
    )


def _limit_rule(limit: AmountLimit) -> flagging.LimitRule:
    return flagging.LimitRule(
        id=limit.pk, drug_id=limit.drug_id, max_grams_per_week=limit.max_grams_per_week, urgency=limit.urgency
    )


def _flag_state(flag: Flag) -> flagging.FlagState | None:
    if flag.warning_sign_id:
        rule: flagging.RuleKey = ("sign", flag.warning_sign_id)
    elif flag.amount_limit_id:
        rule = ("limit", flag.amount_limit_id)
    else:
        return None  # its rule was deleted in admin: the flag stays as it is
    return flagging.FlagState(
        id=flag.pk, rule=rule, status=flag.status, first_seen=flag.first_seen, last_seen=flag.last_seen
    )


def _flag_states(flags: Iterable[Flag]) -> list[flagging.FlagState]:
    return [state for state in map(_flag_state, flags) if state is not None]


def rule_text(rule: WarningSign | AmountLimit) -> str:
    """The rule in one plain sentence, as clinicians and patients read it."""
    drug = capfirst(str(rule.drug)) if rule.drug_id else "Any medicine"
    if isinstance(rule, AmountLimit):
        return f"{drug}: more than {rule.max_grams_per_week.normalize():f} g in 7 days"
    severity = {1: "", 2: " (moderate or severe)", 3: " (severe)"}[rule.min_severity]
    text = f"{drug}: {rule.symptom.name.lower()}{severity}"
    if rule.persists_days:
        text += f" lasting {rule.persists_days} days or more"
    if rule.after_course_days:
        text += f", {rule.after_course_days} days or more into the course"
    return text


class _Facts:
    """The patient's diary between two dates, loaded once, as the rules see it and with names for evidence."""

    def __init__(self, patient: Patient, first: datetime.date, last: datetime.date):
        entries = (
            Entry.objects.filter(patient=patient, date__range=(first, last))
            .only("id", "date", "patient_id")
            .prefetch_related(
                Prefetch("reactions", queryset=Reaction.objects.select_related("symptom", "body_area")),
                Prefetch("applications", queryset=Application.objects.select_related("treatment")),
            )
        )
        self.entries: dict[datetime.date, Entry] = {entry.date: entry for entry in entries}
        self.reactions: dict[int, Reaction] = {}
        self.days: dict[datetime.date, flagging.DayFacts] = {}
        for entry in self.entries.values():
            grams: dict[int, Decimal] = {}
            for application in entry.applications.all():
                drug_id = application.treatment.drug_id
                grams[drug_id] = grams.get(drug_id, Decimal(0)) + application.grams
            facts = []
            for reaction in entry.reactions.all():
                self.reactions[reaction.pk] = reaction
                facts.append(
                    flagging.ReactionFact(reaction.symptom_id, reaction.severity, reaction.body_area_id, reaction.pk)
                )
            self.days[entry.date] = flagging.DayFacts(entry.date, tuple(facts), grams)

    def evidence_day(self, match: flagging.Match) -> dict:
        day: dict = {"date": match.date.isoformat(), "reactions": []}
        for fact in match.reactions:
            reaction = self.reactions[fact.reaction_id]
            day["reactions"].append(
                {
                    "symptom": reaction.symptom.name,
                    "severity": reaction.severity,
                    "severity_label": reaction.get_severity_display(),
                    "body_area": reaction.body_area.name if reaction.body_area else "",
                }
            )
        if match.present_since:
            day["present_since"] = match.present_since.isoformat()
        if match.grams is not None:
            day["grams"] = f"{match.grams.normalize():f}"
        return day


def _evidence(old: dict, change: flagging.FlagChange, facts: _Facts, start, end, rule, advice: str) -> dict:
    """Matched days re-evaluated now, plus the days outside the window that the flag already held."""
    kept = [d for d in old.get("days", []) if not start.isoformat() <= d["date"] <= end.isoformat()]
    days = sorted(kept + [facts.evidence_day(m) for m in change.matches], key=lambda d: d["date"])
    return {"rule": rule_text(rule), "advice": advice, "urgency": rule.get_urgency_display(), "days": days}


@transaction.atomic
def flags_reevaluate(*, patient: Patient, dates: Iterable[datetime.date], notify: bool = True) -> list[Flag]:
    """Check the days a change can affect against the warning-sign rules and raise, update or withdraw flags.

    Runs in the caller's transaction. E-mails for new `today`/`emergency` flags go after it commits.
    Returns the flags raised, changed or withdrawn.
    """
    dates = set(dates)
    if not dates:
        return []
    # Drug and symptom are loaded lazily, only for the few rules whose flags change (cheaper per save).
    signs = {s.pk: s for s in WarningSign.objects.all()}
    limits = {a.pk: a for a in AmountLimit.objects.all()}
    sign_rules = [_sign_rule(s) for s in signs.values()]
    active = list(Flag.objects.for_patient(patient).active())
    start, end = flagging.evaluation_window(dates, _flag_states(active), sign_rules)
    end = min(end, max(patient.today(), max(dates)))
    others = Flag.objects.for_patient(patient).exclude(status__in=Flag.ACTIVE).filter(last_seen__gte=start)
    flags = {f.pk: f for f in [*active, *others]}

    facts = _Facts(patient, start - datetime.timedelta(days=flagging.lookback_days(sign_rules)), end)
    courses = [
        flagging.CourseFacts(drug_id, started_on, ended_on)
        for drug_id, started_on, ended_on in patient.treatments.values_list("drug_id", "started_on", "ended_on")
    ]
    limit_rules = [_limit_rule(a) for a in limits.values()]
    matches = [
        match
        for day in sorted(facts.days)
        if start <= day <= end
        for match in flagging.evaluate_day(day, facts.days, courses, sign_rules, limit_rules)
    ]
    plan = flagging.plan_flags(start=start, end=end, matches=matches, flags=_flag_states(flags.values()))

    changed: list[Flag] = []
    for change in plan.raise_ + plan.update:
        kind, rule_id = change.rule
        rule = signs[rule_id] if kind == "sign" else limits[rule_id]
        flag = flags.get(change.flag_id) or Flag(
            patient=patient,
            warning_sign=rule if kind == "sign" else None,
            amount_limit=rule if kind == "limit" else None,
            drug=rule.drug,
            urgency=rule.urgency,
            rule_text=rule_text(rule),
            advice=rule.advice,
            notification=(
                Flag.Notification.PENDING if notify and rule.urgency >= Urgency.TODAY else Flag.Notification.NOT_NEEDED
            ),
        )
        flag.status = change.status
        flag.first_seen, flag.last_seen = change.first_seen, change.last_seen
        flag.entry = facts.entries.get(change.first_seen) or flag.entry
        flag.evidence = _evidence(flag.evidence, change, facts, start, end, rule, flag.advice)
        flag.save()
        changed.append(flag)
    if plan.withdraw:
        Flag.objects.filter(pk__in=plan.withdraw).update(status=Flag.Status.WITHDRAWN, updated=timezone.now())

    if any(f.notification == Flag.Notification.PENDING for f in changed):
        transaction.on_commit(lambda: notifications.send_pending(patient=patient), robust=True)
    return changed + list(Flag.objects.filter(pk__in=plan.withdraw))


@transaction.atomic
def flags_reevaluate_all(*, patient: Patient, notify: bool = True) -> int:
    """Re-check the patient's whole diary (after rules changed); return how many flags changed."""
    dates = set(patient.entries.values_list("date", flat=True))
    dates |= set(patient.flags.active().values_list("first_seen", flat=True))
    return len(flags_reevaluate(patient=patient, dates=dates, notify=notify))


@transaction.atomic
def flag_acknowledge(*, flag: Flag, reviewer, note: str = "") -> Flag:
    """The dermatologist has seen an open flag; it stays in the queue until resolved."""
    if flag.status != Flag.Status.OPEN:
        raise ValidationError(
            f"Only an open flag can be acknowledged; this one is {flag.get_status_display().lower()}."
        )
    return _review(flag=flag, reviewer=reviewer, note=note, status=Flag.Status.ACKNOWLEDGED)


@transaction.atomic
def flag_resolve(*, flag: Flag, reviewer, note: str) -> Flag:
    """The dermatologist has dealt with a flag; a later match of its rule raises a new one."""
    if flag.status not in Flag.ACTIVE:
        raise ValidationError(
            f"Only an open or acknowledged flag can be resolved; this one is {flag.get_status_display().lower()}."
        )
    if not note.strip():
        raise ValidationError("Write a short note for the patient's record when resolving a flag.")
    return _review(flag=flag, reviewer=reviewer, note=note, status=Flag.Status.RESOLVED)


def _review(*, flag: Flag, reviewer, note: str, status: str) -> Flag:
    flag.status = status
    flag.reviewer = reviewer
    flag.reviewed_at = timezone.now()
    if note.strip():
        flag.review_note = note.strip()
    flag.save(update_fields=["status", "reviewer", "reviewed_at", "review_note", "updated"])
    return flag


# --- Photos --------------------------------------------------------------------------------
# Photos are not diary facts the warning signs read, so these services never call _diary_changed.

DUPLICATE_PHOTO = "This photo is already on this day."


def photo_add(
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
    if date > patient.today():
        raise ValidationError({"date": "You cannot fill in a day that has not come yet."})
    # Decoding and re-encoding take a fraction of a second: done before any transaction holds a lock.
    processed = imaging.process_upload(upload)
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
    commit) and the flags raised from their diary, reviewed ones included (README, "Patient rights")."""
    photo_files_delete_on_commit(photos=Photo.objects.for_patient(patient))
    user = patient.user
    patient.delete()
    user.delete()


# --- Two-step sign-in ------------------------------------------------------------------------

RECOVERY_CODES = 10


def two_factor_pending_device(*, user) -> TOTPDevice:
    """The authenticator the user is setting up: unconfirmed until they type one of its codes."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def two_factor_confirm(*, user, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the authenticator with a code it shows; return fresh recovery codes, or None if the code is wrong."""
    if device.user_id != user.pk or device.confirmed or not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return two_factor_recovery_codes(user=user)


@transaction.atomic
def two_factor_recovery_codes(*, user) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODES new single-use ones."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def two_factor_disable(*, user) -> None:
    """Remove every second factor of an account (an administrator's reset, or a patient opting out)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
