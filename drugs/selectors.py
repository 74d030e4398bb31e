"""Reads for the public guide, with a fixed number of queries however many medicines and rules there are."""

from dataclasses import dataclass
from itertools import groupby

from django.db.models import Prefetch, Q

from drugs.models import AmountLimit, CommonSideEffect, Drug, ReferenceVersion, Regimen, Symptom, Urgency, WarningSign
from prepared import prepared


@dataclass(frozen=True)
class UrgencyGroup:
    urgency: Urgency
    signs: list[WarningSign]


def drug_for_guide(*, slug: str) -> Drug | None:
    """One medicine with everything its guide page shows, or None."""
    return (
        Drug.objects.prefetch_related(
            "sources",
            "summary_sources",
            Prefetch("regimens", queryset=Regimen.objects.prefetch_related("sources")),
            Prefetch("common_side_effects", queryset=CommonSideEffect.objects.select_related("symptom")),
            Prefetch("amount_limits", queryset=AmountLimit.objects.prefetch_related("sources")),
        )
        .filter(slug=slug)
        .first()
    )


def warning_signs_by_urgency(*, drug: Drug) -> list[UrgencyGroup]:
    """The rules for this medicine and those for any medicine, most urgent group first."""
    signs = (
        WarningSign.objects.filter(Q(drug=drug) | Q(drug__isnull=True))
        .select_related("symptom")
        .prefetch_related("sources")
        .order_by("-urgency", "symptom__name", "min_severity", "id")
    )
    return [UrgencyGroup(Urgency(urgency), list(group)) for urgency, group in groupby(signs, key=lambda s: s.urgency)]


@prepared
def _version_rows():
    return ReferenceVersion.objects.order_by("pk").values_list("number")[:1]


def reference_version() -> int:
    """The reference data's current version (one prepared query): the key of anything cached from the reference."""
    rows = _version_rows()
    return rows[0][0] if rows else 0


EMERGENCY_SIGNS = "Emergency signs"


def symptom_groups(*, drug_ids: list[int]) -> list[tuple[str, list[tuple[int, str]]]]:
    """The symptom picker's groups: at the treated skin, elsewhere on the body, emergency signs.

    A symptom that any rule treats as an emergency goes under "Emergency signs"; in each group the
    symptoms listed for the given medicines (common side effects or warning signs) come first, then the
    others by name. Three queries.
    """
    signs = WarningSign.objects.filter(Q(urgency=Urgency.EMERGENCY) | Q(drug_id__in=drug_ids))
    emergency, listed = set(), set()
    for symptom_id, urgency, drug_id in signs.values_list("symptom_id", "urgency", "drug_id"):
        if urgency == Urgency.EMERGENCY:
            emergency.add(symptom_id)
        if drug_id in drug_ids:
            listed.add(symptom_id)
    listed |= set(CommonSideEffect.objects.filter(drug_id__in=drug_ids).values_list("symptom_id", flat=True))
    groups: dict[str, list[Symptom]] = {label: [] for label in [*Symptom.Site.labels, EMERGENCY_SIGNS]}
    for symptom in Symptom.objects.order_by("name"):
        label = EMERGENCY_SIGNS if symptom.pk in emergency else symptom.get_site_display()
        groups[label].append(symptom)
    return [
        (label, [(s.pk, s.name) for s in sorted(symptoms, key=lambda s: s.pk not in listed)])
        for label, symptoms in groups.items()
        if symptoms
    ]


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
