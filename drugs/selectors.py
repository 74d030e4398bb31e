"""Reads for the public guide, with a fixed number of queries however many medicines and rules there are."""

from dataclasses import dataclass
from itertools import groupby

from django.db.models import Prefetch, Q

from drugs.models import AmountLimit, CommonSideEffect, Drug, Regimen, Urgency, WarningSign


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
