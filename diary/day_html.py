"""The diary pages' parts written in Python: a day's page's whole content (its heading and the links to other days,
who sees the diary, the course cards, the reaction, itch and photo forms around their fields, the day's photos and
what the patient logged: `{% day_content %}`); on the course list each course.

Template loops over each application, reaction and course cost a template node per value (about a fifth of the
day page's template time, half of the course list's); these functions write the same HTML, character for character,
as the templates did (compared on thousands of days and courses when they were written; the tests check the
escaping of hostile text). Every value is escaped as the template escaped it: `esc` for `{{ value }}`,
`linebreaksbr` as the filter with autoescape. Times are shown in the time zone the page activated
(`{% timezone patient.time_zone %}`), as the `date` and `time` filters do.
"""

import datetime

from django.forms import BoundField
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

from clinics.models import display_name
from diary.selectors import DayLog
from diary.templatetags.diary_tags import fill, severity_badge
from diary.templatetags.idempotency import idempotency_field
from diary.widgets import escape as esc
from prepared import related


def entry_details(*, entry: DayLog, routes: dict[str, str]) -> SafeString:
    """A day's applications, reactions, itch, sleep loss and notes, with their edit and delete links."""
    parts = ["\n\n"]  # the template's first two lines (a load tag and a comment, then `{% with %}`)
    if entry.applications:
        parts.append('\n<h3 class="h6 mt-2 mb-1">Applied</h3>\n<ul class="list-unstyled diary-items mb-2">\n  ')
        for application in entry.applications:
            applied_at = timezone.localtime(application.applied_at)
            drug, at, pk = esc(application.drug), f"{applied_at:%H:%M}", application.pk
            areas = ", ".join(esc(area) for area in application.areas)
            parts.append(
                f'\n  <li class="diary-item">\n    <span><strong>{drug}</strong> {esc(application.strength)}'
                f'\n      at <time datetime="{applied_at.isoformat()}">{at}</time>'
                f"\n      · {esc(application.amount_display)} · {areas}</span>"
                '\n    <span class="diary-item-actions">'
                f'\n      <a class="btn btn-outline-secondary btn-sm" href="{_fill(routes["application_edit"], pk)}">'
                f'Edit<span class="visually-hidden"> {drug} at {at}</span></a>'
                f'\n      <a class="btn btn-outline-danger btn-sm" href="{_fill(routes["application_delete"], pk)}">'
                f'Delete<span class="visually-hidden"> {drug} at {at}</span></a>\n    </span>\n  </li>\n  '
            )
        parts.append("\n</ul>\n")
    parts.append("\n")
    if entry.reactions:
        parts.append('\n<h3 class="h6 mt-2 mb-1">Reactions</h3>\n<ul class="list-unstyled diary-items mb-2">\n  ')
        for reaction in entry.reactions:
            symptom, pk = esc(reaction.symptom), reaction.pk
            area = f" on {esc(reaction.body_area.lower())}" if reaction.body_area else ""
            drug = f" · {esc(reaction.drug)}" if reaction.drug else ""
            parts.append(
                f'\n  <li class="diary-item">\n    <span><span class="badge {severity_badge(reaction.severity)}">'
                f"{esc(reaction.get_severity_display())}</span>\n      <strong>{symptom}</strong>{area}{drug}</span>"
                '\n    <span class="diary-item-actions">'
                f'\n      <a class="btn btn-outline-secondary btn-sm" href="{_fill(routes["reaction_edit"], pk)}">'
                f'Edit<span class="visually-hidden"> {symptom}</span></a>'
                f'\n      <a class="btn btn-outline-danger btn-sm" href="{_fill(routes["reaction_delete"], pk)}">'
                f'Delete<span class="visually-hidden"> {symptom}</span></a>\n    </span>\n  </li>\n  '
            )
        parts.append("\n</ul>\n")
    parts.append("\n\n")
    if entry.itch is not None:
        parts.append(f'<p class="mb-1">Peak itch: <strong>{entry.itch}</strong> of 10</p>')
    parts.append("\n")
    if entry.sleep_loss is not None:
        parts.append(f'<p class="mb-1">Sleep loss: <strong>{entry.sleep_loss}</strong> of 10</p>')
    parts.append("\n")
    if entry.notes:
        parts.append(f'<p class="mb-1 diary-notes">{linebreaksbr(entry.notes, autoescape=True)}</p>')
    parts.append("\n")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def _fill(route: str, value) -> str:
    """`{{ route|fill:value }}`: the address, escaped."""
    return esc(fill(route, value))


