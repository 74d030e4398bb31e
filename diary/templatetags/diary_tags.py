"""Template helpers for diary pages."""

from django import template
from django.urls import NoReverseMatch

register = template.Library()

SEVERITY_BADGES = {1: "text-bg-warning", 2: "text-bg-orange", 3: "text-bg-danger"}


@register.filter
def drug_guide_url(drug) -> str:
    """The public guide page of a drug, or "" while the guide pages are not installed."""
    try:
        return drug.get_absolute_url()
    except NoReverseMatch:
        return ""


@register.filter
def severity_badge(severity: int) -> str:
    return SEVERITY_BADGES.get(severity, "text-bg-secondary")
