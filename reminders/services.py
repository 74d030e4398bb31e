"""Writes of the reminders context: schedules, settings, push subscriptions, snooze and unsubscribe."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from diary.models import Patient, Treatment
from diary.services import NotYoursError
from reminders import schedule as arithmetic
from reminders.models import SNOOZE_MINUTES, PushSubscription, ReminderSchedule, ReminderSend, ReminderSettings


def _own(patient: Patient, *objects) -> None:
    for obj in objects:
        owner = obj.treatment.patient_id if isinstance(obj, ReminderSchedule) else obj.patient_id
        if owner != patient.pk:
            raise NotYoursError(f"{type(obj).__name__} {obj.pk} does not belong to patient {patient.pk}.")


def default_schedule(treatment: Treatment) -> ReminderSchedule:
    """An unsaved schedule for a course: its times and days from the course and the medicine's regimens."""
    times, weekdays = arithmetic.default_plan_fields(
        schedule_kind=treatment.schedule_kind,
        schedule_times=treatment.schedule_times,
        regimen_texts=[regimen.frequency for regimen in treatment.drug.regimens.all()],
    )
    return ReminderSchedule(treatment=treatment, times=times, weekdays=weekdays)


@transaction.atomic
def reminder_schedules_ensure(*, treatments: Iterable[Treatment]) -> int:
    """Give every course that has none its default schedule; return how many were made."""
    missing = [default_schedule(t) for t in treatments if not hasattr(t, "reminder_schedule")]
    ReminderSchedule.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


@transaction.atomic
def reminder_schedule_update(
    *, patient: Patient, schedule: ReminderSchedule, times: Iterable[datetime.time], weekdays: Iterable[int]
) -> ReminderSchedule:
    """Change a course's dose times (local, in the patient's zone) and days of the week."""
    _own(patient, schedule)
    schedule.times = sorted({time.strftime("%H:%M") for time in times})
    schedule.weekdays = sorted({int(day) for day in weekdays})
    schedule.full_clean(exclude=["treatment"])
    schedule.save(update_fields=["times", "weekdays", "updated"])
    return schedule


@transaction.atomic
def reminder_schedule_pause(*, patient: Patient, schedule: ReminderSchedule, paused: bool) -> ReminderSchedule:
    """Pause (or resume) a course's reminders; the course itself goes on."""
    _own(patient, schedule)
    schedule.paused = paused
    schedule.save(update_fields=["paused", "updated"])
    return schedule


def reminder_settings_of(patient: Patient) -> ReminderSettings:
    """The patient's settings, or unsaved defaults (reminders stay off until the patient saves them)."""
    try:
        return patient.reminder_settings
    except ReminderSettings.DoesNotExist:
        return ReminderSettings(patient=patient, channel=ReminderSettings.Channel.OFF)


@transaction.atomic
def reminder_settings_update(
    *,
    patient: Patient,
    channel: str,
    quiet_start: datetime.time | None,
    quiet_end: datetime.time | None,
    check_in: bool,
    check_in_time: datetime.time,
    email_fallback: bool = True,
) -> ReminderSettings:
    """Choose how reminders reach the patient, their quiet hours and the daily check-in."""
    settings, _ = ReminderSettings.objects.get_or_create(patient=patient)
    settings.channel = channel
    settings.quiet_start, settings.quiet_end = quiet_start, quiet_end
    settings.check_in, settings.check_in_time = check_in, check_in_time
    settings.email_fallback = email_fallback
    settings.full_clean(exclude=["patient"])
    settings.save()
    reminder_schedules_ensure(treatments=_courses_without_schedule(patient))
    return settings


def _courses_without_schedule(patient: Patient):
    return (
        Treatment.objects.filter(patient=patient, reminder_schedule__isnull=True)
        .select_related("drug")
        .prefetch_related("drug__regimens")
    )


@transaction.atomic
def push_subscription_save(
    *, patient: Patient, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Remember this browser's push subscription (moved to this patient if another had it) and turn push on."""
    subscription, _ = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"patient": patient, "p256dh": p256dh, "auth": auth, "user_agent": user_agent[:300]},
    )
    subscription.full_clean()
    settings, created = ReminderSettings.objects.get_or_create(patient=patient)
    if not created and settings.channel == ReminderSettings.Channel.OFF:
        settings.channel = ReminderSettings.Channel.PUSH
        settings.save(update_fields=["channel", "updated"])
    reminder_schedules_ensure(treatments=_courses_without_schedule(patient))
    return subscription


@transaction.atomic
def push_subscription_delete(*, patient: Patient, endpoint: str) -> int:
    """Forget this browser's subscription (the patient turned notifications off on it)."""
    deleted, _ = PushSubscription.objects.filter(patient=patient, endpoint=endpoint).delete()
    return deleted


@transaction.atomic
def reminder_snooze(*, patient: Patient, send: ReminderSend) -> ReminderSend:
    """Remind again SNOOZE_MINUTES from now; snoozing twice from one reminder makes one snooze."""
    _own(patient, send)
    if send.kind == ReminderSend.Kind.CHECK_IN:
        raise ValidationError("A check-in reminder cannot be snoozed.")
    snooze, _ = ReminderSend.objects.get_or_create(
        snoozed_from=send,
        defaults={
            "patient": patient,
            "schedule_id": send.schedule_id,
            "kind": ReminderSend.Kind.SNOOZE,
            "due_at": timezone.now() + datetime.timedelta(minutes=SNOOZE_MINUTES),
        },
    )
    return snooze


@transaction.atomic
def reminder_email_unsubscribe(*, patient: Patient) -> ReminderSettings:
    """Stop reminder e-mails: e-mail reminders turn off, and push no longer falls back to e-mail."""
    settings, _ = ReminderSettings.objects.get_or_create(
        patient=patient, defaults={"channel": ReminderSettings.Channel.OFF}
    )
    if settings.channel == ReminderSettings.Channel.EMAIL:
        settings.channel = ReminderSettings.Channel.OFF
    settings.email_fallback = False
    settings.save(update_fields=["channel", "email_fallback", "updated"])
    return settings