def course_cards(
    *, apply_forms: list[tuple], day: datetime.date, is_today: bool, routes: dict[str, str], csrf_input: str
) -> SafeString:
    """Each course of the day with how much of its schedule is done and its "Applied" form (`csrf_input`: what
    `{% csrf_token %}` writes; each form gets a fresh idempotency key)."""
    action = _fill(routes["application_add"], day)
    button = "Applied now" if is_today else "Applied"
    parts = []
    for course, course_form in apply_forms:
        treatment = course.treatment
        drug, pk = esc(str(treatment.drug)), treatment.pk
        badge = "text-bg-success" if course.complete else "text-bg-light border"
        areas = ", ".join(esc(area.name.lower()) for area in related(treatment, "body_areas"))
        time_field = "" if is_today else _time_field(course_form["time"], pk)
        parts.append(
            '\n    \n    <div class="card mb-2">\n      <div class="card-body">'
            '\n        <div class="d-flex flex-wrap justify-content-between align-items-start gap-2">'
            f'\n          <h3 class="h6 mb-1">{drug} {esc(treatment.strength)}</h3>'
            f'\n          <span class="badge {badge}">{course.done} of {course.due} {esc(course.period)}</span>'
            "\n        </div>"
            f'\n        <p class="small text-body-secondary mb-2">{esc(capfirst(treatment.schedule))} · '
            f"{esc(treatment.usual_amount_display)} on {areas}</p>"
            f'\n        <form method="post" action="{action}" novalidate data-submit-once>'
            f"\n          {csrf_input}\n          {idempotency_field()}"
            f'\n          <input type="hidden" name="treatment" value="{pk}">'
            f"\n          {time_field}"
            f'\n          <button type="submit" class="btn btn-primary btn-lg w-100">{button}'
            f'<span class="visually-hidden">: {drug}</span></button>'
            "\n        </form>\n      </div>\n    </div>\n    \n  "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def _time_field(time: BoundField, pk: int) -> str:
    """A past day's "At (your time)" input, with its errors."""
    value = time.value()
    invalid = f' aria-invalid="true" aria-describedby="time-{pk}-error"' if time.errors else ""
    errors = "".join(
        f'<div class="invalid-feedback d-block" id="time-{pk}-error">{esc(error)}</div>' for error in time.errors
    )
    return (
        '\n            \n            <div class="mb-2">'
        f'\n              <label class="form-label" for="time-{pk}">At (your time)</label>'
        f'\n              <input class="form-control{" is-invalid" if time.errors else ""}" type="time"'
        f' name="{esc(time.html_name)}" id="time-{pk}"'
        f'\n                     value="{"" if value is None else esc(str(localize(value)))}"{invalid}>'
        f"\n              {errors}\n            </div>\n            \n          "
    )


def severity_buttons(field: BoundField) -> SafeString:
    """The reaction form's severity choices, each a button that saves the form (the first carries the field's id,
    which the error summary links to)."""
    name, first = esc(field.html_name), f' id="{esc(field.auto_id)}_0"'
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            f'\n          <button type="submit"{"" if index else first} name="{name}" value="{esc(value)}"'
            f' class="btn btn-lg btn-severity-{esc(value)}">{esc(label)}</button>\n        '
            for index, (value, label) in enumerate(field.field.choices)
        )
    )


def treatment_card(
    *, treatment, today: datetime.date, stoppable: set[int], routes: dict[str, str], csrf_input: str
) -> SafeString:
    """A course on the course list: schedule, areas, dates, instructions, and its links (edit, reminders, guide,
    and "Stop today" when it can stop today)."""
    pk, drug = treatment.pk, esc(str(treatment.drug))
    areas = ", ".join(esc(area.name.lower()) for area in related(treatment, "body_areas"))
    started, ended = treatment.started_on, treatment.ended_on
    dates = f"{'Starts' if started > today else 'Since'} {_long_date(started)}"
    if ended:
        dates += f", {'ended' if ended < today else 'until'} {_long_date(ended)}"
    instructions = ""
    if treatment.instructions:
        instructions = f'<p class="small mb-2">{linebreaksbr(treatment.instructions, autoescape=True)}</p>'
    stop = ""
    if pk in stoppable:
        stop = (
            f'\n        <form method="post" action="{_fill(routes["treatment_stop"], pk)}">\n          {csrf_input}'
            '\n          <button type="submit" class="btn btn-outline-danger">Stop today'
            f'<span class="visually-hidden">: {drug}</span></button>\n        </form>\n      '
        )
    return mark_safe(  # noqa: S308 - every value is escaped
        f'\n<article class="card mb-2" aria-labelledby="treatment-{pk}">\n  <div class="card-body">'
        f'\n    <h3 class="h5 mb-1" id="treatment-{pk}">{drug} {esc(treatment.strength)}</h3>'
        f'\n    <p class="mb-1">{esc(capfirst(treatment.schedule))} · {esc(treatment.usual_amount_display)}'
        " each time on"
        f'\n      {areas}</p>\n    <p class="small text-body-secondary mb-2">\n      {dates}\n    </p>'
        f'\n    {instructions}\n    <div class="diary-item-actions">'
        f'\n      <a class="btn btn-outline-secondary" href="{_fill(routes["treatment_edit"], pk)}">Edit'
        f'<span class="visually-hidden"> {drug}</span></a>'
        f'\n      <a class="btn btn-outline-secondary" href="{_fill(routes["schedule_edit"], pk)}">Reminders'
        f'<span class="visually-hidden"> for {drug}</span></a>'
        f'\n      <a class="btn btn-outline-secondary" href="{_fill(routes["drug"], treatment.drug.slug)}">Guide'
        f'<span class="visually-hidden"> to {drug}</span></a>\n      {stop}\n    </div>\n  </div>\n</article>\n'
    )


