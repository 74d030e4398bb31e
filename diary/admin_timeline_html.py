"""The admin timeline's repeated parts as HTML, built with `format_html` in Python.

A month of days, each with its flags, applications, reactions and photos, and the charts' table of numbers
cost more through the template engine (a node, a lookup and an escape per value) than all of the page's reads;
the markup is the same as the template's was, and every value is escaped by `format_html`. Dates are written
with `strftime`, as the charts' labels are: English names, as Django's `date` filter prints them with USE_I18N off.
"""

from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from diary.admin_selectors import Timeline, TimelineDay

NONE = "\u2013"  # an en dash, as the template printed


def days_html(*, timeline: Timeline, shows_photos: bool) -> list[SafeString]:
    """Each day with an entry or a flag, newest first, as its `<article>`."""
    return [_day(day, shows_photos) for day in timeline.days_with_content]


def table_rows_html(*, timeline: Timeline, severities: list[list[int | None]]) -> SafeString:
    """The charts' numbers: a row per day (date, itch, adherence, then each symptom's highest severity)."""
    return format_html_join(
        "\n",
        '<tr><th scope="row">{}</th><td>{}</td><td>{}</td>{}</tr>',
        (
            (
                f"{day.date:%a %d %b %Y}",
                _or_none(day.entry.itch) if day.entry else "",  # no entry: an empty cell, as before
                NONE if day.adherence is None else f"{day.adherence} %",
                format_html_join("", "<td>{}</td>", ((_or_none(value),) for value in values)),
            )
            for day, values in zip(timeline.days, severities, strict=True)
        ),
    )


def _or_none(value) -> str:
    return NONE if value is None else str(value)


def _day(day: TimelineDay, shows_photos: bool) -> SafeString:
    parts = [format_html("<h3>{}</h3>", f"{day.date:%A %d %B %Y}")]
    parts.extend(
        format_html(
            '<p class="timeline-flag"><span class="badge urgency-{}">{}</span>\n  <a href="{}">{}</a> ({})</p>',
            flag.urgency,
            flag.get_urgency_display(),
            reverse("admin:diary_flag_change", args=[flag.pk]),
            flag.rule_text,
            flag.get_status_display(),
        )
        for flag in day.flags
    )
    if day.entry:
        parts.append(_entry(day))
    else:
        parts.append(mark_safe("<p>No diary entry that day.</p>"))
    if shows_photos and day.photos:
        parts.append(_photos(day))
    return format_html(
        '<article class="timeline-day" id="day-{}">\n{}\n</article>',
        f"{day.date:%Y-%m-%d}",
        mark_safe("\n".join(parts)),  # noqa: S308 - every part was built with format_html
    )


def _entry(day: TimelineDay) -> SafeString:
    entry = day.entry
    figures = [format_html("Peak itch: {} / 10", entry.itch) if entry.itch is not None else "Peak itch: not scored"]
    if entry.sleep_loss is not None:
        figures.append(format_html("Sleep loss: {} / 10", entry.sleep_loss))
    if day.adherence is not None:
        figures.append(format_html("Adherence: {} %", day.adherence))
    parts = [format_html("<p>{}</p>", mark_safe(" · ".join(figures)))]  # noqa: S308 - built with format_html
    if day.applications:
        rows = format_html_join(
            "\n",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((line.time, line.medicine, line.areas, line.amount) for line in day.applications),
        )
        parts.append(
            format_html(
                '<table class="timeline-applications">\n<caption>Applications</caption>\n'
                '<thead><tr><th scope="col">Time</th><th scope="col">Medicine</th><th scope="col">Areas</th>'
                '<th scope="col">Amount</th></tr></thead>\n<tbody>\n{}\n</tbody>\n</table>',
                rows,
            )
        )
    if day.reactions:
        items = format_html_join(
            "\n",
            '<li><span class="badge severity-{}">{}</span> {}{}</li>',
            (
                (
                    line.severity,
                    line.severity_label,
                    line.symptom,
                    format_html(" ({})", line.body_area) if line.body_area else "",
                )
                for line in day.reactions
            ),
        )
        parts.append(format_html('<ul class="timeline-reactions" aria-label="Reactions">\n{}\n</ul>', items))
    if entry.notes:
        parts.append(format_html('<blockquote class="timeline-notes">{}</blockquote>', linebreaksbr(entry.notes)))
    return mark_safe("\n".join(parts))  # noqa: S308 - every part was built with format_html


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
