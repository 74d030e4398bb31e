"""The project's admin site: Django's, with one guard every registered admin shares (ours and third-party ones).

An action posted with a selection that is not a list of ids (a garbled or forged form: `_selected_action=abc`)
gets a message on the list instead of Django's ValueError, a server error.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from diary.forms import BIGGEST_ID

SELECTION_INVALID = "That is not a valid selection. Tick the rows again."


def selection_is_valid(model_admin: admin.ModelAdmin, selected: list[str]) -> bool:
    """Every ticked value is a primary key this model could have (an integer id within 64 bits)."""
    pk_field = model_admin.model._meta.pk
    try:
        values = [pk_field.to_python(value) for value in selected]
    except (ValidationError, TypeError, ValueError):
        return False
    return all(not isinstance(value, int) or abs(value) <= BIGGEST_ID for value in values)


class ProjectAdminSite(admin.AdminSite):
    def admin_view(self, view, cacheable=False):
        model_admin = getattr(view, "__self__", None)
        if isinstance(model_admin, admin.ModelAdmin) and view.__name__ == "changelist_view":
            view = _guarded_changelist(view, model_admin)
        return super().admin_view(view, cacheable)


def _guarded_changelist(view, model_admin):
    def changelist_view(request, *args, **kwargs):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME) if request.method == "POST" else []
        if selected and not selection_is_valid(model_admin, selected):
            model_admin.message_user(request, SELECTION_INVALID, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return view(request, *args, **kwargs)

    return changelist_view
