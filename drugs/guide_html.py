"""A medicine's guide page, written in Python.

The page is made from the reference alone and cached per reference version (drugs/views.py), so it is made afresh
for each medicine after every reference change, and each of those misses paid for a template node a value: once its
reads were prepared, most of a miss's time went on the template. `medicine_page` writes the HTML the template
`drugs/_drug_detail.html` wrote until then, character for character (compared on every medicine, with each optional
part empty or hostile in turn, when it was written: docs/benchmark.md, "Ninth pass"), each value escaped as the
template's autoescape escapes it (`markup.escape`, as `_e`), each filter's output as the filter made it
(`capfirst`, `join`, `urlencode`; `number` for `floatformat`). The page's outline reads top to bottom in
`medicine_page`, each part written by a function below it.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.template.defaultfilters import urlencode
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

from drugs.models import ANY_MEDICINE
from drugs.selectors import (
    GuideAmountLimit,
    GuideArea,
    GuidePage,
    GuideRegimen,
    GuideSideEffect,
    GuideSign,
    SourceLine,
    UrgencyGroup,
)
from markup import escape as _e

# An urgency group's card: its border and its header's colours, by urgency code.
BORDERS = {"emergency": "border-danger", "today": "border-warning", "soon": "border-primary"}
HEADERS = {"emergency": " text-bg-danger", "today": " text-bg-warning"}

_START = "Start this medicine in my diary"
_BOXED = (
    '<aside class="boxed-warning border border-3 border-dark rounded p-3 mb-3" aria-labelledby="boxed-warning-title">'
)
_FTU = (
    "<p>One fingertip unit (FTU) is a line squeezed from the tube along an adult index finger, from the tip to the "
    "first\n    crease: about 0.5 g, enough for skin twice the size of a flat adult hand. Amounts for one application "
    "on an adult:</p>"
)
_FTU_HEAD = (
    '<thead><tr><th scope="col">Body area</th><th scope="col" class="text-end">FTU</th>'
    '<th scope="col" class="text-end">Grams</th></tr></thead>'
)
_POPULATIONS = '<section id="special-populations" aria-labelledby="special-populations-title" class="mb-4">'


def number(value: Decimal, places: int) -> str:
    """`value|floatformat:"-places"` for the guide's amounts (positive, at most `places` decimals, no thousands
    separator in this project's locale): whole numbers without decimals, others with exactly `places`. The filter
    took a fifth of a page's time for its two dozen numbers (tests/drugs/test_guide_html.py compares the two on
    every value a body area's and an amount limit's fields can hold)."""
    if value == value.to_integral_value():
        return str(int(value))
    return str(value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))


def medicine_page(page: GuidePage) -> SafeString:
    """The body of one medicine's guide page: what it is, in short, in detail, its warning signs and sources."""
    drug = page.drug
    titles = _titles(page)
    # The same for every visitor (the page is cached): "Start this medicine" asks a visitor to log in first.
    return mark_safe(  # noqa: S308 - every value is escaped
        f"""
<nav aria-label="Breadcrumb"><a href="{_e(reverse("drugs:drug-list"))}">Medicine guide</a></nav>
<h1 class="h3 mt-2">{_e(capfirst(drug.generic_name))}</h1>
{_names("Brands", drug.brand_name_list)}
{_names("Also called", drug.other_name_list)}
<p class="text-body-secondary">{_e(drug.drug_class)}</p>

<p><a class="btn btn-outline-primary" href="{_e(reverse("diary:treatment-add"))}?drug={_e(urlencode(drug.slug))}">\
{_START}</a></p>

{_summary(page, titles)}

{_boxed_warning(drug.boxed_warning)}

<nav aria-label="On this page" class="mb-3">
  <ul class="list-inline small mb-0">
    <li class="list-inline-item"><a href="#uses">Uses</a></li>
    <li class="list-inline-item"><a href="#how-to-apply">How to apply</a></li>
    <li class="list-inline-item"><a href="#side-effects">Common side effects</a></li>
    <li class="list-inline-item"><a href="#warning-signs">Warning signs</a></li>
    <li class="list-inline-item"><a href="#storage">Storage</a></li>
    <li class="list-inline-item"><a href="#sources">Sources</a></li>
  </ul>
</nav>

<section id="uses" aria-labelledby="uses-title" class="mb-4">
  <h2 class="h5" id="uses-title">Uses and how it works</h2>
  {_list("ul", drug.indication_list)}
  {f"<p>How it works: {_e(drug.mechanism)}</p>" if drug.mechanism else ""}
  {_strengths(drug.strength_list)}
</section>

{_regimens(page.regimens, titles)}

<section id="how-to-apply" aria-labelledby="how-to-apply-title" class="mb-4">
  <h2 class="h5" id="how-to-apply-title">How to apply</h2>
  {_list("ol", drug.how_to_apply_steps)}
  <h3 class="h6">How much: fingertip units</h3>
  {_FTU}
  <div class="table-responsive">
    <table class="table table-sm">
      <caption class="visually-hidden">Fingertip units and grams per body area, one application, adult</caption>
      {_FTU_HEAD}
      <tbody>
        {_area_rows(page.body_areas)}
      </tbody>
    </table>
  </div>
  <p class="small">Children need less: ask your clinician or pharmacist how much.</p>
  {_limit_alerts(page.amount_limits, titles)}
</section>

<section id="side-effects" aria-labelledby="side-effects-title" class="mb-4">
  <h2 class="h5" id="side-effects-title">Common side effects</h2>
  {_side_effects(page.side_effects)}
</section>

<section id="warning-signs" aria-labelledby="warning-signs-title" class="mb-4">
  <h2 class="h5" id="warning-signs-title">Warning signs: when to contact someone</h2>
  <p>Your diary checks each entry against these signs and tells you at once. Most urgent first.</p>
  {_urgency_cards(page.urgency_groups, titles)}
</section>

{_storage(drug.storage)}

{_populations(drug)}

{_interactions(drug.interaction_list)}

<section id="sources" aria-labelledby="sources-title" class="mb-4">
  <h2 class="h5" id="sources-title">Sources</h2>
  <p class="small">Written in our own words from these labels and leaflets; reviewed by clinicians.</p>
  <ul class="small">
    {_source_items(page.sources, titles)}
  </ul>
</section>
"""
    )


