"""The admin timeline's repeated parts as HTML, written in Python.

A month of days, each with its flags, applications, reactions and photos, and the charts' table of numbers
cost more through the template engine (a node, a lookup and an escape per value) than all of the page's reads;
the markup is the same as the template's was. Every value is escaped as `format_html` escapes it
(`diary.widgets.escape`), in f-strings: `format_html`'s own checks and its lazy-argument wrapper per value were a
fifth of the page. Dates are written
with `strftime`, as the charts' labels are: English names, as Django's `date` filter prints them with USE_I18N off.
"""

from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from diary.admin_rows import pk_url_maker
from diary.admin_selectors import Timeline, TimelineDay
from diary.widgets import escape

NONE = "\u2013"  # an en dash, as the template printed


def days_html(*, timeline: Timeline, shows_photos: bool) -> list[SafeString]:
    """Each day with an entry or a flag, newest first, as its `<article>`."""
    flag_url = pk_url_maker("admin:diary_flag_change")
    return [_day(day, shows_photos, flag_url) for day in timeline.days_with_content]


def table_rows_html(*, timeline: Timeline, severities: list[list[int | None]]) -> SafeString:
    """The charts' numbers: a row per day (date, itch, adherence, then each symptom's highest severity)."""
    rows = []
    for day, values in zip(timeline.days, severities, strict=True):
        itch = _or_none(day.entry.itch) if day.entry else ""  # no entry: an empty cell, as before
        adherence = NONE if day.adherence is None else f"{day.adherence} %"
        peaks = "".join(f"<td>{escape(_or_none(value))}</td>" for value in values)
        rows.append(
            f'<tr><th scope="row">{day.date:%a %d %b %Y}</th><td>{escape(itch)}</td><td>{escape(adherence)}</td>'
            f"{peaks}</tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - numbers, dates and escaped text


def _or_none(value) -> str:
    return NONE if value is None else str(value)


def _day(day: TimelineDay, shows_photos: bool, flag_url) -> SafeString:
    parts = [f"<h3>{day.date:%A %d %B %Y}</h3>"]
    parts.extend(
        f'<p class="timeline-flag"><span class="badge urgency-{escape(flag.urgency)}">'
        f'{escape(flag.get_urgency_display())}</span>\n  <a href="{escape(flag_url(flag.pk))}">'
        f"{escape(flag.rule_text)}</a>"
        f" ({escape(flag.STATUS_LABELS.get(flag.status, flag.status))})</p>"
        for flag in day.flags
    )
    if day.entry:
        parts.append(_entry(day))
    else:
        parts.append("<p>No diary entry that day.</p>")
    if shows_photos and day.photos:
        parts.append(_photos(day))
    body = "\n".join(parts)
    return mark_safe(f'<article class="timeline-day" id="day-{day.date:%Y-%m-%d}">\n{body}\n</article>')  # noqa: S308


def _entry(day: TimelineDay) -> str:
    """The entry's figures, applications, reactions and notes; every value escaped."""
    entry = day.entry
    figures = [f"Peak itch: {escape(entry.itch)} / 10" if entry.itch is not None else "Peak itch: not scored"]
    if entry.sleep_loss is not None:
        figures.append(f"Sleep loss: {escape(entry.sleep_loss)} / 10")
    if day.adherence is not None:
        figures.append(f"Adherence: {escape(day.adherence)} %")
    parts = [f"<p>{' · '.join(figures)}</p>"]
    if day.applications:
        rows = "\n".join(
            f"<tr><td>{escape(line.time)}</td><td>{escape(line.medicine)}</td><td>{escape(line.areas)}</td>"
            f"<td>{escape(line.amount)}</td></tr>"
            for line in day.applications
        )
        parts.append(
            '<table class="timeline-applications">\n<caption>Applications</caption>\n'
            '<thead><tr><th scope="col">Time</th><th scope="col">Medicine</th><th scope="col">Areas</th>'
            f'<th scope="col">Amount</th></tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>'
        )
    if day.reactions:
        items = "\n".join(
            f'<li><span class="badge severity-{escape(line.severity)}">{escape(line.severity_label)}</span> '
            f"{escape(line.symptom)}{f' ({escape(line.body_area)})' if line.body_area else ''}</li>"
            for line in day.reactions
        )
        parts.append(f'<ul class="timeline-reactions" aria-label="Reactions">\n{items}\n</ul>')
    if entry.notes:
        parts.append(f'<blockquote class="timeline-notes">{linebreaksbr(entry.notes)}</blockquote>')
    return "\n".join(parts)


def _photos(day: TimelineDay) -> SafeString:
    items = format_html_join(
        "\n",
        '<li><a href="{}"><img src="{}" alt="{} on {}" width="120" loading="lazy"></a>\n  <span>{}{}</span></li>',
        (
            (
                reverse("admin:diary_photo_change", args=[photo.pk]),
                reverse("diary:photo-file", args=[photo.pk, "thumb"]),
                photo.body_area.name,
                date_format(photo.taken_on),
                photo.body_area.name,
                format_html(": {}", photo.caption) if photo.caption else "",
            )
            for photo in day.photos
        ),
    )
    return format_html('<ul class="timeline-photos" aria-label="Photos">\n{}\n</ul>', items)
