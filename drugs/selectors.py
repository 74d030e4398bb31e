"""Reads for the public guide, with a fixed number of queries however many medicines and rules there are."""

from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from typing import NamedTuple

from django.db.models import Q, Value

from drugs.models import (
    AmountLimit,
    BodyArea,
    CommonSideEffect,
    Drug,
    ReferenceVersion,
    Regimen,
    Symptom,
    Urgency,
    WarningSign,
    grams_of_ftu,
    sign_conditions,
)
from prepared import prepared


class SourceLine(NamedTuple):
    """A source as the guide lists it: its title, and its address if it has one."""

    title: str
    url: str


class GuideRegimen(NamedTuple):
    indication: str
    product: str
    population: str
    frequency: str
    duration_limits: str
    sources: list[SourceLine]


class GuideSideEffect(NamedTuple):
    symptom_code: str
    symptom_name: str
    note: str


class GuideAmountLimit(NamedTuple):
    max_grams_per_week: Decimal
    advice: str
    sources: list[SourceLine]


class GuideSign(NamedTuple):
    """A warning sign as the guide shows it: for which medicine (None: any), which symptom, when, and what to do."""

    pk: int
    urgency: int
    drug_id: int | None
    symptom_code: str
    symptom_name: str
    min_severity: int
    persists_days: int | None
    after_course_days: int | None
    advice: str
    sources: list[SourceLine]

    @property
    def conditions(self) -> list[str]:
        """When it matches, in the rule's own words (`WarningSign.conditions`)."""
        return sign_conditions(
            min_severity=self.min_severity, persists_days=self.persists_days, after_course_days=self.after_course_days
        )


class GuideArea(NamedTuple):
    name: str
    adult_ftu: Decimal

    @property
    def adult_grams(self) -> Decimal:
        return grams_of_ftu(self.adult_ftu)


@dataclass(frozen=True)
class UrgencyGroup:
    urgency: Urgency
    signs: list[GuideSign]


@dataclass(frozen=True)
class GuidePage:
    """What a medicine's guide page shows, read as plain rows: each rule and regimen with its sources."""

    drug: Drug
    sources: list[SourceLine]
    summary_sources: list[SourceLine]
    regimens: list[GuideRegimen]
    side_effects: list[GuideSideEffect]
    amount_limits: list[GuideAmountLimit]
    urgency_groups: list[UrgencyGroup]
    body_areas: list[GuideArea]


# The guide page's reads, prepared (their SQL built once per process), and read as rows rather than model instances:
# the page is cached per reference version, and a miss (the first view after any reference change) would otherwise
# spend most of its time building these queries and then a model instance (two with its symptom) a row.
@prepared
def _guide_drug(*, slug: str):
    return Drug.objects.filter(slug=slug)[:1]


@prepared
def _guide_regimens(*, drug_id: int):
    return Regimen.objects.filter(drug_id=drug_id).values_list(
        "pk", "indication", "product", "population", "frequency", "duration_limits"
    )


@prepared
def _guide_side_effects(*, drug_id: int):
    return CommonSideEffect.objects.filter(drug_id=drug_id).values_list("symptom__code", "symptom__name", "note")


@prepared
def _guide_amount_limits(*, drug_id: int):
    return AmountLimit.objects.filter(drug_id=drug_id).values_list("pk", "max_grams_per_week", "advice")


@prepared
def _guide_signs(*, drug_id: int):
    return (
        WarningSign.objects.filter(Q(drug_id=drug_id) | Q(drug__isnull=True))
        .order_by("-urgency", "symptom__name", "min_severity", "id")
        .values_list(
            "pk",
            "urgency",
            "drug_id",
            "symptom__code",
            "symptom__name",
            "min_severity",
            "persists_days",
            "after_course_days",
            "advice",
        )
    )


@prepared
def _guide_body_areas():
    return BodyArea.objects.values_list("name", "adult_ftu")


# Whose sources a row of `_guide_source_links` lists: the medicine's own, its summary's, a regimen's, an amount
# limit's or a warning sign's.
_DRUG, _SUMMARY, _REGIMEN, _LIMIT, _SIGN = range(5)


@prepared
def _guide_source_links(*, drug_id: int):
    """Every source the page lists, in one read: (whose, owner id, title, address) by title, from the five link tables
    (the medicine's sources and its summary's, and those of its regimens, amount limits and warning signs)."""

    def links(through, whose: int, owner: str, **where):
        return (
            through.objects.filter(**where)
            .annotate(whose=Value(whose))
            .values_list("whose", owner, "source__title", "source__url", "source_id")
        )

    return (
        links(Drug.sources.through, _DRUG, "drug_id", drug_id=drug_id)
        .union(
            links(Drug.summary_sources.through, _SUMMARY, "drug_id", drug_id=drug_id),
            links(Regimen.sources.through, _REGIMEN, "regimen_id", regimen__drug_id=drug_id),
            links(AmountLimit.sources.through, _LIMIT, "amountlimit_id", amountlimit__drug_id=drug_id),
            links(WarningSign.sources.through, _SIGN, "warningsign_id", warningsign__drug_id=drug_id),
            links(WarningSign.sources.through, _SIGN, "warningsign_id", warningsign__drug__isnull=True),
            all=True,
        )
        .order_by("source__title", "source_id")
    )