def _names(label: str, names: list[str]) -> str:
    return f'<p class="mb-1">{label}: {", ".join(_e(name) for name in names)}</p>' if names else ""


def _strengths(strengths: list[str]) -> str:
    return f'<p class="mb-0">Strengths: {"; ".join(_e(s) for s in strengths)}</p>' if strengths else ""


def _list(tag: str, lines: list[str]) -> str:
    """Lines of a list-like field as a bulleted (`ul`) or numbered (`ol`) list; nothing if there are none."""
    if not lines:
        return ""
    items = "".join(f"<li>{_e(line)}</li>" for line in lines)
    return f"\n    <{tag}>{items}</{tag}>\n  "


def _summary(page: GuidePage, titles: dict[SourceLine, str]) -> str:
    """The plain-language summary the page opens with, and its sources."""
    parts = page.drug.summary
    if not parts:
        return ""
    headed = "".join(
        f'\n        <h3 class="h5 mt-3">{_e(heading)}</h3>\n        <p class="mb-0">{_e(text)}</p>\n      '
        for heading, text in parts
    )
    sources = (
        f'\n        <div class="mt-3">{_source_list(page.summary_sources, titles)}</div>\n      '
        if page.summary_sources
        else ""
    )
    return f"""
  <section id="summary" aria-labelledby="summary-title" class="drug-summary card mb-4">
    <div class="card-body">
      <h2 class="h4" id="summary-title">In short</h2>
      {headed}
      <p class="mt-2 mb-0"><a href="#warning-signs">The full list of signs, most urgent first</a></p>
      {sources}
    </div>
  </section>
  <h2 class="h4" id="details-title">In detail</h2>
  <p class="small">What the medicine's label and leaflets say, for those who want all of it.</p>
"""


def _boxed_warning(text: str) -> str:
    if not text:
        return ""
    return f"""
  {_BOXED}
    <h2 class="h6 fw-bold text-uppercase" id="boxed-warning-title">Boxed warning</h2>
    <p class="mb-0">{_e(text)}</p>
  </aside>
"""


def _titles(page: GuidePage) -> dict[SourceLine, str]:
    """Each source's title as the page shows it (a link when it has an address), written once a page: a page cites a
    score of sources seventy times."""
    cited = [page.sources, page.summary_sources]
    cited += [regimen.sources for regimen in page.regimens]
    cited += [limit.sources for limit in page.amount_limits]
    cited += [sign.sources for group in page.urgency_groups for sign in group.signs]
    return {source: _title(source) for sources in cited for source in sources}


def _source_list(sources: list[SourceLine], titles: dict[SourceLine, str]) -> str:
    """The sources under a rule, a regimen or the summary ("Source: ..." lines, each title a link when the source has
    an address)."""
    if not sources:
        return "\n"
    items = "".join(f"\n      <li>Source: {titles[source]}</li>\n    " for source in sources)
    return f'\n  <ul class="list-unstyled small text-body-secondary mb-0">\n    {items}\n  </ul>\n\n'


def _title(source: SourceLine) -> str:
    title = _e(source.title)
    if source.url:
        return f'<a href="{_e(source.url)}" rel="noopener noreferrer">{title}</a>'
    return title


def _source_items(sources: list[SourceLine], titles: dict[SourceLine, str]) -> str:
    """The medicine's sources, one list item each."""
    if not sources:
        return "\n      <li>None listed.</li>\n    "
    return "".join(f"\n      <li>{titles[source]}</li>\n    " for source in sources)


def _regimens(regimens: list[GuideRegimen], titles: dict[SourceLine, str]) -> str:
    """How often and for how long: a card a regimen, with its sources."""
    if not regimens:
        return ""
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
            f"""
      <div class="card mb-2">
        <div class="card-body">
          {heading}
          {who}
          <p class="mb-1"><span class="fw-semibold">How often:</span> {_e(regimen.frequency)}</p>
          {how_long}
          {_source_list(regimen.sources, titles)}
        </div>
      </div>
    """
        )
    return f"""
  <section id="regimens" aria-labelledby="regimens-title" class="mb-4">
    <h2 class="h5" id="regimens-title">How often and for how long</h2>
    {"".join(cards)}
    <p class="small">Always follow the plan your clinician gave you.</p>
  </section>
"""


