"""The day page's repeated parts (diary/day_html.py): `{% load day_page %}`."""

from django import template
from django.template.defaulttags import CsrfTokenNode

from diary import day_html

register = template.Library()


@register.simple_tag(takes_context=True)
def entry_details(context, entry):
    """`{% entry_details entry %}`: what was logged on the day, with edit and delete links."""
    return day_html.entry_details(entry=entry, routes=context["nav"]["routes"])


@register.simple_tag(takes_context=True)
def course_cards(context, apply_forms):
    """`{% course_cards apply_forms %}`: the day's courses, each with its "Applied" form."""
    return day_html.course_cards(
        apply_forms=apply_forms,
        day=context["day"],
        is_today=context["is_today"],
        routes=context["nav"]["routes"],
        csrf_input=CsrfTokenNode().render(context),
    )


@register.simple_tag
def severity_buttons(field):
    """`{% severity_buttons reaction_form.severity %}`: how bad, one tap each."""
    return day_html.severity_buttons(field)


@register.simple_tag(takes_context=True)
def treatment_card(context, treatment):
    """`{% treatment_card treatment %}`: a course on the course list."""
    return day_html.treatment_card(
        treatment=treatment,
        today=context["today"],
        stoppable=context["stoppable"],
        routes=context["nav"]["routes"],
        csrf_input=CsrfTokenNode().render(context),
    )
