"""The admin's navigation sidebar, rendered once per distinct content and kept per process.

Every admin page renders Django's `admin/app_list.html` in its sidebar: about twenty models, each with
`request.path|urlencode` three times (1-1.5 ms a page). What that HTML shows depends only on the apps and models the
user may reach (names, links, view-only or not), which of them the current address is under, and the active
language: `nav_app_list_html` renders Django's template for such a key once and reuses it. The key is the whole of
what the template reads, so another user with other permissions, another page or another language gets its own.
Nothing of a patient is in it.
"""

from urllib.parse import quote

from django.template.loader import render_to_string
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
