"""What the pages written in Python share with the templates they replace: the template's autoescape.

A package below every app, as `prepared` is (it imports none of ours): the day page, History, the admin's rows and
the timeline (diary) and a medicine's guide page (drugs) write HTML in Python on their hot paths and escape each
value with `escape`, so that their output is character for character the template's.
"""

import html

from django.utils.functional import Promise
from django.utils.safestring import SafeString


def escape(text) -> str:
    """Django's `conditional_escape` (the template's autoescape), without its lazy-argument wrapper and `SafeString`
    per call: a page escapes a few hundred values."""
    if isinstance(text, Promise):
        text = str(text)
    if hasattr(text, "__html__"):
        return text.__html__()
    return html.escape(str(text))


def safe(text: str) -> SafeString:
    """`mark_safe` of a string whose values are escaped already, without its lazy-argument wrapper (an admin list marks
    a few hundred a page)."""
    return SafeString(text)
