"""Template helpers for diary pages."""

from django import template

register = template.Library()

SEVERITY_BADGES = {1: "text-bg-warning", 2: "text-bg-orange", 3: "text-bg-danger"}


@register.filter
def severity_badge(severity: int) -> str:
    return SEVERITY_BADGES.get(severity, "text-bg-secondary")
