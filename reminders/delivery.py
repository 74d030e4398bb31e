"""One scheduler pass: find the reminders that fell due, record each once, then send the ones this runner claimed.

Idempotent by construction:
1. Every due reminder is first inserted as a `ReminderSend` row; its unique key (course schedule and
   due instant, or patient and due instant for the check-in) makes a second insert of it a no-op.
2. One UPDATE claims the pending rows for this runner (pending -> sending, stamped with the runner's
   id). A row changes from pending once, so exactly one runner gets it, on SQLite and PostgreSQL,
   however many runners start at once.
3. Only then is anything sent; the row records the outcome.
Each chunk of rows is stamped (`sent_at`) just before its attempt; a runner that stops mid-pass leaves
those rows "sending", and a later pass marks them failed rather than sending them again (a missed reminder is
better than a doubled one). Reminders whose time passed
while no runner ran are sent if they are at most the grace period late, else recorded as skipped.
"""

import datetime
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from diary.models import Application, Entry, Treatment
from reminders import channels
from reminders import schedule as arithmetic
from reminders.models import PushSubscription, ReminderSchedule, ReminderSend, ReminderSettings, SchedulerPass
from reminders.services import reminder_schedules_ensure

logger = logging.getLogger(__name__)

# A pass looks back at most this far for reminders it has not recorded yet (a long outage).
MAX_LOOKBACK = datetime.timedelta(hours=24)
# A row still "sending" after this long belongs to a runner that stopped mid-send.
STUCK_AFTER = datetime.timedelta(minutes=10)
BATCH = 2000
# Sends between two writes of their outcomes (a runner that stops loses at most this many outcomes).
SEND_CHUNK = 200
ON = (ReminderSettings.Channel.PUSH, ReminderSettings.Channel.EMAIL)


@dataclass
class PassResult:
    recorded: int = 0
    sent: int = 0
    skipped: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failed: int = 0
    subscriptions_removed: int = 0

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


def grace() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.REMINDER_GRACE_MINUTES)


def _window_start(now: datetime.datetime) -> datetime.datetime:
    """From the last finished pass (a long gap is recorded as skipped), at most MAX_LOOKBACK back."""
    last = SchedulerPass.objects.filter(finished__isnull=False).order_by("-started").values_list("started", flat=True)
    last_started = last.first()
    start = min(last_started, now - grace()) if last_started else now - grace()
    return max(start, now - MAX_LOOKBACK)


def _plans(start: datetime.datetime, now: datetime.datetime) -> list[tuple[int, int, arithmetic.Plan]]:
    """(schedule id, patient id, plan) of each unpaused schedule of a patient with reminders on whose course may
    be active in the window; read as plain values, since this runs over every schedule every minute."""
    first_day = start.date() - arithmetic.DAY
    last_day = now.date() + arithmetic.DAY
    rows = (
        ReminderSchedule.objects.filter(
            paused=False,
            treatment__patient__reminder_settings__channel__in=ON,
        )
        .filter(treatment__in=Treatment.objects.overlapping(first_day, last_day))
        .values_list(
            "id", "times", "weekdays", "treatment__started_on", "treatment__ended_on",
            "treatment__patient_id", "treatment__patient__time_zone",
        )
    )  # fmt: skip
    times: dict[tuple[str, ...], tuple[datetime.time, ...]] = {}
    plans = []
    for pk, texts, weekdays, started_on, ended_on, patient_id, zone in rows.iterator(chunk_size=BATCH):
        key = tuple(texts)
        if key not in times:
            times[key] = tuple(arithmetic.parse_time(text) for text in texts)
        plan = arithmetic.Plan(
            times=times[key], weekdays=frozenset(weekdays), zone=ZoneInfo(zone), starts=started_on, ends=ended_on
        )
        plans.append((pk, patient_id, plan))
    return plans


def _ensure_schedules(start: datetime.datetime, now: datetime.datetime) -> None:
    """Courses of patients with reminders on that have no schedule yet get the default one."""
    courses = (
        Treatment.objects.filter(
            patient__reminder_settings__channel__in=ON,
            reminder_schedule__isnull=True,
        )
        .overlapping(start.date() - arithmetic.DAY, now.date() + arithmetic.DAY)
        .select_related("drug")
        .prefetch_related("drug__regimens")
    )
    reminder_schedules_ensure(treatments=courses)


def _check_ins() -> list[tuple[int, datetime.time, str]]:
    return list(
        ReminderSettings.objects.filter(channel__in=ON, check_in=True).values_list(
            "patient_id", "check_in_time", "patient__time_zone"
        )
    )


