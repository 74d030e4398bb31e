"""Template helpers for the public guide's medicine page: its longest lists, written in Python.

A medicine page is cached per reference version (drugs/views.py), so it is made afresh after every reference change,
for each medicine. Its rules (each with its sources) and its table of body areas were most of the template's work
then: these filters write the same HTML, character for character, each value escaped as the template escapes it
(docs/benchmark.md, "Seventh pass").
"""

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def source_list(sources) -> SafeString:
    """`{{ sources|source_list }}`: the sources under a rule, a regimen or the summary ("Source: ..." lines, each
    title a link when the source has an address)."""
    if not sources:
        return mark_safe("\n")
    items = "".join(f"\n      <li>Source: {_title(source)}</li>\n    " for source in sources)
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'\n  <ul class="list-unstyled small text-body-secondary mb-0">\n    {items}\n  </ul>\n\n'
    )


def _title(source) -> str:
    title = conditional_escape(source.title)
    if source.url:
        return f'<a href="{conditional_escape(source.url)}" rel="noopener noreferrer">{title}</a>'
    return title


@register.filter
def sign_items(rows) -> SafeString:
    """`{{ group.rows|sign_items }}`: an urgency group's rules, each with when it matches, whether it is for any
    medicine, its advice and its sources."""
    items = []
    for sign, sources in rows:
        conditions = sign.conditions
        when = f" ({', '.join(conditional_escape(words) for words in conditions)})" if conditions else ""
        medicine = (
            ""
            if sign.drug_id
            else f' <span class="badge text-bg-light border">{conditional_escape(sign.medicine)}</span>'
        )
        items.append(
            '\n          <li class="list-group-item">\n'
            f'            <p class="mb-1"><span class="fw-semibold">{conditional_escape(sign.symptom.name)}</span>'
            f"{when}{medicine}</p>\n"
            f'            <p class="mb-1">{conditional_escape(sign.advice)}</p>\n'
            f"            {source_list(sources)}\n"
            "          </li>\n        "
        )
    return mark_safe("".join(items))  # noqa: S308 - every value above is escaped


@register.filter
def area_rows(areas) -> SafeString:
    """`{{ page.body_areas|area_rows }}`: the fingertip-unit table's rows, one a body area (FTU and grams)."""
    return mark_safe(  # noqa: S308 - names escaped; floatformat's numbers are safe
        "".join(
            f'\n          <tr><th scope="row" class="fw-normal">{conditional_escape(area.name)}</th>'
            f'<td class="text-end">{floatformat(area.adult_ftu, "-1")}</td>'
            f'<td class="text-end">{floatformat(area.adult_grams, "-2")} g</td></tr>\n        '
            for area in areas
        )
    )
