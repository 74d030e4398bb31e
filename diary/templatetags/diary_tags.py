"""Template helpers for diary pages."""

from decimal import Decimal

from django import template

from diary import fragments
from diary.amounts import format_amount

register = template.Library()

SEVERITY_BADGES = {1: "text-bg-warning", 2: "text-bg-orange", 3: "text-bg-danger"}


@register.filter
def severity_badge(severity: int) -> str:
    return SEVERITY_BADGES.get(severity, "text-bg-secondary")


@register.filter
def amount(value, unit: str = "") -> str:
    """An amount as the diary writes it everywhere: `{{ application.amount|amount:application.unit }}`."""
    return format_amount(Decimal(value), unit or None)


@register.simple_tag
def reference_field(field, version):
    """`{% reference_field form.field reference_version %}`: `|as_crispy_field`, cached as diary/fragments.py allows."""
    return fragments.field_html(field, version=version)
