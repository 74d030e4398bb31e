"""The project's admin site: Django's, with what every registered admin shares (ours and third-party ones).

- An action posted with a selection that is not a list of ids (a garbled or forged form: `_selected_action=abc`)
  gets a message on the list instead of Django's ValueError, a server error.
- A list's row checkbox is the same HTML as Django's, written with one `format_html` instead of a checkbox
  widget rendered through the form templates for every row (a fifth of the flag queue's time), without
  `format_html`'s checks.
- The app list (every page's sidebar and the index) is Django's, kept per distinct set of permissions
  (diary.admin_nav).
- A staff member's permissions are read in one prepared statement when they open an admin page
  (accounts.permissions), where Django's ModelBackend would build two queries on the page's first permission check.
- A page's form media (`{{ media }}`, `{{ media.js }}`, `{{ media.css }}` in Django's list and form templates) is
  rendered once per process for the same lists of files (`KeptMedia`): Django merges the lists (a topological sort)
  and looks up each file's static address on every page.
- A list's action menu is Django's `ActionForm` with its `<select>` written in Python (diary.widgets.Select, the
  same HTML) instead of a template per `<option>`.
"""

import functools
import html

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

from accounts.permissions import read_permissions
from diary import admin_nav
from diary.forms import BIGGEST_ID
from diary.widgets import HiddenInput, Select
from markup import safe

SELECTION_INVALID = "That is not a valid selection. Tick the rows again."


def selection_is_valid(model_admin: admin.ModelAdmin, selected: list[str]) -> bool:
    """Every ticked value is a primary key this model could have (an integer id within 64 bits)."""
    pk_field = model_admin.model._meta.pk
    try:
        values = [pk_field.to_python(value) for value in selected]
    except (ValidationError, TypeError, ValueError):
        return False
    return all(not isinstance(value, int) or abs(value) <= BIGGEST_ID for value in values)


def action_checkbox(obj) -> str:
    """What ModelAdmin.action_checkbox renders, attribute for attribute (the label's wording is Django's, translated,
    and not escaped, as `format_html` leaves its format string; the values in it are escaped)."""
    label = _("Select this object for an action - {}").format(html.escape(str(obj)))  # as Django's escape()
    return safe(  # the values are escaped, the rest is Django's markup
        f'<input type="checkbox" name="{helpers.ACTION_CHECKBOX_NAME}" value="{html.escape(str(obj.pk))}" '
        f'class="action-select" aria-label="{label}">'
    )


class ActionForm(helpers.ActionForm):
    """Django's action menu, its `<select>` written without a template per option, its hidden field without
    templates."""

    action = forms.ChoiceField(label=helpers.ActionForm.base_fields["action"].label, widget=Select)
    select_across = forms.BooleanField(
        label=helpers.ActionForm.base_fields["select_across"].label,
        required=False,
        initial=helpers.ActionForm.base_fields["select_across"].initial,
        widget=HiddenInput(helpers.ActionForm.base_fields["select_across"].widget.attrs),
    )


class ProjectAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        super().register(model_or_iterable, admin_class, **options)
        for model_admin in self._registry.values():
            model_admin.action_checkbox = action_checkbox
            if model_admin.action_form is helpers.ActionForm:  # an admin's own form is left as it is
                model_admin.action_form = ActionForm

    def admin_view(self, view, cacheable=False):
        model_admin = getattr(view, "__self__", None)
        if isinstance(model_admin, admin.ModelAdmin) and view.__name__ == "changelist_view":
            view = _guarded_changelist(view, model_admin)
        return super().admin_view(_media_kept(view), cacheable)

    def has_permission(self, request):
        """Django's answer; for an admin page's user, their permissions read before the page asks
        (accounts.permissions)."""
        allowed = super().has_permission(request)
        if allowed:
            read_permissions(request.user)
        return allowed

    def get_app_list(self, request, app_label=None):
        """Django's app list, built once per distinct set of permissions (diary.admin_nav.app_list)."""
        return admin_nav.app_list(
            site=self,
            request=request,
            app_label=app_label,
            build=lambda: super(ProjectAdminSite, self).get_app_list(request, app_label),
        )


def _guarded_changelist(view, model_admin):
    def changelist_view(request, *args, **kwargs):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME) if request.method == "POST" else []
        if selected and not selection_is_valid(model_admin, selected):
            model_admin.message_user(request, SELECTION_INVALID, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return view(request, *args, **kwargs)

    return changelist_view


# Rendered media per process: (static files' address and storage, the js lists, the css lists, the kind) -> HTML.
_rendered_media: dict[tuple, str] = {}
MEDIA_MOST_KEPT = 256


class KeptMedia(forms.Media):
    """Django's `Media` with the same lists, its HTML (and each kind's, `media.js`, `media.css`) rendered once per
    process for the same lists of plain file names and the same static files' storage. Lists holding anything else
    (a `Script` with attributes, a lazy string) render each time, as Django's."""

    kind = None  # "js" or "css" for `media.js` / `media.css`: only that kind is rendered

    @classmethod
    def of(cls, media: forms.Media, kind: str | None = None) -> "KeptMedia":
        kept = cls()
        kept._css_lists, kept._js_lists, kept.kind = media._css_lists, media._js_lists, kind
        return kept

    def __getitem__(self, name):
        if name not in forms.widgets.MEDIA_TYPES:
            return super().__getitem__(name)  # Django's KeyError
        return KeptMedia.of(self, kind=name)

    def render(self):
        key = self._key()
        if key is None:
            return self._djangos()
        rendered = _rendered_media.get(key)
        if rendered is None:
            rendered = self._djangos()
            if len(_rendered_media) >= MEDIA_MOST_KEPT:
                _rendered_media.clear()
            _rendered_media[key] = rendered
        return rendered

    def _djangos(self):
        media = forms.Media()
        media._css_lists, media._js_lists = self._css_lists, self._js_lists
        return (media[self.kind] if self.kind else media).render()

    def _key(self) -> tuple | None:
        js = tuple(tuple(files) for files in self._js_lists)
        css = tuple(tuple((medium, tuple(files)) for medium, files in lists.items()) for lists in self._css_lists)
        names = [name for files in js for name in files] + [n for lists in css for _, files in lists for n in files]
        if not all(type(name) is str for name in names):  # a Script equals its path: never cached
            return None
        return (settings.STATIC_URL, repr(settings.STORAGES.get("staticfiles")), js, css, self.kind)


def _media_kept(view):
    """The view, its template response's `media` kept (KeptMedia) before the page is rendered."""

    @functools.wraps(view)
    def with_media_kept(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        context = getattr(response, "context_data", None)
        if isinstance(context, dict) and type(context.get("media")) is forms.Media:
            context["media"] = KeptMedia.of(context["media"])
        return response

    return with_media_kept
