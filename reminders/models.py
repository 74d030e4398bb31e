"""Reminder schedules per course, each patient's reminder settings, push subscriptions, and send records."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from diary.models import MAX_TIMES_PER_DAY, Patient, Treatment
from reminders import schedule as arithmetic

SNOOZE_MINUTES = 15


class ReminderSettings(models.Model):
    """How and when one patient wants to be reminded."""

    class Channel(models.TextChoices):
        PUSH = "push", "Notifications on my devices"
        EMAIL = "email", "E-mail"
        OFF = "off", "No reminders"

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="reminder_settings")
    channel = models.CharField(max_length=5, choices=Channel.choices, default=Channel.PUSH)
    quiet_start = models.TimeField("quiet from", null=True, blank=True)
    quiet_end = models.TimeField("quiet until", null=True, blank=True)
    check_in = models.BooleanField(
        "daily check-in", default=False, help_text="On days with no dose, a reminder to score your skin."
    )
    check_in_time = models.TimeField("check-in time", default=datetime.time(19, 0))
    # With push chosen and no device reachable, the reminder goes by e-mail unless unsubscribed.
    email_fallback = models.BooleanField("e-mail me when no device can be reached", default=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "reminder settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(quiet_start__isnull=True, quiet_end__isnull=True)
                | Q(quiet_start__isnull=False, quiet_end__isnull=False),
                name="reminder_quiet_hours_both_or_neither",
            ),
        ]

    def __str__(self):
        return f"Reminder settings of {self.patient}"

    def clean(self):
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise ValidationError("Give both ends of your quiet hours, or neither.")

    @property
    def quiet(self) -> tuple[datetime.time, datetime.time] | None:
        return (self.quiet_start, self.quiet_end) if self.quiet_start and self.quiet_end else None


class ReminderSchedule(models.Model):
    """When a course's doses fall: local times on chosen weekdays; paused means no reminders."""

    treatment = models.OneToOneField(Treatment, on_delete=models.CASCADE, related_name="reminder_schedule")
    # "HH:MM" strings, sorted; weekday numbers 0 (Monday) to 6.
    times = models.JSONField(default=list)
    weekdays = models.JSONField(default=list)
    paused = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["treatment_id"]

    def __str__(self):
        return f"Reminders for {self.treatment}"

    def clean(self):
        if not self.times:
            raise ValidationError({"times": "Give at least one dose time."})
        if len(self.times) > MAX_TIMES_PER_DAY:
            raise ValidationError({"times": f"At most {MAX_TIMES_PER_DAY} dose times a day."})
        if not self.weekdays:
            raise ValidationError({"weekdays": "Choose at least one day of the week."})
        if any(day not in range(7) for day in self.weekdays):
            raise ValidationError({"weekdays": "Choose days from Monday to Sunday."})

    @property
    def time_values(self) -> tuple[datetime.time, ...]:
        return tuple(arithmetic.parse_time(text) for text in self.times)

    @property
    def weekday_names(self) -> str:
        if len(self.weekdays) == 7:
            return "every day"
        return ", ".join(arithmetic.WEEKDAY_NAMES[day] for day in sorted(self.weekdays))

    def plan(self) -> arithmetic.Plan:
        """The plan of this schedule; needs treatment and treatment.patient loaded."""
        return arithmetic.Plan(
            times=self.time_values,
            weekdays=frozenset(self.weekdays),
            zone=self.treatment.patient.zone,
            starts=self.treatment.started_on,
            ends=self.treatment.ended_on,
            paused=self.paused,
        )


class PushSubscription(models.Model):
    """One browser's Web Push subscription; removed when the push service says it is gone."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return f"Push subscription of {self.patient}"

    def info(self) -> dict:
        """The subscription as the browser gave it (what pywebpush expects)."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class ReminderSend(models.Model):
    """One reminder at one due instant: written before anything is sent, so it can be sent only once.

    The unique key (schedule or patient, kind, due instant) is what makes two runners, a retry or a
    restart send a reminder once: the runner that inserts the row (or claims a pending snooze) sends.
    """

    class Kind(models.TextChoices):
        DOSE = "dose", "Dose"
        CHECK_IN = "check_in", "Daily check-in"
        SNOOZE = "snooze", "Snoozed dose"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="reminder_sends")
    schedule = models.ForeignKey(
        ReminderSchedule, on_delete=models.CASCADE, null=True, blank=True, related_name="sends"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    # Why it was skipped or failed, or the channel it went by.
    detail = models.CharField(max_length=200, blank=True)
    snoozed_from = models.OneToOneField("self", on_delete=models.CASCADE, null=True, blank=True, related_name="snooze")
    claimed_by = models.CharField(max_length=40, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-due_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "due_at"], condition=Q(kind="dose"), name="reminder_dose_once"),
            models.UniqueConstraint(
                fields=["patient", "due_at"], condition=Q(kind="check_in"), name="reminder_check_in_once"
            ),
            models.CheckConstraint(
                condition=Q(kind="check_in") | Q(schedule__isnull=False), name="reminder_dose_has_schedule"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="reminder_send_status_due")]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.patient} at {self.due_at:%Y-%m-%d %H:%M}"


class SchedulerPass(models.Model):
    """One run of `send_reminders`: when it started and finished, and what it did (for monitoring)."""

    started = models.DateTimeField()
    finished = models.DateTimeField(null=True, blank=True)
    sent = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    alerts_sent = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started"]
        get_latest_by = "started"

    def __str__(self):
        return f"Reminder pass at {self.started:%Y-%m-%d %H:%M:%S}"