def _due_rows(start: datetime.datetime, now: datetime.datetime) -> list[ReminderSend]:
    """A row for every reminder due in (start, now] not recorded yet: pending if within the grace period, else
    skipped. What is already recorded is read once (cheaper than re-inserting the look-back window each minute)."""
    recorded = set(
        ReminderSend.objects.filter(due_at__gt=start, due_at__lte=now)
        .exclude(kind=ReminderSend.Kind.SNOOZE)
        .values_list("kind", "schedule_id", "patient_id", "due_at")
    )
    due: list[tuple[str, int | None, int, datetime.datetime]] = []
    plans_by_patient: dict[int, list[arithmetic.Plan]] = defaultdict(list)
    for schedule_id, patient_id, plan in _plans(start, now):
        plans_by_patient[patient_id].append(plan)
        due.extend(("dose", schedule_id, patient_id, at) for at in arithmetic.dose_instants(plan, start, now))
    for patient_id, time, zone in _check_ins():
        instants = arithmetic.check_in_instants(
            time=time, zone=ZoneInfo(zone), plans=plans_by_patient[patient_id], start=start, end=now
        )
        due.extend(("check_in", None, patient_id, at) for at in instants)
    cutoff = now - grace()
    return [
        ReminderSend(
            kind=kind,
            schedule_id=schedule_id,
            patient_id=patient_id,
            due_at=at,
            status=ReminderSend.Status.SKIPPED if at <= cutoff else ReminderSend.Status.PENDING,
            detail="no runner at its time" if at <= cutoff else "",
        )
        for kind, schedule_id, patient_id, at in due
        if (kind, schedule_id, patient_id, at) not in recorded
    ]


def _claim(now: datetime.datetime, runner: str) -> list[ReminderSend]:
    """Take this runner's share of what is due: each pending row goes to exactly one runner."""
    cutoff = now - grace()
    ReminderSend.objects.filter(status=ReminderSend.Status.PENDING, due_at__lte=cutoff).update(
        status=ReminderSend.Status.SKIPPED, detail="more than the grace period late"
    )
    ReminderSend.objects.filter(status=ReminderSend.Status.SENDING, created__lte=now - STUCK_AFTER).update(
        status=ReminderSend.Status.FAILED, detail="the runner stopped while sending"
    )
    ReminderSend.objects.filter(status=ReminderSend.Status.PENDING, due_at__lte=now).update(
        status=ReminderSend.Status.SENDING, claimed_by=runner
    )
    return list(
        ReminderSend.objects.filter(status=ReminderSend.Status.SENDING, claimed_by=runner, sent_at__isnull=True)
        .select_related("patient__user", "patient__reminder_settings", "schedule__treatment", "snoozed_from")
        .order_by("due_at", "id")
    )


def _logged(claimed: list[ReminderSend]) -> set[int]:
    """Ids of dose reminders whose dose is already in the diary (an application in its dose window)."""
    doses = [send for send in claimed if send.schedule_id is not None]
    if not doses:
        return set()
    windows = {}
    for send in doses:
        schedule = send.schedule
        due = send.snoozed_from.due_at if send.kind == ReminderSend.Kind.SNOOZE and send.snoozed_from else send.due_at
        windows[send.pk] = (
            schedule.treatment_id,
            *arithmetic.dose_window(due, schedule.time_values, send.patient.zone),
        )
    earliest = min(start for _, start, _ in windows.values())
    latest = max(end for _, _, end in windows.values())
    applied = defaultdict(list)
    for treatment_id, at in Application.objects.filter(
        treatment_id__in={t for t, _, _ in windows.values()}, applied_at__gte=earliest, applied_at__lt=latest
    ).values_list("treatment_id", "applied_at"):
        applied[treatment_id].append(at)
    return {
        pk
        for pk, (treatment_id, start, end) in windows.items()
        if any(start <= at < end for at in applied[treatment_id])
    }


def _checked_in(claimed: list[ReminderSend]) -> set[int]:
    """Ids of check-in reminders whose day already has an itch score or a reaction."""
    checks = {
        send.pk: (send.patient_id, send.patient.local_date(send.due_at)) for send in claimed if send.kind == "check_in"
    }
    if not checks:
        return set()
    scored = set(
        Entry.objects.filter(patient_id__in={p for p, _ in checks.values()}, date__in={d for _, d in checks.values()})
        .filter(Q(itch__isnull=False) | Q(reactions__isnull=False))
        .values_list("patient_id", "date")
    )
    return {pk for pk, key in checks.items() if key in scored}


def _why_not(send: ReminderSend, logged: set[int], checked_in: set[int]) -> str:
    """Why a claimed reminder must not go out now, or "" to send it."""
    prefs = getattr(send.patient, "reminder_settings", None)
    if prefs is None or prefs.channel not in ON:
        return "reminders are off"
    if arithmetic.in_quiet_hours(send.due_at, prefs.quiet, send.patient.zone) or (
        send.kind == ReminderSend.Kind.SNOOZE
        and arithmetic.in_quiet_hours(timezone.now(), prefs.quiet, send.patient.zone)
    ):
        return "quiet hours"
    if send.schedule_id is not None:
        schedule = send.schedule
        day = send.patient.local_date(send.due_at)
        if schedule.paused:
            return "reminders for this course are paused"
        if not schedule.treatment.is_active_on(day):
            return "the course is not active that day"
        if send.pk in logged:
            return "the dose is already logged"
    if send.pk in checked_in:
        return "the day is already scored"
    return ""


