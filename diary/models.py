"""Patients and their diaries: courses of treatment and one entry a day of applications and reactions."""

import datetime
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from diary.timezones import validate_time_zone
from drugs.models import GRAMS_PER_FTU, BodyArea, Drug, Severity, Symptom

# An entry first written more than this many days after its date is shown as "recorded late".
LATE_AFTER_DAYS = 2
MAX_FTU = Decimal(30)
MAX_GRAMS = Decimal(15)
MAX_TIMES_PER_DAY = 6


class AmountUnit(models.TextChoices):
    FTU = "ftu", "FTU"
    GRAMS = "g", "grams"


def _amount_constraints(prefix: str, amount: str, unit: str) -> list[models.BaseConstraint]:
    """A positive amount, at most MAX_FTU fingertip units or MAX_GRAMS grams, in a known unit."""
    return [
        models.CheckConstraint(condition=Q(**{f"{amount}__gt": 0}), name=f"{prefix}_amount_positive"),
        models.CheckConstraint(
            condition=(Q(**{unit: AmountUnit.FTU}) & Q(**{f"{amount}__lte": MAX_FTU}))
            | (Q(**{unit: AmountUnit.GRAMS}) & Q(**{f"{amount}__lte": MAX_GRAMS})),
            name=f"{prefix}_amount_plausible",
        ),
    ]


def _check_amount(amount: Decimal | None, unit: str, field: str = "amount") -> None:
    if amount is None:
        return
    if amount <= 0:
        raise ValidationError({field: "Enter an amount above zero."})
    limit = MAX_GRAMS if unit == AmountUnit.GRAMS else MAX_FTU
    if amount > limit:
        unit_name = "g" if unit == AmountUnit.GRAMS else "FTU"
        raise ValidationError(
            {field: f"That is more than anyone applies at once (at most {limit} {unit_name}). Check the amount."}
        )


class Patient(models.Model):
    """A person keeping a diary: the profile beside their user account."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patient")
    dermatologist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_patients",
        limit_choices_to={"is_staff": True},
        help_text="The staff user who reviews this diary.",
    )
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="The patient's own time zone: it decides which day 'today' is.",
    )
    date_of_birth = models.DateField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user__username"]
        constraints = []

    def __str__(self):
        return self.user.get_username()

    def clean(self):
        if self.date_of_birth and self.date_of_birth > self.today():
            raise ValidationError({"date_of_birth": "A date of birth cannot be in the future."})

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def today(self) -> datetime.date:
        """The date it is now where the patient lives."""
        return timezone.localdate(timezone=self.zone)

    def local_date(self, moment: datetime.datetime) -> datetime.date:
        """The patient's calendar date at an instant."""
        return timezone.localtime(moment, self.zone).date()

    def at(self, day: datetime.date, time: datetime.time) -> datetime.datetime:
        """The instant of a wall-clock time on a day in the patient's zone."""
        return datetime.datetime.combine(day, time, tzinfo=self.zone)


class Treatment(models.Model):
    """A course of one drug, applied on a schedule to some body areas."""

    class ScheduleKind(models.TextChoices):
        DAILY = "daily", "times a day"
        WEEKLY = "weekly", "days a week"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="treatments")
    drug = models.ForeignKey(Drug, on_delete=models.PROTECT, related_name="+")
    strength = models.CharField(max_length=100, blank=True)
    body_areas = models.ManyToManyField(BodyArea, related_name="+")
    schedule_kind = models.CharField(max_length=10, choices=ScheduleKind.choices, default=ScheduleKind.DAILY)
    schedule_times = models.PositiveSmallIntegerField(
        "how often", default=1, help_text="Applications a day, or days a week."
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    instructions = models.TextField(blank=True, help_text="What your prescriber told you, in your own words.")
    usual_amount = models.DecimalField(
        "usual amount each time", max_digits=4, decimal_places=1, default=Decimal(1), validators=[MinValueValidator(0)]
    )
    usual_unit = models.CharField("unit", max_length=3, choices=AmountUnit.choices, default=AmountUnit.FTU)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="treatment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=(Q(schedule_kind="daily") & Q(schedule_times__gte=1, schedule_times__lte=MAX_TIMES_PER_DAY))
                | (Q(schedule_kind="weekly") & Q(schedule_times__gte=1, schedule_times__lte=7)),
                name="treatment_schedule_known",
            ),
            *_amount_constraints("treatment", "usual_amount", "usual_unit"),
        ]

    def __str__(self):
        return f"{self.drug} {self.strength}".strip()

    def clean(self):
        errors = {}
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            errors["ended_on"] = "A course cannot end before it starts."
        if self.schedule_kind == self.ScheduleKind.WEEKLY and not 1 <= (self.schedule_times or 0) <= 7:
            errors["schedule_times"] = "Choose between 1 and 7 days a week."
        if self.schedule_kind == self.ScheduleKind.DAILY and not 1 <= (self.schedule_times or 0) <= MAX_TIMES_PER_DAY:
            errors["schedule_times"] = f"Choose between 1 and {MAX_TIMES_PER_DAY} times a day."
        if self.drug_id and self.strength and self.strength not in self.drug.strength_list:
            errors["strength"] = f"{self.drug} does not come in {self.strength}."
        if errors:
            raise ValidationError(errors)
        _check_amount(self.usual_amount, self.usual_unit, "usual_amount")

    def is_active_on(self, day: datetime.date) -> bool:
        return self.started_on <= day and (self.ended_on is None or self.ended_on >= day)

    @property
    def schedule(self) -> str:
        if self.schedule_kind == self.ScheduleKind.WEEKLY:
            return f"{self.schedule_times} day{'s' if self.schedule_times != 1 else ''} a week"
        return {1: "once a day", 2: "twice a day"}.get(self.schedule_times, f"{self.schedule_times} times a day")

    @property
    def usual_amount_display(self) -> str:
        return f"{self.usual_amount.normalize():f} {'g' if self.usual_unit == AmountUnit.GRAMS else 'FTU'}"


