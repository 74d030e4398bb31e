"""Reference guidance about skin medicines, and the warning-sign rules derived from it.

Loaded from drugs/data/drug_reference.json by `manage.py load_reference`; clinicians edit it in admin.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import capfirst

GRAMS_PER_FTU = Decimal("0.5")
# How the guide, admin and alerts name the medicine of a rule that has none.
ANY_MEDICINE = "any medicine"


class Severity(models.IntegerChoices):
    MILD = 1, "Mild"
    MODERATE = 2, "Moderate"
    SEVERE = 3, "Severe"


class Urgency(models.IntegerChoices):
    """How soon the patient should act. Stored as a rank so the most urgent sorts first."""

    ROUTINE = 1, "Routine"
    SOON = 2, "Soon"
    TODAY = 3, "Today"
    EMERGENCY = 4, "Emergency"

    @property
    def code(self) -> str:
        return self.name.lower()

    @property
    def meaning(self) -> str:
        return URGENCY_MEANINGS[self]


URGENCY_MEANINGS = {
    Urgency.ROUTINE: "Mention it at your next planned appointment or in a non-urgent message.",
    Urgency.SOON: "Contact your clinician within about 1 to 3 days, or before your next application if told to pause.",
    Urgency.TODAY: "Contact your clinician or an out-of-hours service today.",
    Urgency.EMERGENCY: "Call emergency services or go to the emergency department now.",
}


def grams_of_ftu(ftu: Decimal) -> Decimal:
    """How many grams are this many fingertip units."""
    return ftu * GRAMS_PER_FTU


def sign_conditions(*, min_severity: int, persists_days: int | None, after_course_days: int | None) -> list[str]:
    """When a warning sign matches, in plain words (empty: whenever the symptom is reported)."""
    words = [
        _severity_words(min_severity),
        _persists_words(persists_days),
        _after_course_words(after_course_days),
    ]
    return [part for part in words if part]


def _severity_words(min_severity: int) -> str:
    return {Severity.MODERATE: "moderate or severe", Severity.SEVERE: "severe"}.get(min_severity, "")


def _persists_words(days: int | None) -> str:
    return f"lasting {days} days or more" if days else ""


def _after_course_words(days: int | None) -> str:
    return f"{days} days or more into the course" if days else ""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class DrugQuerySet(models.QuerySet):
    SEARCHED_FIELDS = ("generic_name", "brand_names", "other_names", "slug")

    def search(self, query: str) -> "DrugQuerySet":
        """Medicines whose generic, brand or other names contain every word of the query, ignoring case."""
        queryset = self
        for word in query.split():
            any_field = Q()
            for field in self.SEARCHED_FIELDS:
                any_field |= Q(**{f"{field}__icontains": word})
            queryset = queryset.filter(any_field)
        return queryset

    def for_guide(self) -> "DrugQuerySet":
        """In the order the guide lists them: by class heading, then name."""
        return self.order_by("class_group", "generic_name").only("slug", "generic_name", "brand_names", "class_group")


class Source(models.Model):
    title = models.CharField(max_length=300)
    url = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["title"]
        constraints = [models.UniqueConstraint(fields=["title", "url"], name="source_unique_title_url")]

    def __str__(self):
        return self.title


class Symptom(models.Model):
    """A reaction a patient can report, in plain words."""

    class Site(models.TextChoices):
        # Where the patient notices it: the symptom picker groups by this.
        SKIN = "skin", "At the treated skin"
        BODY = "body", "Elsewhere on the body"

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField()
    site = models.CharField(max_length=4, choices=Site.choices, default=Site.SKIN)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class BodyArea(models.Model):
    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    adult_ftu = models.DecimalField(
        "adult fingertip units", max_digits=4, decimal_places=1, help_text="For one application on an adult."
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(adult_ftu__gt=0), name="bodyarea_adult_ftu_positive")]

    def __str__(self):
        return self.name

    @property
    def adult_grams(self) -> Decimal:
        return grams_of_ftu(self.adult_ftu)


class Drug(models.Model):
    """One medicine's reference guidance. List-like fields hold one item per line."""

    slug = models.SlugField(max_length=80, unique=True)
    generic_name = models.CharField(max_length=150)
    brand_names = models.TextField(blank=True, help_text="One per line.")
    other_names = models.TextField(
        blank=True,
        help_text="Other generic names or spellings patients may search for (e.g. calcipotriol), one per line.",
    )
    drug_class = models.CharField(max_length=200)
    class_group = models.CharField(
        max_length=100, help_text="Short heading the public guide groups medicines under, e.g. 'Corticosteroids'."
    )
    summary_uses = models.TextField(
        "in short: what it is for", blank=True, help_text="Plain words, grade 8 or below, like the rest of the summary."
    )
    summary_how_to_apply = models.TextField("in short: how to apply", blank=True)
    summary_normal = models.TextField("in short: what is normal", blank=True)
    summary_when_to_call = models.TextField("in short: when to call", blank=True)
    summary_sources = models.ManyToManyField(
        Source,
        related_name="drug_summaries",
        blank=True,
        help_text="Where each statement of the summary comes from.",
    )
    mechanism = models.TextField(blank=True)
    indications = models.TextField(blank=True, help_text="One per line.")
    strengths = models.TextField(blank=True, help_text="One per line, as offered to patients.")
    how_to_apply = models.TextField(blank=True, help_text="One step per line.")
    storage = models.TextField(blank=True)
    children = models.TextField("use in children", blank=True)
    pregnancy = models.TextField(blank=True)
    breastfeeding = models.TextField(blank=True)
    other_populations = models.TextField("other groups", blank=True)
    interactions = models.TextField(blank=True, help_text="One per line.")
    boxed_warning = models.TextField(blank=True)
    sources = models.ManyToManyField(Source, related_name="drugs", blank=True)

    objects = DrugQuerySet.as_manager()

    class Meta:
        ordering = ["generic_name"]

    def __str__(self):
        return self.generic_name

    def get_absolute_url(self):
        return reverse("drugs:drug-detail", args=[self.slug])

    @property
    def summary(self) -> list[tuple[str, str]]:
        """The plain-language summary the guide opens with: (heading, text) for each part that is filled in."""
        parts = [
            ("What it is for", self.summary_uses),
            ("How to apply", self.summary_how_to_apply),
            ("What is normal", self.summary_normal),
            ("When to call", self.summary_when_to_call),
        ]
        return [(heading, text.strip()) for heading, text in parts if text.strip()]

    @property
    def brand_name_list(self) -> list[str]:
        return _lines(self.brand_names)

    @property
    def indication_list(self) -> list[str]:
        return _lines(self.indications)

    @property
    def strength_list(self) -> list[str]:
        return _lines(self.strengths)

    @property
    def other_name_list(self) -> list[str]:
        return _lines(self.other_names)

    @property
    def how_to_apply_steps(self) -> list[str]:
        return _lines(self.how_to_apply)

    @property
    def interaction_list(self) -> list[str]:
        return _lines(self.interactions)