@dataclass
class _Chunk:
    """What sending one chunk changed, written back in a few statements after the chunk is sent."""

    outcomes: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    gone: set[int] = field(default_factory=set)
    used: set[int] = field(default_factory=set)


def _deliver(send: ReminderSend, subscriptions: list[PushSubscription], chunk: _Chunk, mailer) -> tuple[str, str]:
    """Send by the patient's channel (push, falling back to e-mail); the row's new status and detail."""
    prefs = send.patient.reminder_settings
    address = send.patient.user.email
    live = [s for s in subscriptions if s.pk not in chunk.gone]
    if prefs.channel == ReminderSettings.Channel.PUSH and channels.push_configured() and live:
        delivered, gone = channels.push(send, live)
        chunk.gone.update(gone)
        if delivered:
            chunk.used.update(s.pk for s in live if s.pk not in gone)
            return ReminderSend.Status.SENT, f"push to {delivered} device(s)"
    use_email = prefs.channel == ReminderSettings.Channel.EMAIL or prefs.email_fallback
    if not (use_email and address):
        return ReminderSend.Status.FAILED, "no device and no e-mail to reach"
    try:
        channels.email(send, address, connection=mailer)
    except Exception:
        logger.exception("Could not e-mail reminder %s", send.pk)
        return ReminderSend.Status.FAILED, "e-mail failed"
    return ReminderSend.Status.SENT, "e-mail"


def _stamp(chunk: list[ReminderSend], runner: str) -> list[ReminderSend]:
    """Mark a chunk as attempted, just before the attempt; return the rows this call stamped.

    A runner retried after an error (or a row already tried) never sends twice: a stamped row is not
    attempted again. Nothing touches the database between the stamp and the sends it covers.
    """
    stamp = timezone.now()
    with transaction.atomic():
        ReminderSend.objects.filter(pk__in=[s.pk for s in chunk], claimed_by=runner, sent_at__isnull=True).update(
            sent_at=stamp
        )
        mine = set(
            ReminderSend.objects.filter(pk__in=[s.pk for s in chunk], sent_at=stamp).values_list("pk", flat=True)
        )
    return [send for send in chunk if send.pk in mine]


def _write_back(chunk: _Chunk, result: PassResult) -> None:
    with transaction.atomic():
        for (status, detail), pks in chunk.outcomes.items():
            ReminderSend.objects.filter(pk__in=pks).update(status=status, detail=detail)
        if chunk.gone:
            result.subscriptions_removed += PushSubscription.objects.filter(pk__in=chunk.gone).delete()[0]
        if chunk.used - chunk.gone:
            PushSubscription.objects.filter(pk__in=chunk.used - chunk.gone).update(last_used=timezone.now())


def run_pass(*, now: datetime.datetime | None = None, runner: str | None = None) -> PassResult:
    """Record every reminder that fell due since the last pass, and send those this runner claims."""
    now = now or timezone.now()
    runner = runner or uuid.uuid4().hex
    result = PassResult()
    start = _window_start(now)
    _ensure_schedules(start, now)
    rows = _due_rows(start, now)
    for begin in range(0, len(rows), BATCH):
        with transaction.atomic():
            ReminderSend.objects.bulk_create(rows[begin : begin + BATCH], ignore_conflicts=True)
    result.recorded = len(rows)
    with transaction.atomic():
        claimed = _claim(now, runner)
    if not claimed:
        return result
    logged, checked_in = _logged(claimed), _checked_in(claimed)
    subscriptions = defaultdict(list)
    for subscription in PushSubscription.objects.filter(patient_id__in={s.patient_id for s in claimed}):
        subscriptions[subscription.patient_id].append(subscription)
    with get_connection() as mailer:
        for begin in range(0, len(claimed), SEND_CHUNK):
            chunk = _Chunk()
            for send in _stamp(claimed[begin : begin + SEND_CHUNK], runner):
                reason = _why_not(send, logged, checked_in)
                if reason:
                    status, detail = ReminderSend.Status.SKIPPED, reason
                    result.skipped[reason] += 1
                else:
                    status, detail = _deliver(send, subscriptions[send.patient_id], chunk, mailer)
                    if status == ReminderSend.Status.SENT:
                        result.sent += 1
                    else:
                        result.failed += 1
                chunk.outcomes[(status, detail)].append(send.pk)
            _write_back(chunk, result)
    return result