def _long_date(day: datetime.date) -> str:
    """`|date:"j F Y"`: 7 March 2026."""
    return f"{day.day} {day:%B %Y}"


def care_note(*, care_links: list, nav: dict) -> SafeString:
    """Today's quiet line saying who sees the diary: the clinics shared with and their assigned dermatologists
    (`clinics.selectors.care_for`), or nobody."""
    if care_links:
        last, names = len(care_links) - 1, []
        for index, link in enumerate(care_links):
            names.append("" if index == 0 else " and " if index == last else ", ")
            names.append(esc(link.clinic.name))
            if link.dermatologist:
                dermatologist = link.dermatologist
                names.append(f" ({esc(display_name(dermatologist))})")
        said = f'\n    Shared with {"".join(names)}.\n    <a href="{esc(nav["sharing"])}">Who can see my diary</a>\n  '
    else:
        said = (
            "\n    Not shared with a clinic: only you see this diary. "
            f'<a href="{esc(nav["clinic_join"])}">Share with a clinic</a>\n  '
        )
    return mark_safe(f'\n<p class="small text-body-secondary mb-3 care-note">\n  {said}\n</p>\n')  # noqa: S308 - escaped


def long_day(day: datetime.date) -> str:
    """`{{ day|date:"l j F Y" }}` (Thursday 26 November 2026) without Django's date formatter (a format parsed and
    a method called per letter)."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month]} {day.year}"


def short_day(day: datetime.date) -> str:
    """`{{ day|date:"j F Y" }}` (26 November 2026), as `long_day`."""
    return f"{day.day} {MONTHS[day.month]} {day.year}"


def day_heading(*, day: datetime.date, is_today: bool, entry: DayLog | None) -> SafeString:
    """ "Today" and the date, or a past day's date as its heading, with "Recorded late" when the entry was."""
    late = entry is not None and entry.is_late
    if is_today:
        badge = '<span class="badge text-bg-secondary">Recorded late</span>' if late else ""
        return mark_safe(  # noqa: S308 - a date and fixed text
            '\n  <h1 class="h3 mb-1">Today</h1>\n  <p class="text-body-secondary mb-2">'
            f'<time datetime="{day.isoformat()}">{long_day(day)}</time>\n    {badge}</p>\n'
        )
    badge = '<span class="badge text-bg-secondary fs-6 align-middle">Recorded late</span>' if late else ""
    return mark_safe(  # noqa: S308 - a date and fixed text
        f'\n  \n  <h1 class="h3 mb-2"><time datetime="{day.isoformat()}">{long_day(day)}</time>\n    {badge}</h1>\n'
    )


