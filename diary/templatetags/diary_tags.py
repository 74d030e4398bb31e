"""Template helpers for diary pages."""

from decimal import Decimal

from django import forms, template
from django.forms import BoundField

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


@register.filter
def error_anchor(field: BoundField) -> str:
    """The id an error summary links to: the field's control, or its first choice for radios and checkboxes
    (a group of them has no element of its own to focus)."""
    if isinstance(field.field.widget, forms.RadioSelect):  # CheckboxSelectMultiple is one too
        return f"{field.auto_id}_0"
    return field.auto_id


@register.simple_tag
def reference_field(field, version):
    """`{% reference_field form.field reference_version %}`: `|as_crispy_field`, cached as diary/fragments.py allows."""
    return fragments.field_html(field, version=version)


@register.filter
def fill(route: str, value) -> str:
    """`{{ nav.routes.day|fill:day }}`: a page's address for one day or row, from the route worked out once per
    process (diary.context_processors.NAV_ROUTES): the same as `{% url %}` with that argument."""
    return route.replace("{}", str(value))


@register.filter
def code_field(field: BoundField):
    """`{{ form.start|code_field }}`: `|as_crispy_field` for a field made from the form's code alone, crispy's
    wrapper kept per process (diary/fragments.py)."""
    return fragments.code_field_html(field)


@register.filter
def choices_form(form):
    """`{{ prefs_form|choices_form }}`: `|crispy` for an unbound form of fixed choices, kept per process by its
    values (diary/fragments.py)."""
    return fragments.choices_form_html(form)