def _area_rows(areas: list[GuideArea]) -> str:
    """The fingertip-unit table's rows, one a body area (FTU and grams)."""
    return "".join(
        f'\n          <tr><th scope="row" class="fw-normal">{_e(area.name)}</th>'
        f'<td class="text-end">{number(area.adult_ftu, 1)}</td>'
        f'<td class="text-end">{number(area.adult_grams, 2)} g</td></tr>\n        '
        for area in areas
    )


def _limit_alerts(limits: list[GuideAmountLimit], titles: dict[SourceLine, str]) -> str:
    """The most to use in any 7 days, with the advice and its sources."""
    return "".join(
        '\n    <div class="alert alert-warning">\n'
        f'      <p class="mb-1"><strong>At most {number(limit.max_grams_per_week, 1)} g in any 7 days.'
        f"</strong> {_e(limit.advice)}</p>\n"
        f"      {_source_list(limit.sources, titles)}\n"
        "    </div>\n  "
        for limit in limits
    )


def _side_effects(effects: list[GuideSideEffect]) -> str:
    """Each common side effect, linked to its entry in the symptom glossary."""
    if not effects:
        return "\n    <p>None listed.</p>\n  "
    glossary = _e(reverse("drugs:symptom-list"))
    items = "".join(
        f'\n        <li><a href="{glossary}#{_e(effect.symptom_code)}">{_e(effect.symptom_name)}</a>'
        f"{f': {_e(effect.note)}' if effect.note else ''}</li>\n      "
        for effect in effects
    )
    return f"\n    <ul>\n      {items}\n    </ul>\n  "


def _urgency_cards(groups: list[UrgencyGroup], titles: dict[SourceLine, str]) -> str:
    """A card an urgency (most urgent first): what it means, and its rules."""
    if not groups:
        return "\n    <p>No warning signs are listed.</p>\n  "
    cards = []
    for group in groups:
        code = group.urgency.code
        cards.append(
            f"""
    <div id="urgency-{_e(code)}" class="urgency-group card mb-3 border-2 {BORDERS.get(code, "border-secondary")}">
      <div class="card-header{HEADERS.get(code, "")}">
        <h3 class="h6 mb-0">{_e(group.urgency.label)}</h3>
        <p class="small mb-0">{_e(group.urgency.meaning)}</p>
      </div>
      <ul class="list-group list-group-flush">
        {_sign_items(group.signs, titles)}
      </ul>
    </div>
  """
        )
    return "".join(cards)


def _sign_items(signs: list[GuideSign], titles: dict[SourceLine, str]) -> str:
    """An urgency's rules, each with when it matches, whether it is for any medicine, its advice and its sources."""
    items = []
    for sign in signs:
        conditions = sign.conditions
        when = f" ({', '.join(_e(words) for words in conditions)})" if conditions else ""
        medicine = "" if sign.drug_id else f' <span class="badge text-bg-light border">{_e(ANY_MEDICINE)}</span>'
        items.append(
            f"""
          <li class="list-group-item">
            <p class="mb-1"><span class="fw-semibold">{_e(sign.symptom_name)}</span>{when}{medicine}</p>
            <p class="mb-1">{_e(sign.advice)}</p>
            {_source_list(sign.sources, titles)}
          </li>
        """
        )
    return "".join(items)


def _storage(text: str) -> str:
    if not text:
        return ""
    return f"""
  <section id="storage" aria-labelledby="storage-title" class="mb-4">
    <h2 class="h5" id="storage-title">Storage</h2>
    <p>{_e(text)}</p>
  </section>
"""


def _populations(drug) -> str:
    """Children, pregnancy, breastfeeding and other groups: a definition each that the medicine's record fills in."""
    groups = [
        ("Children", drug.children),
        ("Pregnancy", drug.pregnancy),
        ("Breastfeeding", drug.breastfeeding),
        ("Other groups", drug.other_populations),
    ]
    if not any(text for _label, text in groups):
        return ""
    terms = [f"<dt>{label}</dt><dd>{_e(text)}</dd>" if text else "" for label, text in groups]
    return f"""
  {_POPULATIONS}
    <h2 class="h5" id="special-populations-title">Children, pregnancy and other groups</h2>
    <dl>
      {terms[0]}
      {terms[1]}
      {terms[2]}
      {terms[3]}
    </dl>
  </section>
"""


def _interactions(lines: list[str]) -> str:
    if not lines:
        return ""
    items = "".join(f"<li>{_e(line)}</li>" for line in lines)
    return f"""
  <section id="interactions" aria-labelledby="interactions-title" class="mb-4">
    <h2 class="h5" id="interactions-title">Other medicines, alcohol and sunlight</h2>
    <ul>{items}</ul>
  </section>
"""
