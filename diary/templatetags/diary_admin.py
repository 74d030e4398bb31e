"""Template tags for the clinician admin's own pages."""

from django import template

from diary import admin_selectors

register = template.Library()


@register.simple_tag
def open_flag_counts(user) -> list[admin_selectors.UrgencyCount]:
    """The flags waiting for this user (all of them for a superuser), per urgency, emergency first."""
    if not user.is_authenticated or not user.has_perm("diary.view_flag"):
        return []
    return admin_selectors.active_flag_counts(user=user)