class ScheduleKind(models.TextChoices):
    """How a schedule counts: doses a day, or days a week (the values a diary course uses too)."""

    DAILY = "daily", "times a day"
    WEEKLY = "weekly", "days a week"


class Regimen(models.Model):
    """How often and how long, for one indication and population (or product)."""

    drug = models.ForeignKey(Drug, on_delete=models.CASCADE, related_name="regimens")
    position = models.PositiveSmallIntegerField(default=0)
    population = models.TextField(blank=True)
    indication = models.TextField(blank=True)
    product = models.TextField(blank=True)
    frequency = models.TextField()
    # The frequency as a schedule a course can take (e.g. "twice daily" is 2 times a day), when it is one
    # plain number; a new course of the medicine starts from the first regimen that has one.
    schedule_times = models.PositiveSmallIntegerField(null=True, blank=True)
    schedule_kind = models.CharField(max_length=6, choices=ScheduleKind.choices, blank=True)
    duration_limits = models.TextField(blank=True)
    sources = models.ManyToManyField(Source, related_name="regimens", blank=True)

    class Meta:
        ordering = ["drug", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(schedule_times__isnull=True, schedule_kind="")
                | Q(schedule_times__gte=1, schedule_times__lte=7, schedule_kind__in=ScheduleKind.values),
                name="regimen_schedule_complete",
            )
        ]

    def __str__(self):
        return self.indication or self.product or self.population or self.frequency[:60]


class CommonSideEffect(models.Model):
    drug = models.ForeignKey(Drug, on_delete=models.CASCADE, related_name="common_side_effects")
    symptom = models.ForeignKey(Symptom, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["drug", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["drug", "symptom"], name="commonsideeffect_unique_drug_symptom")]

    def __str__(self):
        return f"{self.drug}: {self.symptom}"


def _drug_name(drug: Drug | None) -> str:
    """How a rule names its drug at the start of its summary."""
    return capfirst(str(drug) if drug is not None else ANY_MEDICINE)