def day_links(*, day: datetime.date, today: datetime.date, poem_due: bool, nav: dict) -> SafeString:
    """The week's POEM prompt when it is due, the previous and next days and the date picker, and on a past day
    where what is added is saved."""
    poem = ""
    if poem_due:
        poem = (
            '\n<div class="alert alert-info d-flex flex-wrap gap-2 align-items-center justify-content-between '
            "poem-prompt\">\n  <span>This week's eczema questions (POEM) are waiting: 7 quick questions.</span>"
            f'\n  <a class="btn btn-primary" href="{esc(nav["poem"])}">Answer POEM</a>\n</div>\n'
        )
    routes, next_link, earlier = nav["routes"], "", ""
    if day < today:
        next_day = day + datetime.timedelta(days=1)
        href = esc(nav["home"]) if next_day == today else _fill(routes["day"], next_day)
        next_link = (
            f'\n    <a class="btn btn-outline-secondary" rel="next" href="{href}">Next day '
            '<span aria-hidden="true">\u203a</span></a>\n  '
        )
        earlier = (
            '\n  <p class="alert alert-info">You are filling in an earlier day. What you add here is saved on '
            f"{short_day(day)}.</p>\n"
        )
    previous = _fill(routes["day"], day - datetime.timedelta(days=1))
    return mark_safe(  # noqa: S308 - every address is escaped, the rest dates and fixed text
        f'{poem}\n\n<nav class="day-nav mb-3" aria-label="Other days">'
        f'\n  <a class="btn btn-outline-secondary" rel="prev" href="{previous}"><span aria-hidden="true">\u2039</span>'
        f" Previous day</a>\n  {next_link}"
        f'\n  <form method="get" action="{esc(nav["day_pick"])}" class="day-pick">'
        '\n    <label class="visually-hidden" for="day-picker">Go to a day</label>'
        '\n    <input class="form-control" type="date" id="day-picker" name="date" '
        f'max="{today.isoformat()}" value="{day.isoformat()}">'
        '\n    <button type="submit" class="btn btn-outline-secondary">Go</button>\n  </form>\n</nav>\n\n'
        f"{earlier}"
    )


# --- The rest of the day page's content (was `entry_day.html`'s content block and `_day_photos.html`) ---------------
# Each takes the parts rendered elsewhere (partials, reference fields, the CSRF input) as HTML already escaped.


def courses_section(*, apply_form, apply_forms: list[tuple], cards: str, is_today: bool, nav: dict) -> SafeString:
    """The "Your treatments" section: the "Applied" form's error summary when one came back with errors, the
    course cards (`cards`, `course_cards`'s HTML) or how to add a course."""
    summary = ""
    if apply_form is not None and apply_form.errors:
        errors = [f"{esc(error)} " for error in apply_form.non_field_errors()]
        errors += [f"{esc(error)} " for error in apply_form["treatment"].errors]
        anchor = esc(apply_form["treatment"].value())
        errors += [
            f'<a class="alert-link" href="#time-{anchor}">At (your time): {esc(error)}</a>'
            for error in apply_form["time"].errors
        ]
        summary = (
            '\n    <div class="alert alert-danger" role="alert" tabindex="-1" data-error-summary>'
            f"{''.join(errors)}</div>\n  "
        )
    if apply_forms:
        listed = cards
    else:
        listed = (
            f"\n    <p>No treatment {'is active today' if is_today else 'was active that day'}."
            f'\n      <a href="{esc(nav["treatment_add"])}">Add your treatment</a> to record applications.</p>\n  '
        )
    return mark_safe(  # noqa: S308 - every value is escaped, the parts given are HTML
        '<section class="mb-4" aria-labelledby="courses-title">'
        '\n  <h2 class="h5" id="courses-title">Your treatments</h2>'
        f"\n  {summary}\n  {listed}\n</section>"
    )


def reaction_section(
    *,
    form,
    day: datetime.date,
    routes: dict[str, str],
    messages: str,
    has_messages: bool,
    csrf_input: str,
    key: str,
    errors: str,
    fields: list[str],
) -> SafeString:
    """The "How is your skin?" section: the reaction form (`fields`: the symptom, body-area and, when listed,
    course pickers' HTML), its severity buttons and their errors."""
    described = ' aria-describedby="reactions-notices"' if has_messages else ""
    severity = form["severity"]
    invalid = ' aria-describedby="severity-error" data-invalid' if severity.errors else ""
    severity_errors = "".join(
        f'<div class="invalid-feedback d-block" id="severity-error">{esc(error)}</div>' for error in severity.errors
    )
    return mark_safe(  # noqa: S308 - every value is escaped, the parts given are HTML
        f'<section class="mb-4" id="reactions" aria-labelledby="reactions-title" tabindex="-1"{described}>'
        '\n  <h2 class="h5" id="reactions-title">How is your skin?</h2>'
        f"\n  {messages}"
        f'\n  <form method="post" action="{_fill(routes["reaction_add"], day)}#reactions" novalidate>'
        f"\n    {csrf_input}\n    {key}\n    {errors}\n    {fields[0]}\n    {fields[1]}\n    {''.join(fields[2:])}"
        f'\n    <fieldset class="mb-2"{invalid}>'
        '\n      <legend class="form-label fs-6">How bad? Tap one to save.</legend>'
        f'\n      <div class="severity-choice">\n        {severity_buttons(severity)}\n      </div>'
        f"\n      {severity_errors}\n    </fieldset>\n  </form>\n</section>"
    )


