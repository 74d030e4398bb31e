from django import template
from django.utils.html import format_html

from diary.idempotency import FIELD, new_key

register = template.Library()


@register.simple_tag
def idempotency_field(posted: str = ""):
    """A hidden field with a fresh key (or the one posted, when a form comes back with errors)."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, posted or new_key())