def _sources_by_owner(*, drug_id: int) -> dict[tuple[int, int], list[SourceLine]]:
    """Each owner's sources, keyed by (whose, owner id), in the read's order (by title)."""
    grouped: dict[tuple[int, int], list[SourceLine]] = {}
    for whose, owner_id, title, url, _source_id in _guide_source_links(drug_id=drug_id):
        grouped.setdefault((whose, owner_id), []).append(SourceLine(title, url))
    return grouped


def guide_page(*, slug: str) -> GuidePage | None:
    """One medicine with everything its guide page shows, or None: seven queries however many rules there are."""
    found = _guide_drug(slug=slug)
    if not found:
        return None
    drug = found[0]
    sources = _sources_by_owner(drug_id=drug.pk)
    signs = [GuideSign(*row, sources.get((_SIGN, row[0]), [])) for row in _guide_signs(drug_id=drug.pk)]
    return GuidePage(
        drug=drug,
        sources=sources.get((_DRUG, drug.pk), []),
        summary_sources=sources.get((_SUMMARY, drug.pk), []),
        regimens=[GuideRegimen(*row, sources.get((_REGIMEN, pk), [])) for pk, *row in _guide_regimens(drug_id=drug.pk)],
        side_effects=[GuideSideEffect(*row) for row in _guide_side_effects(drug_id=drug.pk)],
        amount_limits=[
            GuideAmountLimit(*row, sources.get((_LIMIT, pk), [])) for pk, *row in _guide_amount_limits(drug_id=drug.pk)
        ],
        urgency_groups=[
            UrgencyGroup(Urgency(urgency), list(group)) for urgency, group in groupby(signs, key=lambda s: s.urgency)
        ],
        body_areas=[GuideArea(*row) for row in _guide_body_areas()],
    )


@prepared
def _version_rows():
    return ReferenceVersion.objects.order_by("pk").values_list("number")[:1]


def reference_version() -> int:
    """The reference data's current version (one prepared query): the key of anything cached from the reference."""
    rows = _version_rows()
    return rows[0][0] if rows else 0


EMERGENCY_SIGNS = "Emergency signs"


# The symptom picker's reads: the whole of three small reference tables, prepared (their SQL built once per process),
# and the choice made in Python: the picker is cached per reference version and set of medicines, and a miss (the
# first Today page after a reference change) would otherwise spend most of its time building these queries.
@prepared
def _picker_signs():
    return WarningSign.objects.order_by().values_list("symptom_id", "urgency", "drug_id")


@prepared
def _picker_side_effects():
    return CommonSideEffect.objects.order_by().values_list("drug_id", "symptom_id")


@prepared
def _picker_symptoms():
    return Symptom.objects.order_by("name").values_list("pk", "name", "site")


def symptom_groups(*, drug_ids: list[int]) -> list[tuple[str, list[tuple[int, str]]]]:
    """The symptom picker's groups: at the treated skin, elsewhere on the body, emergency signs.

    A symptom that any rule treats as an emergency goes under "Emergency signs"; in each group the
    symptoms listed for the given medicines (common side effects or warning signs) come first, then the
    others by name. Three queries (two without a medicine).
    """
    drugs = set(drug_ids)
    emergency, listed = set(), set()
    for symptom_id, urgency, drug_id in _picker_signs():
        if urgency == Urgency.EMERGENCY:
            emergency.add(symptom_id)
        if drug_id in drugs:
            listed.add(symptom_id)
    if drugs:  # no course: no side effect to list first
        listed |= {symptom_id for drug_id, symptom_id in _picker_side_effects() if drug_id in drugs}
    groups: dict[str, list[tuple[int, str]]] = {label: [] for label in [*Symptom.Site.labels, EMERGENCY_SIGNS]}
    site_labels = dict(Symptom.Site.choices)
    for pk, name, site in _picker_symptoms():
        groups[EMERGENCY_SIGNS if pk in emergency else site_labels.get(site, site)].append((pk, name))
    return [
        (label, sorted(symptoms, key=lambda symptom: symptom[0] not in listed))
        for label, symptoms in groups.items()
        if symptoms
    ]


@prepared
def _picker_areas():
    return BodyArea.objects.values_list("pk", "name")


def body_area_options() -> list[tuple[int, str]]:
    """The body-area picker's options, by name, as a `ModelChoiceField` of all areas lists them. One query."""
    return _picker_areas()


@dataclass(frozen=True)
class UsualSchedule:
    times: int
    kind: str  # ScheduleKind


def usual_schedules() -> dict[int, UsualSchedule]:
    """Each medicine's usual schedule: that of its first regimen with one (the guide lists the usual first)."""
    schedules: dict[int, UsualSchedule] = {}
    regimens = Regimen.objects.filter(schedule_times__isnull=False).order_by("drug_id", "position", "id")
    for drug_id, times, kind in regimens.values_list("drug_id", "schedule_times", "schedule_kind"):
        schedules.setdefault(drug_id, UsualSchedule(times=times, kind=kind))
    return schedules