def itch_section(*, day: datetime.date, routes: dict[str, str], csrf_input: str, errors: str, fields: list[str]):
    """The "Itch, sleep and notes" section: the entry form (`fields`: its three fields' HTML)."""
    return mark_safe(  # noqa: S308 - the address is escaped, the parts given are HTML
        '<section class="mb-4" aria-labelledby="itch-title">'
        '\n  <h2 class="h5" id="itch-title">Itch, sleep and notes</h2>'
        f'\n  <form method="post" action="{_fill(routes["entry_save"], day)}" novalidate>'
        f"\n    {csrf_input}\n    {errors}\n    {fields[0]}\n    {fields[1]}\n    {fields[2]}"
        '\n    <button type="submit" class="btn btn-primary w-100">Save itch, sleep and notes</button>\n  </form>'
        "\n</section>"
    )


def photos_section(
    *,
    photos: list,
    day: datetime.date,
    nav: dict,
    messages: str,
    has_messages: bool,
    csrf_input: str,
    errors: str,
    fields: list[str],
) -> SafeString:
    """The "Photos" section: the day's photos, each with its links, and the photo form (`fields`: its three
    fields' HTML)."""
    routes = nav["routes"]
    described = ' aria-describedby="photos-notices"' if has_messages else ""
    grid = ""
    if photos:
        tiles = []
        for photo in photos:
            pk, area, caption = photo.pk, photo.body_area.name, photo.caption
            shown = f"{esc(area)}: {esc(caption)}" if caption else esc(area)
            tiles.append(
                '\n        <li class="photo-tile">'
                f'\n          <a href="{_fill(routes["photo_detail"], pk)}">'
                f'\n            <img class="photo-thumb" src="{_fill(routes["photo_thumb"], pk)}" alt="{shown}"'
                ' loading="lazy">\n          </a>'
                f'\n          <span class="small">{esc(area)}{f" · {esc(caption)}" if caption else ""}</span>'
                f'\n          <a class="btn btn-sm btn-outline-danger" href="{_fill(routes["photo_delete"], pk)}">'
                f'Delete<span class="visually-hidden"> this photo of your {esc(area.lower())}</span></a>'
                "\n        </li>\n      "
            )
        grid = f'\n    <ul class="photo-grid list-unstyled">\n      {"".join(tiles)}\n    </ul>\n  '
    return mark_safe(  # noqa: S308 - every value is escaped, the parts given are HTML
        f'\n<section class="mb-4" id="photos" aria-labelledby="photos-title" tabindex="-1"{described}>'
        f'\n  <h2 class="h5" id="photos-title">Photos</h2>\n  {messages}\n  {grid}'
        f'\n  <form method="post" action="{_fill(routes["photo_add"], day)}#photos" enctype="multipart/form-data"'
        f" novalidate data-submit-once>\n    {csrf_input}\n    {errors}\n    {fields[0]}\n    {fields[1]}"
        f'\n    {fields[2]}\n    <button type="submit" class="btn btn-primary w-100">Add a photo</button>\n  </form>'
        f'\n  <p class="mt-2 small"><a href="{esc(nav["photos"])}">All your photos</a> · '
        f'<a href="{esc(nav["photo_compare"])}">Compare over time</a></p>\n</section>\n'
    )


def logged_section(*, entry: DayLog | None, day: datetime.date, routes: dict[str, str]) -> SafeString:
    """The "What you logged" section: the day's list (`entry_details`) and the link to delete the whole day, or
    "Nothing yet."."""
    if entry:
        empty = not entry.applications and not entry.reactions and entry.itch is None and not entry.notes
        listed = (
            f"\n    {entry_details(entry=entry, routes=routes)}"
            f"\n    {'<p>Nothing yet.</p>' if empty else ''}"
            f'\n    <p class="mt-3"><a class="btn btn-outline-danger" href="{_fill(routes["entry_delete"], day)}">'
            "Delete this whole day</a></p>\n  "
        )
    else:
        listed = "\n    <p>Nothing yet.</p>\n  "
    return mark_safe(  # noqa: S308 - the address is escaped, the list is entry_details' HTML
        '<section class="mb-4" id="logged" aria-labelledby="logged-title">'
        f'\n  <h2 class="h5" id="logged-title">What you logged</h2>\n  {listed}\n</section>'
    )
