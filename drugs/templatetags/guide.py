"""Template helpers for the public guide's pages."""

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def source_list(sources) -> SafeString:
    """`{{ sources|source_list }}`: the sources under a rule, a regimen or the summary ("Source: ..." lines, each
    title a link when the source has an address). Written in Python: a medicine page shows one list per rule, and as
    an included template they were a quarter of the page's rendering when the page is made afresh (docs/benchmark.md,
    "Seventh pass")."""
    if not sources:
        return mark_safe("\n")
    items = "".join(f"\n      <li>Source: {_title(source)}</li>\n    " for source in sources)
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'\n  <ul class="list-unstyled small text-body-secondary mb-0">\n    {items}\n  </ul>\n\n'
    )


def _title(source) -> str:
    if source.url:
        return f'<a href="{escape(source.url)}" rel="noopener noreferrer">{escape(source.title)}</a>'
    return escape(source.title)
