"""Patients and their diaries: courses of treatment and one entry a day of applications and reactions."""

import datetime
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from clinics.models import display_name
from diary.amounts import AmountUnit, format_amount
from diary.flagging import ACKNOWLEDGED, OPEN, RESOLVED, WITHDRAWN
from diary.scores import Band, poem_band
from diary.timezones import validate_time_zone
from diary.validators import validate_course_dates, validate_date_of_birth, validate_diary_day, validate_phone_number
from drugs.models import (
    GRAMS_PER_FTU,
    AmountLimit,
    BodyArea,
    Drug,
    ScheduleKind,
    Severity,
    Symptom,
    Urgency,
    WarningSign,
)

# An entry first written more than this many days after its date is shown as "recorded late".
LATE_AFTER_DAYS = 2
MAX_FTU = Decimal(30)
MAX_GRAMS = Decimal(15)
MAX_TIMES_PER_DAY = 6


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


class PoemChoice(models.TextChoices):
    AUTO = "auto", "When a course treats eczema"
    ON = "on", "Always"
    OFF = "off", "Never"


class Patient(models.Model):
    """A person keeping a diary: the profile beside their user account."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patient")
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="The patient's own time zone: it decides which day 'today' is.",
    )
    date_of_birth = models.DateField(
        null=True, blank=True, help_text="Recorded by the clinic in admin; the patient does not edit it."
    )
    poem = models.CharField(
        "weekly eczema questionnaire (POEM)",
        max_length=4,
        choices=PoemChoice.choices,
        default=PoemChoice.AUTO,
    )
    summary_notes = models.BooleanField(
        "include my notes in the visit summary",
        default=False,
        help_text="Your dermatologist sees the summary too; your notes are left out unless you tick this.",
    )
    callback_phone = models.CharField(
        "phone for call-backs",
        max_length=30,
        blank=True,
        validators=[validate_phone_number],
        help_text="Given by the patient under Settings, for the clinic to call back about urgent alerts.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user__username"]

    def __str__(self):
        return display_name(self.user)

    def clean(self):
        if self.date_of_birth:
            validate_date_of_birth(born=self.date_of_birth, today=self.today())

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


def active_on_condition(day: datetime.date | models.Expression, prefix: str = "") -> Q:
    """A course runs on a day from its start to its end, both included; with no end it runs on (SQL twin of
    `Treatment.is_active_on`). `prefix` reaches the course through a relation ("treatment__")."""
    return Q(**{f"{prefix}started_on__lte": day}) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gte": day})
    )


def overlapping_condition(start: datetime.date, end: datetime.date, prefix: str = "") -> Q:
    """A course runs on at least one day of [start, end]. `prefix` reaches the course through a relation."""
    return Q(**{f"{prefix}started_on__lte": end}) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gte": start})
    )


class TreatmentQuerySet(models.QuerySet):
    def active_on(self, day: datetime.date) -> "TreatmentQuerySet":
        """Courses running on `day`."""
        return self.filter(active_on_condition(day))

    def overlapping(self, start: datetime.date, end: datetime.date) -> "TreatmentQuerySet":
        """Courses running on at least one day of [start, end]."""
        return self.filter(overlapping_condition(start, end))


class Treatment(models.Model):
    """A course of one drug, applied on a schedule to some body areas."""

    ScheduleKind = ScheduleKind  # one definition, shared with the guide's regimens

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="treatments")
    drug = models.ForeignKey(Drug, on_delete=models.PROTECT, related_name="+")
    strength = models.CharField(max_length=200, blank=True)
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

    objects = TreatmentQuerySet.as_manager()

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
        if self.started_on and self.patient_id:
            try:
                validate_course_dates(started_on=self.started_on, ended_on=self.ended_on, today=self.patient.today())
            except ValidationError as error:
                errors.update(error.message_dict)
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            errors.setdefault("ended_on", "A course cannot end before it starts.")
        if self.schedule_kind == self.ScheduleKind.WEEKLY and not 1 <= (self.schedule_times or 0) <= 7:
            errors["schedule_times"] = "Choose between 1 and 7 days a week."
        if self.schedule_kind == self.ScheduleKind.DAILY and not 1 <= (self.schedule_times or 0) <= MAX_TIMES_PER_DAY:
            errors["schedule_times"] = f"Choose between 1 and {MAX_TIMES_PER_DAY} times a day."
        if self.drug_id and self.strength and self.strength not in self.drug.strength_list:
            errors["strength"] = f"{self.drug} does not come in {self.strength}. Choose one of its strengths."
        if errors:
            raise ValidationError(errors)
        _check_amount(self.usual_amount, self.usual_unit, "usual_amount")

    def is_active_on(self, day: datetime.date) -> bool:
        """Running on `day`: the one-course twin of `Treatment.objects.active_on(day)`."""
        return self.started_on <= day and (self.ended_on is None or self.ended_on >= day)

    def can_stop_on(self, day: datetime.date) -> bool:
        """Whether stopping on `day` changes anything: the course has started and does not already end that day."""
        return self.started_on <= day and (self.ended_on is None or self.ended_on > day)

    @property
    def schedule(self) -> str:
        if self.schedule_kind == self.ScheduleKind.WEEKLY:
            return f"{self.schedule_times} day{'s' if self.schedule_times != 1 else ''} a week"
        return {1: "once a day", 2: "twice a day"}.get(self.schedule_times, f"{self.schedule_times} times a day")

    @property
    def usual_amount_display(self) -> str:
        return format_amount(self.usual_amount, self.usual_unit)


class EntryQuerySet(models.QuerySet):
    def with_details(self) -> "EntryQuerySet":
        """With the patient, applications (drug, areas) and reactions (symptom, area, drug): three extra queries."""
        return self.select_related("patient").prefetch_related(
            models.Prefetch(
                "applications",
                queryset=Application.objects.select_related("treatment__drug").prefetch_related("body_areas"),
            ),
            models.Prefetch(
                "reactions", queryset=Reaction.objects.select_related("symptom", "body_area", "treatment__drug")
            ),
        )

    def with_photos(self) -> "EntryQuerySet":
        """With the day's photos (and their areas), oldest upload first: one extra query."""
        return self.prefetch_related(
            models.Prefetch("photos", queryset=Photo.objects.select_related("body_area").order_by("created", "pk"))
        )


