"""A changelist's rows as one string each, for lists whose columns are all ModelAdmin methods.

Django's `items_for_result` looks each column up as a model field first (an exception per cell when it is a
method), asks for the empty value per cell and builds every cell with `format_html`: on the patient list (50
rows of 7 cells) that was a third of the page. This writes the same markup: each value displayed by Django's
`display_for_value`, escaped, the first link column a `<th>` linking to the change page with the list's
filters preserved. Lists it does not cover (a popup, editable rows, a column that is a model field or not a
method) fall back to Django's own `result_list`.
"""

import datetime

from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters, admin_urlname
from django.contrib.admin.utils import display_for_value, quote
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.urls import NoReverseMatch, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


def result_list(cl) -> dict:
    """The context of `admin/change_list_results.html`, as Django's `result_list` tag builds it."""
    if not _covered(cl):
        return admin_list.result_list(cl)
    headers = list(admin_list.result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": [],
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": [admin_list.ResultList(None, [row]) for row in rows(cl)],
    }


def _covered(cl) -> bool:
    if cl.is_popup or cl.formset or cl.to_field:
        return False
    for name in cl.list_display:
        if not isinstance(name, str) or not callable(getattr(cl.model_admin, name, None)):
            return False
        try:
            cl.lookup_opts.get_field(name)
        except FieldDoesNotExist:
            continue
        return False
    return True


def rows(cl):
    """Each result's cells, joined."""
    model_admin = cl.model_admin
    default_empty = model_admin.get_empty_value_display()
    columns = []
    first_link = True
    for index, name in enumerate(cl.list_display):
        method = getattr(model_admin, name)
        links = cl.list_display_links is not None and (
            (index == 0 and not cl.list_display_links) or name in cl.list_display_links
        )
        tag = "td"
        if links:
            tag, first_link = ("th" if first_link else "td"), False
        css = "action-checkbox" if name == "action_checkbox" else f"field-{name}"
        empty = getattr(method, "empty_value_display", default_empty)
        columns.append((method, empty, getattr(method, "boolean", False), css, tag, links))
    preserved = {"preserved_filters": cl.preserved_filters, "opts": cl.opts}
    try:
        change_url = pk_url_maker(admin_urlname(cl.opts, "change"), current_app=model_admin.admin_site.name)
    except NoReverseMatch:  # no change page: the first column is text, as Django writes it then
        change_url = None
    for result in cl.result_list:
        cells = []
        for method, empty, boolean, css, tag, links in columns:
            try:
                value = method(result)
            except ObjectDoesNotExist:  # as Django: a missing related row shows the list's empty value
                shown = conditional_escape(default_empty)
            else:
                if isinstance(value, str) and value.strip() == "":
                    value = ""
                shown = conditional_escape(display_for_value(value, empty, boolean))
                if isinstance(value, (datetime.date, datetime.time)):
                    css = f"{css} nowrap"
            if links and change_url:
                url = add_preserved_filters(preserved, change_url(getattr(result, cl.pk_attname)))
                shown = f'<a href="{conditional_escape(url)}">{shown}</a>'
            cells.append(f'<{tag} class="{css}">{shown}</{tag}>')
        yield mark_safe("".join(cells))  # noqa: S308 - every value above is escaped


def pk_url_maker(viewname: str, current_app: str | None = None):
    """`reverse(viewname, args=[pk])` for many integer pks at the cost of one `reverse()` (a page of rows)."""
    marker = "0123456789"  # digits: reverse() leaves them as they are, as it does any integer's
    prefix, _, suffix = reverse(viewname, args=[marker], current_app=current_app).rpartition(marker)

    def url(pk) -> str:
        if isinstance(pk, int):
            return f"{prefix}{pk}{suffix}"
        return reverse(viewname, args=[quote(pk)], current_app=current_app)

    return url