class Rule(models.Model):
    """What both kinds of rule share: how urgent, what the patient is told, and why."""

    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices)
    advice = models.TextField(help_text="Shown to the patient, in plain words, when the rule matches.")
    reference_key = models.CharField(
        max_length=200,
        blank=True,
        editable=False,
        help_text="Set for rules that come from the reference file; empty for rules added in admin.",
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        problems = self.advice_problems()
        if problems:
            raise ValidationError({"advice": [f"The advice {problem}." for problem in problems]})

    def advice_problems(self) -> list[str]:
        """Where the advice contradicts the urgency the patient reads above it."""
        from drugs.advice import time_frame_problems  # advice reads this module's choices

        if not self.advice.strip() or self.urgency not in Urgency.values:
            return []
        return time_frame_problems(self.advice, self.urgency)


class WarningSign(Rule):
    """A symptom rule. No drug means it applies whatever the patient uses."""

    drug = models.ForeignKey(
        Drug,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="warning_signs",
        help_text="Empty: any medicine.",
    )
    symptom = models.ForeignKey(Symptom, on_delete=models.PROTECT, related_name="warning_signs")
    min_severity = models.PositiveSmallIntegerField(choices=Severity.choices, default=Severity.MILD)
    persists_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Matches only once the symptom has lasted this many days."
    )
    after_course_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Matches only once the course started at least this many days before."
    )
    sources = models.ManyToManyField(Source, related_name="warning_signs")

    class Meta:
        ordering = ["-urgency", "symptom__name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_severity__gte=1, min_severity__lte=3), name="warningsign_severity_1_3"
            ),
            models.CheckConstraint(condition=Q(urgency__gte=1, urgency__lte=4), name="warningsign_urgency_known"),
            models.CheckConstraint(
                condition=Q(persists_days__isnull=True) | Q(persists_days__gte=1), name="warningsign_persists_positive"
            ),
            models.CheckConstraint(
                condition=Q(after_course_days__isnull=True) | Q(after_course_days__gte=1),
                name="warningsign_after_course_positive",
            ),
            models.UniqueConstraint(
                fields=["reference_key"], condition=~Q(reference_key=""), name="warningsign_unique_reference_key"
            ),
            models.CheckConstraint(condition=~Q(advice=""), name="warningsign_advice_not_empty"),
        ]

    def __str__(self):
        return f"{self.drug if self.drug_id else capfirst(ANY_MEDICINE)}: {self.symptom} ({self.get_urgency_display()})"

    def advice_problems(self) -> list[str]:
        """Also: advice that describes a milder symptom than the least severe one the rule matches."""
        from drugs.advice import milder_severity_problems

        problems = super().advice_problems()
        if self.advice.strip() and self.min_severity in Severity.values:
            problems += milder_severity_problems(self.advice, self.min_severity)
        return problems

    @property
    def medicine(self) -> str:
        """The medicine the rule is for, in words: a rule with no drug is for any medicine."""
        return str(self.drug) if self.drug_id else ANY_MEDICINE

    @property
    def conditions(self) -> list[str]:
        """When the rule matches, in plain words (empty: whenever the symptom is reported)."""
        return sign_conditions(
            min_severity=self.min_severity, persists_days=self.persists_days, after_course_days=self.after_course_days
        )

    @property
    def summary(self) -> str:
        """The rule in one plain sentence, as clinicians and patients read it (copied onto its flags)."""
        text = f"{_drug_name(self.drug if self.drug_id else None)}: {self.symptom.name.lower()}"
        if severity := _severity_words(self.min_severity):
            text += f" ({severity})"
        if persists := _persists_words(self.persists_days):
            text += f" {persists}"
        if after_course := _after_course_words(self.after_course_days):
            text += f", {after_course}"
        return text


class AmountLimit(Rule):
    """More than this many grams of the drug in the 7 days ending on an entry's date."""

    drug = models.ForeignKey(Drug, on_delete=models.CASCADE, related_name="amount_limits")
    max_grams_per_week = models.DecimalField(max_digits=6, decimal_places=1)
    sources = models.ManyToManyField(Source, related_name="amount_limits")

    class Meta:
        ordering = ["drug", "-urgency"]
        constraints = [
            models.CheckConstraint(condition=Q(max_grams_per_week__gt=0), name="amountlimit_grams_positive"),
            models.CheckConstraint(condition=Q(urgency__gte=1, urgency__lte=4), name="amountlimit_urgency_known"),
            models.UniqueConstraint(
                fields=["reference_key"], condition=~Q(reference_key=""), name="amountlimit_unique_reference_key"
            ),
            models.CheckConstraint(condition=~Q(advice=""), name="amountlimit_advice_not_empty"),
        ]

    def __str__(self):
        return f"{self.drug}: over {self.max_grams_per_week} g a week"

    @property
    def summary(self) -> str:
        """The rule in one plain sentence, as clinicians and patients read it (copied onto its flags)."""
        return f"{_drug_name(self.drug)}: more than {self.max_grams_per_week.normalize():f} g in 7 days"


class LoadedRecord(models.Model):
    """What the reference file said about one record when it was last loaded (a digest).

    The loader updates a row only when the file's record changed since then, so edits made
    in admin survive reloads of an unchanged file.
    """

    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    digest = models.CharField(max_length=64)
    loaded = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="loadedrecord_unique_kind_key")]

    def __str__(self):
        return f"{self.kind}: {self.key}"


class ReferenceVersion(models.Model):
    """One row whose number goes up whenever the reference data changes (`load_reference`, any admin edit).

    What is made from the reference alone (the symptom and body-area pickers) is cached under this number,
    read from the database on each request, so every process sees a change at once.
    """

    number = models.PositiveBigIntegerField(default=0)
    changed = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"reference version {self.number}"