class Entry(models.Model):
    """One diary page: a patient's day."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="entries")
    date = models.DateField()
    # Peak Pruritus NRS (diary.scores.PEAK_ITCH): the worst itch in the past 24 hours. Scores written before
    # the recall period was asked were kept as they were (migration entry_peak_itch_sleep_loss).
    itch = models.PositiveSmallIntegerField(
        "peak itch (worst in the past 24 hours)",
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    sleep_loss = models.PositiveSmallIntegerField(
        "sleep loss (last night)", null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
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
            models.CheckConstraint(
                condition=Q(sleep_loss__isnull=True) | Q(sleep_loss__gte=0, sleep_loss__lte=10),
                name="entry_sleep_loss_0_10",
            ),
        ]
        indexes = [models.Index(fields=["patient", "-date"], name="entry_patient_date_desc")]

    def __str__(self):
        return f"{self.patient} {self.date:%Y-%m-%d}"

    def clean(self):
        if self.date and self.patient_id:
            validate_diary_day(day=self.date, today=self.patient.today())

    @property
    def is_late(self) -> bool:
        return self.written_late(patient=self.patient, date=self.date, created=self.created)

    @staticmethod
    def written_late(*, patient: Patient, date: datetime.date, created: datetime.datetime | None) -> bool:
        """First written more than LATE_AFTER_DAYS days after its date, in the patient's zone (History reads rows
        as tuples and asks this directly)."""
        if created is None:
            return False
        return (patient.local_date(created) - date).days > LATE_AFTER_DAYS


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
        return self.grams_of(self.amount, self.unit)

    @staticmethod
    def grams_of(amount: Decimal, unit: str) -> Decimal:
        return amount * GRAMS_PER_FTU if unit == AmountUnit.FTU else amount

    @property
    def amount_display(self) -> str:
        return format_amount(self.amount, self.unit)


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
        # The symptoms a patient has reported (History's filter) read from the index alone, entry by entry:
        # without it PostgreSQL scans every reaction of every patient (docs/benchmark.md).
        indexes = [models.Index(fields=["entry", "symptom"], name="reaction_entry_symptom")]

    def __str__(self):
        return f"{self.symptom} ({self.get_severity_display()})"

    def clean(self):
        if self.entry_id and self.treatment_id and self.treatment.patient_id != self.entry.patient_id:
            raise ValidationError({"treatment": "Choose one of your own treatments."})


class FlagQuerySet(models.QuerySet):
    def active(self) -> "FlagQuerySet":
        """Open or acknowledged: still waiting for the dermatologist to close them."""
        return self.filter(status__in=Flag.ACTIVE)

    def for_patient(self, patient: Patient) -> "FlagQuerySet":
        return self.filter(patient=patient)

    def queue(self) -> "FlagQuerySet":
        """The review queue: open and acknowledged flags, emergency first, then oldest."""
        return self.active().order_by("-urgency", "first_seen", "id")


class Flag(models.Model):
    """A warning sign (or weekly amount) matched by a patient's diary: one episode of it."""

    class Status(models.TextChoices):
        # The values are flagging's, which decides episodes without Django.
        OPEN = OPEN, "Open"
        ACKNOWLEDGED = ACKNOWLEDGED, "Acknowledged"
        RESOLVED = RESOLVED, "Resolved"
        WITHDRAWN = WITHDRAWN, "Withdrawn (no longer matches)"

    class Notification(models.TextChoices):
        NOT_NEEDED = "not_needed", "Not needed"
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"

    class Help(models.TextChoices):
        # The patient's answer, after an emergency alert, to "Did you get help?"
        GOT_HELP = "got_help", "Yes, I got help"
        NOT_YET = "not_yet", "Not yet"
        NOT_NEEDED = "not_needed", "I did not need help"

    ACTIVE = (Status.OPEN, Status.ACKNOWLEDGED)
    # get_status_display()'s labels, in one dictionary made once (Django's makes it on each call: 50 a queue page).
    STATUS_LABELS = dict(Status.choices)

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="flags")
    # The entry that raised it; the evidence snapshot keeps the facts if the entry is deleted.
    entry = models.ForeignKey(Entry, on_delete=models.SET_NULL, null=True, blank=True, related_name="flags")
    warning_sign = models.ForeignKey(
        WarningSign, on_delete=models.SET_NULL, null=True, blank=True, related_name="flags"
    )
    amount_limit = models.ForeignKey(
        AmountLimit, on_delete=models.SET_NULL, null=True, blank=True, related_name="flags"
    )
    # A score-change rule (diary.flagging.SCORE_RULES) when the flag is about validated scores.
    score_rule = models.PositiveSmallIntegerField(null=True, blank=True)
    drug = models.ForeignKey(Drug, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    first_seen = models.DateField()
    last_seen = models.DateField()
    rule_text = models.TextField(help_text="The rule as it read when the flag was raised.")
    advice = models.TextField(help_text="The advice the patient was shown.")
    evidence = models.JSONField(default=dict, help_text="The matched days, symptoms, severities, areas and grams.")
    notification = models.CharField(max_length=10, choices=Notification.choices, default=Notification.NOT_NEEDED)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(
        "note for the patient",
        blank=True,
        help_text="The patient reads this note word for word on their alert. Required to resolve.",
    )
    internal_note = models.TextField(
        "internal note", blank=True, help_text="For the care team only: the patient never sees this note."
    )
    patient_help = models.CharField("did the patient get help?", max_length=12, choices=Help.choices, blank=True)
    patient_help_at = models.DateTimeField("answered at", null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["-urgency", "first_seen", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(warning_sign__isnull=True) | Q(amount_limit__isnull=True))
                & (Q(score_rule__isnull=True) | (Q(warning_sign__isnull=True) & Q(amount_limit__isnull=True))),
                name="flag_one_rule",
            ),
            models.CheckConstraint(condition=Q(last_seen__gte=models.F("first_seen")), name="flag_dates_in_order"),
            models.CheckConstraint(condition=Q(urgency__gte=1, urgency__lte=4), name="flag_urgency_known"),
            # Episodes: one open or acknowledged flag per patient and rule.
            models.UniqueConstraint(
                fields=["patient", "warning_sign"],
                condition=Q(status__in=[OPEN, ACKNOWLEDGED], warning_sign__isnull=False),
                name="flag_one_active_per_warning_sign",
            ),
            models.UniqueConstraint(
                fields=["patient", "amount_limit"],
                condition=Q(status__in=[OPEN, ACKNOWLEDGED], amount_limit__isnull=False),
                name="flag_one_active_per_amount_limit",
            ),
            models.UniqueConstraint(
                fields=["patient", "score_rule"],
                condition=Q(status__in=[OPEN, ACKNOWLEDGED], score_rule__isnull=False),
                name="flag_one_active_per_score_rule",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-urgency", "first_seen"], name="flag_queue"),
            models.Index(fields=["patient", "status"], name="flag_patient_status"),
            models.Index(fields=["notification"], name="flag_notification"),
        ]

    def __str__(self):
        return f"{self.rule_text} ({self.STATUS_LABELS.get(self.status, self.status)})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def urgency_code(self) -> str:
        return Urgency(self.urgency).code

    @property
    def matched_dates(self) -> list[datetime.date]:
        return self.dates_in(self.evidence)

    @staticmethod
    def dates_in(evidence: dict) -> list[datetime.date]:
        """The days a flag's evidence holds (read from rows as values too: diary.selectors.alert_anchor)."""
        return [datetime.date.fromisoformat(day["date"]) for day in evidence.get("days", [])]

    @property
    def guide_url(self) -> str:
        """Where the medicine guide lists warning signs of this urgency (`guide_drug` stands in for any-drug rules)."""
        drug = self.drug or getattr(self, "guide_drug", None)
        if drug is None:
            return reverse("drugs:drug-list")
        return f"{drug.get_absolute_url()}#urgency-{self.urgency_code}"


class PhotoQuerySet(models.QuerySet):
    def for_patient(self, patient: Patient) -> "PhotoQuerySet":
        return self.filter(entry__patient=patient)


class Photo(models.Model):
    """A skin photo on a diary day: re-encoded without metadata, kept in private photo storage."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="photos")
    body_area = models.ForeignKey(BodyArea, on_delete=models.PROTECT, related_name="+")
    caption = models.CharField(max_length=200, blank=True)
    taken_on = models.DateField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField("SHA-256 of the upload", max_length=64)
    # Names in STORAGES["photos"], which has no URL: the files are served only by diary:photo-file.
    image = models.CharField(max_length=255)
    thumbnail = models.CharField(max_length=255)
    created = models.DateTimeField(auto_now_add=True)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        ordering = ["-taken_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "sha256"], name="photo_once_per_entry"),
        ]

    def __str__(self):
        return f"{self.body_area} {self.taken_on:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("diary:photo-detail", args=[self.pk])

    @classmethod
    def stored(cls, *, entry: Entry, body_area: BodyArea, processed, names: tuple[str, str], caption: str = ""):
        """An unsaved row for a processed image (diary.imaging) whose files are stored under `names`."""
        return cls(
            entry=entry,
            body_area=body_area,
            caption=caption,
            taken_on=entry.date,
            width=processed.width,
            height=processed.height,
            sha256=processed.sha256,
            image=names[0],
            thumbnail=names[1],
        )


class PoemScoreQuerySet(models.QuerySet):
    def for_patient(self, patient: Patient) -> "PoemScoreQuerySet":
        return self.filter(patient=patient)


class PoemScore(models.Model):
    """One POEM questionnaire (diary.scores): seven answers 0-4 about the last week, and the total they make."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="poem_scores")
    date = models.DateField(help_text="The day it was answered, in the patient's time zone.")
    q1 = models.PositiveSmallIntegerField(null=True, blank=True)
    q2 = models.PositiveSmallIntegerField(null=True, blank=True)
    q3 = models.PositiveSmallIntegerField(null=True, blank=True)
    q4 = models.PositiveSmallIntegerField(null=True, blank=True)
    q5 = models.PositiveSmallIntegerField(null=True, blank=True)
    q6 = models.PositiveSmallIntegerField(null=True, blank=True)
    q7 = models.PositiveSmallIntegerField(null=True, blank=True)
    total = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty when two or more are unanswered.")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = PoemScoreQuerySet.as_manager()

    ANSWER_FIELDS = ("q1", "q2", "q3", "q4", "q5", "q6", "q7")

    class Meta:
        ordering = ["-date"]
        verbose_name = "POEM score"
        constraints = [
            models.UniqueConstraint(fields=["patient", "date"], name="poem_one_per_patient_per_day"),
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(total__gte=0, total__lte=28), name="poem_total_0_28"
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__lte": 4}), name=f"poem_{name}_0_4"
                )
                for name in ("q1", "q2", "q3", "q4", "q5", "q6", "q7")
            ),
        ]

    def __str__(self):
        return f"{self.patient} POEM {self.date:%Y-%m-%d}"

    @property
    def answers(self) -> list[int | None]:
        return [getattr(self, name) for name in self.ANSWER_FIELDS]

    @property
    def band(self) -> Band | None:
        return poem_band(self.total)


class IdempotencyKey(models.Model):
    """A write a user already made under a key: a repeat with the same key returns `result` (diary.idempotency)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    result = models.JSONField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]

    def __str__(self):
        return f"{self.user_id}:{self.key}"
