"""The day page's repeated parts (diary/day_html.py): `{% load day_page %}`."""

import contextlib
import weakref

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.safestring import SafeString, mark_safe

from diary import day_html, fragments
from diary.idempotency import FIELD
from diary.templatetags.idempotency import idempotency_field

register = template.Library()


# The last page render's CSRF token (the csrf context processor's lazy value, one a render) and its input.
_LAST_CSRF: tuple = (lambda: None, "")


@register.simple_tag(takes_context=True)
def csrf_input(context) -> str:
    """`{% csrf_token %}`, written once a render and repeated (a day page has four forms): the input is a function of
    the render's token alone, known by its identity (a weak reference: a finished request is not kept), so another
    render, even with the same token text, makes its own."""
    global _LAST_CSRF
    token = context.get("csrf_token")
    last, html = _LAST_CSRF
    if token is not None and last() is token:
        return html
    html = CsrfTokenNode().render(context)
    with contextlib.suppress(TypeError):  # None, or a plain string a caller put in the context: made each time
        _LAST_CSRF = (weakref.ref(token), html)
    return html


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
        csrf_input=csrf_input(context),
    )


@register.simple_tag(takes_context=True)
def care_note(context):
    """`{% care_note %}`: who sees the diary, from the page's `care_links`."""
    return day_html.care_note(care_links=context["care_links"], nav=context["nav"])


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
        csrf_input=csrf_input(context),
    )


# What an include of these partials writes when it has nothing to show: its line ends alone.
NO_FORM_ERRORS = "\n\n"
NO_MESSAGES = "\n"
NO_ALERTS = "\n\n\n"


def _include(context, name: str, **values) -> SafeString:
    """`{% include name with values %}`."""
    with context.push(**values):
        return context.template.engine.get_template(name).render(context)


@register.simple_tag(takes_context=True)
def day_alerts(context, alerts):
    """`{% include "diary/_day_alerts.html" %}`, the template rendered only when the day has alerts or others are
    open."""
    if not alerts.flags and not alerts.others:
        return NO_ALERTS
    return _include(context, "diary/_day_alerts.html")


@register.simple_tag(takes_context=True)
def form_errors(context, form):
    """`{% include "diary/_form_errors.html" with form=form %}`, the template rendered only for a form with errors
    (three a day page, and a form on it has errors only when it comes back from a post)."""
    if not form.errors:
        return NO_FORM_ERRORS
    return _include(context, "diary/_form_errors.html", form=form)


@register.simple_tag(takes_context=True)
def day_messages(context, messages, messages_id=None):
    """`{% include "_messages.html" with messages=messages messages_id=messages_id %}`, the template rendered only
    when there are messages (three places a day page, and a message only after a write)."""
    if not messages:
        return NO_MESSAGES
    if messages_id is None:
        return _include(context, "_messages.html", messages=messages)
    return _include(context, "_messages.html", messages=messages, messages_id=messages_id)


# `{{ day|long_day }}`, `{{ day|short_day }}`: a date as `|date:"l j F Y"` and `|date:"j F Y"` write it.
register.filter("long_day", day_html.long_day)
register.filter("short_day", day_html.short_day)


@register.simple_tag(takes_context=True)
def day_heading(context):
    """`{% day_heading %}`: "Today" or the past day's date, as the page's heading."""
    return day_html.day_heading(day=context["day"], is_today=context["is_today"], entry=context["entry"])


@register.simple_tag(takes_context=True)
def day_links(context):
    """`{% day_links %}`: the POEM prompt when due, the other days and the date picker."""
    return day_html.day_links(
        day=context["day"], today=context["today"], poem_due=context["poem_due"], nav=context["nav"]
    )


@register.simple_tag
def form_key(form):
    """`{% idempotency_field form.data.idempotency_key %}`: the key the form was posted with, or a fresh one, without
    the template's three failed lookups (and their exceptions) on an unbound form's empty data."""
    return idempotency_field(form.data.get(FIELD, ""))


@register.simple_tag(takes_context=True)
def day_content(context):
    """`{% day_content %}`: the day page's content, in the time zone the page activated: its heading, alerts, who
    sees the diary and the links to other days, then its sections (diary/day_html.py), the partials (alerts, undo
    bar, messages, error summaries) rendered only when they have something to show."""
    day, nav, notices, alerts = context["day"], context["nav"], context["notices"], context["alerts"]
    routes, version, csrf = nav["routes"], context["reference_version"], csrf_input(context)
    reaction_form, entry_form, photo_form = context["reaction_form"], context["entry_form"], context["photo_form"]
    undo = _include(context, "diary/_undo_bar.html") if context["undo"] and not alerts.flags else ""
    apply_forms = context["apply_forms"]
    reaction_fields = ["symptom", "body_area"]
    if context["progress"] or reaction_form["treatment"].errors:
        reaction_fields.append("treatment")
    parts = [
        f"\n{day_heading(context)}\n\n{day_alerts(context, alerts)}\n{care_note(context)}\n{day_links(context)}"
        f"\n\n{undo}\n\n",
        day_html.courses_section(
            apply_form=context["apply_form"],
            apply_forms=apply_forms,
            cards=course_cards(context, apply_forms) if apply_forms else "",
            is_today=context["is_today"],
            nav=nav,
        ),
        "\n\n",
        day_html.reaction_section(
            form=reaction_form,
            day=day,
            routes=routes,
            messages=day_messages(context, notices["reactions"], "reactions-notices"),
            has_messages=bool(notices["reactions"]),
            csrf_input=csrf,
            key=form_key(reaction_form),
            errors=form_errors(context, reaction_form),
            fields=fragments.fields_html(reaction_form, reaction_fields, version=version),
        ),
        "\n\n",
        day_html.itch_section(
            day=day,
            routes=routes,
            csrf_input=csrf,
            errors=form_errors(context, entry_form),
            fields=fragments.fields_html(entry_form, ["itch", "sleep_loss", "notes"], version=version),
        ),
        "\n\n",
        day_html.photos_section(
            photos=context["photos"],
            day=day,
            nav=nav,
            messages=day_messages(context, notices["photos"], "photos-notices"),
            has_messages=bool(notices["photos"]),
            csrf_input=csrf,
            errors=form_errors(context, photo_form),
            fields=fragments.fields_html(photo_form, ["upload", "body_area", "caption"], version=version),
        ),
        "\n\n",
        day_html.logged_section(entry=context["entry"], day=day, routes=routes),
        "\n",
    ]
    return mark_safe("".join(parts))  # noqa: S308 - each part is escaped HTML
