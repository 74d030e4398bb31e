"""The admin's navigation: the app list, built once per distinct set of permissions, and the sidebar, rendered once
per distinct content; both kept per process.

The app list (`AdminSite.get_app_list`, every admin page's `available_apps`) asks each registered admin whether the
user may reach its module and what they may do with its model (about 65 permission checks a page), then `reverse()`s
the links. `app_list` keeps Django's answer per key: the user's permission set (superuser and active flags included),
the answers of every permission method an admin overrides (asked on every page: they may read more than the
permission set, as the clinic admins read which clinics the user manages), the registry, the site, the address's
script prefix and URLconf, and the active language. Django's default permission methods read nothing else than the
permission set, so a key that is the same means the same list; a permission granted or withdrawn changes the key on
the next request (the permission set is read once per request, as Django's ModelBackend does).

Every admin page renders Django's `admin/app_list.html` in its sidebar: about twenty models, each with
`request.path|urlencode` three times (1-1.5 ms a page). What that HTML shows depends only on the apps and models the
user may reach (names, links, view-only or not), which of them the current address is under, and the active
language: `nav_app_list_html` renders Django's template for such a key once and reuses it. The key is the whole of
what the template reads, so another user with other permissions, another page or another language gets its own.
Nothing of a patient is in it.

Every admin page's header also renders Django's `userlinks` block (the links to the site, the documentation, the
password change, the log-out form and the theme toggle: three `{% url %}`, one of them failing, four translations
and an include, about 0.4 ms a page). `user_links_html` renders that block of Django's own `admin/base.html` once per
distinct key (the active language, the address's script prefix and URLconf, the admin site, the site's link, and the
three facts of the user it reads: active, staff, usable password) with a stand-in for the CSRF token, then puts each
request's token in its place. A page that overrides the block (Django's password change pages) keeps its own.
"""

import functools
import re
from pathlib import Path
from urllib.parse import quote

import django.contrib.admin
from django.contrib import admin
from django.template import engines
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

# Distinct sidebars are few (per role and page); beyond this many the cache starts again.
MOST_KEPT = 512

_kept: dict[tuple, str] = {}


def nav_app_list_html(*, request, app_list: list[dict]) -> str:
    """Django's `admin/app_list.html` as the sidebar includes it (`show_changelinks=False`), from the cache."""
    path = quote(request.path, safe="/")  # the template's `request.path|urlencode`
    key = (get_language(), tuple(_app_key(app, path) for app in app_list))
    html = _kept.get(key)
    if html is None:
        html = render_to_string(
            "admin/app_list.html", {"app_list": app_list, "show_changelinks": False, "request": request}
        )
        if len(_kept) >= MOST_KEPT:
            _kept.clear()
        _kept[key] = html
    return html


def _app_key(app: dict, path: str) -> tuple:
    models = tuple(
        (
            str(model["object_name"]),
            str(model["name"]),
            model.get("admin_url"),
            model.get("add_url"),
            bool(model.get("view_only")),
            _within(model.get("admin_url"), path),
        )
        for model in app["models"]
    )
    return (str(app["app_label"]), str(app["app_url"]), str(app["name"]), _within(app["app_url"], path), models)


def _within(url, path: str) -> bool:
    """The template's `url in path`: false for a missing url, as the `in` of `{% if %}` is on an error."""
    try:
        return url in path
    except TypeError:
        return False


# The permission methods `_build_app_dict` asks (through `get_model_perms` for the four object ones).
PERMISSION_METHODS = (
    "has_module_permission",
    "get_model_perms",
    "has_view_permission",
    "has_add_permission",
    "has_change_permission",
    "has_delete_permission",
)

_apps_kept: dict[tuple, list[dict]] = {}


def forget() -> None:
    """Empty the per-process stores, as a new process starts (tests measuring a first view)."""
    _kept.clear()
    _apps_kept.clear()
    _links_kept.clear()


# What the block's `{% csrf_token %}` is given while the block is rendered for the cache; replaced by each request's.
CSRF_STAND_IN = "\x1ecsrf-token-stand-in\x1e"
_links_kept: dict[tuple, str] = {}


def user_links_html(*, request, context) -> str:
    """Django's `userlinks` block as `admin/base.html` renders it for this request (see the module's docstring)."""
    user, site_url, token = context.get("user"), context.get("site_url"), context.get("csrf_token")
    values = {"user": user, "site_url": site_url, "csrf_token": token}
    if not token or str(token) == "NOTPROVIDED":  # what `{% csrf_token %}` renders differently
        return _userlinks_block().render(values, request)
    key = (
        get_language(),
        get_script_prefix(),
        get_urlconf(),
        getattr(request, "current_app", None),
        str(site_url) if site_url else site_url,
        bool(user.is_active),
        bool(user.is_staff),
        bool(user.has_usable_password()),
    )
    html = _links_kept.get(key)
    if html is None:
        html = _userlinks_block().render({**values, "csrf_token": CSRF_STAND_IN}, request)
        if len(_links_kept) >= MOST_KEPT:
            _links_kept.clear()
        _links_kept[key] = html
    return mark_safe(html.replace(CSRF_STAND_IN, escape(token)))  # noqa: S308 - Django's markup, the token escaped


@functools.cache
def _userlinks_block():
    """The body of the `userlinks` block of Django's own `admin/base.html`, as a template of the project's engine."""
    source = (Path(django.contrib.admin.__file__).parent / "templates" / "admin" / "base.html").read_text()
    body = re.search(r"\{% block userlinks %\}(.*?)\{% endblock %\}", source, re.DOTALL)
    return engines["django"].from_string("{% load i18n %}" + body.group(1))


def app_list(*, site, request, app_label, build) -> list[dict]:
    """`build()` (Django's `get_app_list`) once per distinct key (see the module's docstring); a copy each time, so
    a caller that changes the list changes only its own."""
    key = _app_list_key(site, request, app_label)
    kept = _apps_kept.get(key)
    if kept is None:
        kept = build()
        if len(_apps_kept) >= MOST_KEPT:
            _apps_kept.clear()
        _apps_kept[key] = kept
    return [{**app, "models": [{**model, "perms": dict(model["perms"])} for model in app["models"]]} for app in kept]


def _app_list_key(site, request, app_label) -> tuple:
    user = request.user
    # Every permission for an active superuser: Django's User.has_perm answers without asking the backends.
    permissions = None if user.is_active and user.is_superuser else frozenset(user.get_all_permissions())
    answers = []
    for model, model_admin in site._registry.items():
        answers.append((model, model_admin))
        for name in _overridden(type(model_admin)):
            answer = getattr(model_admin, name)(request)
            answers.append(tuple(sorted(answer.items())) if isinstance(answer, dict) else answer)
    return (
        site.name,
        app_label,
        get_script_prefix(),
        get_urlconf(),
        get_language(),
        user.is_active,
        user.is_superuser,
        user.is_staff,
        permissions,
        tuple(answers),
    )


@functools.cache
def _overridden(admin_class) -> tuple[str, ...]:
    """The permission methods this admin class defines other than Django's ModelAdmin."""
    return tuple(
        name for name in PERMISSION_METHODS if getattr(admin_class, name) is not getattr(admin.ModelAdmin, name)
    )
