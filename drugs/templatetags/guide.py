"""Template helpers for the public guide's medicine page: its lists, written in Python.

A medicine page is cached per reference version (drugs/views.py), so it is made afresh after every reference change,
for each medicine. Its loops (the summary, regimens, amount limits, side effects, warning signs with their sources,
the body-area table, the sources) were most of the template's work then: these filters write the same HTML,
character for character, each value escaped as the template escapes it, and the template keeps the page's outline
(docs/benchmark.md, "Seventh pass" and "Ninth pass: a medicine page's cold cost").
"""

import html

from django import template
from django.template.defaultfilters import floatformat
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe

from drugs.models import ANY_MEDICINE

register = template.Library()

# An urgency group's card: its border and its header's colours, by urgency code.
BORDERS = {"emergency": "border-danger", "today": "border-warning", "soon": "border-primary"}
HEADERS = {"emergency": " text-bg-danger", "today": " text-bg-warning"}


def _e(text) -> str:
    """The template's autoescape (`conditional_escape`), without its lazy-argument wrapper and a `SafeString` a call:
    these filters escape a few hundred values a page."""
    if isinstance(text, Promise):
        text = str(text)
    if hasattr(text, "__html__"):
        return text.__html__()
    return html.escape(str(text))


@register.filter
def source_list(sources) -> SafeString:
    """`{{ sources|source_list }}`: the sources under a rule, a regimen or the summary ("Source: ..." lines, each
    title a link when the source has an address)."""
    return mark_safe(_source_list(sources))  # noqa: S308 - every value is escaped


def _source_list(sources) -> str:
    if not sources:
        return "\n"
    items = "".join(f"\n      <li>Source: {_title(source)}</li>\n    " for source in sources)
    return f'\n  <ul class="list-unstyled small text-body-secondary mb-0">\n    {items}\n  </ul>\n\n'


def _title(source) -> str:
    title = _e(source.title)
    if source.url:
        return f'<a href="{_e(source.url)}" rel="noopener noreferrer">{title}</a>'
    return title


@register.filter
def source_items(sources) -> SafeString:
    """`{{ page.sources|source_items }}`: the medicine's sources, one list item each."""
    return mark_safe("".join(f"\n      <li>{_title(source)}</li>\n    " for source in sources))  # noqa: S308


@register.filter
def list_items(lines) -> SafeString:
    """`<ul>{{ drug.indication_list|list_items }}</ul>`: one `<li>` a line."""
    return mark_safe("".join(f"<li>{_e(line)}</li>" for line in lines))  # noqa: S308 - every line is escaped


@register.filter
def summary_parts(parts) -> SafeString:
    """`{{ drug.summary|summary_parts }}`: the plain-language summary, a heading and a paragraph a part."""
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            f'\n        <h3 class="h5 mt-3">{_e(heading)}</h3>\n        <p class="mb-0">{_e(text)}</p>\n      '
            for heading, text in parts
        )
    )


@register.filter
def regimen_cards(regimens) -> SafeString:
    """`{{ page.regimens|regimen_cards }}`: how often and for how long, a card a regimen, with its sources."""
    cards = []
    for regimen in regimens:
        title = regimen.indication or regimen.product
        heading = f'<h3 class="h6">{_e(title)}</h3>' if title else ""
        who = (
            f'<p class="mb-1"><span class="fw-semibold">Who:</span> {_e(regimen.population)}</p>'
            if regimen.population
            else ""
        )
        how_long = (
            f'<p class="mb-1"><span class="fw-semibold">How long:</span> {_e(regimen.duration_limits)}</p>'
            if regimen.duration_limits
            else ""
        )
        cards.append(
            '\n      <div class="card mb-2">\n        <div class="card-body">\n'
            f"          {heading}\n"
            f"          {who}\n"
            f'          <p class="mb-1"><span class="fw-semibold">How often:</span> {_e(regimen.frequency)}</p>\n'
            f"          {how_long}\n"
            f"          {_source_list(regimen.sources)}\n"
            "        </div>\n      </div>\n    "
        )
    return mark_safe("".join(cards))  # noqa: S308 - every value is escaped


@register.filter
def limit_alerts(limits) -> SafeString:
    """`{{ page.amount_limits|limit_alerts }}`: the most to use in any 7 days, with the advice and its sources."""
    return mark_safe(  # noqa: S308 - advice escaped; floatformat's numbers are safe
        "".join(
            '\n    <div class="alert alert-warning">\n'
            f'      <p class="mb-1"><strong>At most {floatformat(limit.max_grams_per_week, "-1")} g in any 7 days.'
            f"</strong> {_e(limit.advice)}</p>\n"
            f"      {_source_list(limit.sources)}\n"
            "    </div>\n  "
            for limit in limits
        )
    )


@register.filter
def side_effect_items(effects, glossary: str) -> SafeString:
    """`{{ page.side_effects|side_effect_items:glossary }}`: each side effect, linked to its entry in the glossary."""
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            f'\n        <li><a href="{_e(glossary)}#{_e(effect.symptom_code)}">{_e(effect.symptom_name)}</a>'
            f"{f': {_e(effect.note)}' if effect.note else ''}</li>\n      "
            for effect in effects
        )
    )


@register.filter
def urgency_cards(groups) -> SafeString:
    """`{{ urgency_groups|urgency_cards }}`: a card an urgency (most urgent first), what it means, and its rules."""
    cards = []
    for group in groups:
        code = group.urgency.code
        cards.append(
            f'\n    <div id="urgency-{_e(code)}" class="urgency-group card mb-3 border-2 '
            f'{BORDERS.get(code, "border-secondary")}">\n'
            f'      <div class="card-header{HEADERS.get(code, "")}">\n'
            f'        <h3 class="h6 mb-0">{_e(group.urgency.label)}</h3>\n'
            f'        <p class="small mb-0">{_e(group.urgency.meaning)}</p>\n'
            "      </div>\n"
            '      <ul class="list-group list-group-flush">\n'
            f"        {_sign_items(group.signs)}\n"
            "      </ul>\n    </div>\n  "
        )
    return mark_safe("".join(cards))  # noqa: S308 - every value is escaped


def _sign_items(signs) -> str:
    """An urgency group's rules, each with when it matches, whether it is for any medicine, its advice and its
    sources."""
    items = []
    for sign in signs:
        conditions = sign.conditions
        when = f" ({', '.join(_e(words) for words in conditions)})" if conditions else ""
        medicine = "" if sign.drug_id else f' <span class="badge text-bg-light border">{_e(ANY_MEDICINE)}</span>'
        items.append(
            '\n          <li class="list-group-item">\n'
            f'            <p class="mb-1"><span class="fw-semibold">{_e(sign.symptom_name)}</span>'
            f"{when}{medicine}</p>\n"
            f'            <p class="mb-1">{_e(sign.advice)}</p>\n'
            f"            {_source_list(sign.sources)}\n"
            "          </li>\n        "
        )
    return "".join(items)


@register.filter
def area_rows(areas) -> SafeString:
    """`{{ page.body_areas|area_rows }}`: the fingertip-unit table's rows, one a body area (FTU and grams)."""
    return mark_safe(  # noqa: S308 - names escaped; floatformat's numbers are safe
        "".join(
            f'\n          <tr><th scope="row" class="fw-normal">{_e(area.name)}</th>'
            f'<td class="text-end">{floatformat(area.adult_ftu, "-1")}</td>'
            f'<td class="text-end">{floatformat(area.adult_grams, "-2")} g</td></tr>\n        '
            for area in areas
        )
    )