class EntryQuerySet(models.QuerySet):
    def for_patient(self, patient: Patient) -> "EntryQuerySet":
        return self.filter(patient=patient)


class Entry(models.Model):
    """One diary page: a patient's day."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="entries")
    date = models.DateField()
    itch = models.PositiveSmallIntegerField(
        "itch score", null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    notes = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["-date"]
        verbose_name_plural = "entries"
        constraints = [
            models.UniqueConstraint(fields=["patient", "date"], name="entry_one_per_patient_per_day"),
            models.CheckConstraint(
                condition=Q(itch__isnull=True) | Q(itch__gte=0, itch__lte=10), name="entry_itch_0_10"
            ),
        ]
        indexes = [models.Index(fields=["patient", "-date"], name="entry_patient_date_desc")]

    def __str__(self):
        return f"{self.patient} {self.date:%Y-%m-%d}"

    def clean(self):
        if self.date and self.patient_id and self.date > self.patient.today():
            raise ValidationError({"date": "You cannot fill in a day that has not come yet."})

    @property
    def is_late(self) -> bool:
        """First written more than LATE_AFTER_DAYS days after its date, in the patient's zone."""
        if self.created is None:
            return False
        return (self.patient.local_date(self.created) - self.date).days > LATE_AFTER_DAYS


class Application(models.Model):
    """One application of a course's medicine."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="applications")
    # RESTRICT: a course with diary records cannot be deleted on its own, only with its patient.
    treatment = models.ForeignKey(Treatment, on_delete=models.RESTRICT, related_name="applications")
    applied_at = models.DateTimeField()
    body_areas = models.ManyToManyField(BodyArea, related_name="+")
    amount = models.DecimalField(max_digits=4, decimal_places=1)
    unit = models.CharField(max_length=3, choices=AmountUnit.choices, default=AmountUnit.FTU)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["applied_at", "id"]
        constraints = _amount_constraints("application", "amount", "unit")

    def __str__(self):
        return f"{self.treatment} at {self.applied_at:%Y-%m-%d %H:%M}"

    def clean(self):
        if self.entry_id and self.applied_at and self.entry.patient.local_date(self.applied_at) != self.entry.date:
            raise ValidationError({"applied_at": "The time must fall on the day of this diary page."})
        if self.entry_id and self.treatment_id and self.treatment.patient_id != self.entry.patient_id:
            raise ValidationError({"treatment": "Choose one of your own treatments."})
        _check_amount(self.amount, self.unit)

    @property
    def grams(self) -> Decimal:
        return self.amount * GRAMS_PER_FTU if self.unit == AmountUnit.FTU else self.amount

    @property
    def amount_display(self) -> str:
        return f"{self.amount.normalize():f} {'g' if self.unit == AmountUnit.GRAMS else 'FTU'}"


class Reaction(models.Model):
    """How the skin (or the body) reacted on a day."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="reactions")
    symptom = models.ForeignKey(Symptom, on_delete=models.PROTECT, related_name="+")
    severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    # Optional: some reactions (fever, feeling unwell) belong to no one area.
    body_area = models.ForeignKey(BodyArea, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    treatment = models.ForeignKey(Treatment, on_delete=models.SET_NULL, null=True, blank=True, related_name="reactions")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-severity", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(severity__gte=1, severity__lte=3), name="reaction_severity_1_3"),
        ]

    def __str__(self):
        return f"{self.symptom} ({self.get_severity_display()})"

    def clean(self):
        if self.entry_id and self.treatment_id and self.treatment.patient_id != self.entry.patient_id:
            raise ValidationError({"treatment": "Choose one of your own treatments."})
