"""A changelist's rows as one string each, for lists whose columns are ModelAdmin methods and model fields.

Django's `items_for_result` looks each column up as a model field first (an exception per cell when it is a
method), asks for the empty value per cell and builds every cell with `format_html`: on the patient list (50
rows of 7 cells) that was a third of the page, on the flag queue (50 rows of 8) two fifths. This writes the same
markup: a method's value displayed by Django's `display_for_value`, a field's by `display_for_field` (a choice's
label and a date worked out once per page), escaped, dates in a `nowrap` cell, the first link column a `<th>`
linking to the change page with the list's filters preserved, a foreign key as its row's text. Lists it does not
cover (a popup, editable rows, a column that is a many-to-many or reverse relation, a lookup across relations or
not a string) fall back to Django's own `result_list`.
"""

import contextlib
import datetime
import functools
import html

from django.conf import settings
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters, admin_urlname
from django.contrib.admin.utils import display_for_field, display_for_value, quote
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.urls import NoReverseMatch, reverse
from django.utils import formats
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from diary.widgets import escape
from markup import safe


def result_list(cl) -> dict:
    """The context of `admin/change_list_results.html`, as Django's `result_list` tag builds it."""
    if not covers(cl):
        return admin_list.result_list(cl)
    headers = list(admin_list.result_headers(cl))
    written = list(rows(cl))
    return {
        "cl": cl,
        "result_hidden_fields": [],
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": [admin_list.ResultList(None, [row]) for row in written],
        # What the template's loop over `results` writes (templates/admin/change_list_results.html): each row in
        # its <tr>, after the blank lines of the loop's tags.
        "body_rows": mark_safe("".join(f"\n\n<tr>{row}</tr>\n" for row in written)),  # noqa: S308 - rows are safe
    }


def covers(cl) -> bool:
    """Whether this module writes the list's rows (otherwise Django's `result_list` does)."""
    if cl.is_popup or cl.formset or cl.to_field:
        return False
    return all(isinstance(name, str) and _column_kind(cl, name) for name in cl.list_display)


def _column_kind(cl, name: str) -> str | None:
    """ "field" for a model field, "related" for a foreign key, "method" for a ModelAdmin method, "attribute" for a
    model's method or property, None for what only Django's code covers
    (the order is Django's `lookup_field`: a model field first)."""
    try:
        field = cl.lookup_opts.get_field(name)
    except FieldDoesNotExist:
        if name != "__str__" and hasattr(cl.model_admin, name):
            return "method" if callable(getattr(cl.model_admin, name)) else None
        if LOOKUP_SEP in name.strip("_") or not hasattr(cl.model, name):
            return None
        return "attribute"
    if field.auto_created or not field.concrete or field.name != name:
        return None
    if field.is_relation:
        return "related" if isinstance(field.remote_field, models.ManyToOneRel) else None
    return "field"


def rows(cl):
    """Each result's cells, joined."""
    model_admin = cl.model_admin
    default_empty = model_admin.get_empty_value_display()
    columns = []
    first_link = True
    for index, name in enumerate(cl.list_display):
        links = cl.list_display_links is not None and (
            (index == 0 and not cl.list_display_links) or name in cl.list_display_links
        )
        tag = "td"
        if links:
            tag, first_link = ("th" if first_link else "td"), False
        css = "action-checkbox" if name == "action_checkbox" else f"field-{name}"
        kind = _column_kind(cl, name)
        if kind in ("field", "related"):
            field = cl.lookup_opts.get_field(name)
            if isinstance(field, (models.DateField, models.TimeField, models.ForeignKey)):
                css = f"{css} nowrap"
            if kind == "related":
                show = _related_display(field, default_empty)
            else:
                show = _field_display(field, default_empty, avoid_link=links)
        elif kind == "attribute":
            show = _attribute_display(cl.model, name, default_empty)
        else:
            show = _method_display(getattr(model_admin, name), default_empty)
        columns.append((show, css, tag, links))
    try:
        change_href = _change_href_maker(cl)
    except NoReverseMatch:  # no change page: the first column is text, as Django writes it then
        change_href = None
    empty_shown = escape(default_empty)
    for result in cl.result_list:
        cells = []
        for show, css, tag, links in columns:
            try:
                shown, more_css = show(result)
            except ObjectDoesNotExist:  # as Django: a missing related row shows the list's empty value
                shown, more_css = empty_shown, ""
            if links and change_href:
                shown = f'<a href="{change_href(getattr(result, cl.pk_attname))}">{shown}</a>'
            cells.append(f'<{tag} class="{css}{more_css}">{shown}</{tag}>')
        yield safe("".join(cells))  # every value above is escaped


def _change_href_maker(cl):
    """A row's change link with the list's filters preserved, escaped for an attribute: the filters are the same
    for every row, so Django's `add_preserved_filters` runs once a page and each row adds its id."""
    change_url = pk_url_maker(admin_urlname(cl.opts, "change"), current_app=cl.model_admin.admin_site.name)
    preserved = {"preserved_filters": cl.preserved_filters, "opts": cl.opts}
    base = change_url(0)
    with_filters = add_preserved_filters(preserved, base)
    if not with_filters.startswith(base) or "?" in base or "#" in base:  # not a plain suffix: Django's per row
        return lambda pk: escape(add_preserved_filters(preserved, change_url(pk)))
    suffix = with_filters[len(base) :]

    def href(pk) -> str:
        return escape(change_url(pk) + suffix)

    return href


def _method_display(method, default_empty):
    """A ModelAdmin method's cell."""
    empty = getattr(method, "empty_value_display", default_empty)
    return _value_display(method, empty, getattr(method, "boolean", False))


def _attribute_display(model, name: str, default_empty):
    """A model method's or property's cell (`__str__` included), with what Django reads of the class attribute."""
    attr = getattr(model, name)
    empty = getattr(attr, "empty_value_display", default_empty)
    boolean = getattr(attr, "boolean", False)
    if isinstance(attr, property) and hasattr(attr, "fget"):
        boolean = getattr(attr.fget, "boolean", False)

    def value_of(result):
        value = getattr(result, name)
        return value() if callable(value) else value

    return _value_display(value_of, empty, boolean)


def _value_display(value_of, empty, boolean: bool):
    """A cell whose value `display_for_value` shows, and " nowrap" for a date; a date's text made once per process
    (as a field's), an integer's too; text (the usual value of a method: a name, a link) as it is, escaped."""
    formats_now = {datetime.date: get_format("DATE_FORMAT"), datetime.time: get_format("TIME_FORMAT")}
    language = get_language()
    number_format = _number_format()

    def show(result):
        value = value_of(result)
        kind = type(value)
        if not boolean:
            if kind is SafeString or kind is str:
                if value.strip():  # display_for_value's str(value), escaped unless safe
                    return (value if kind is SafeString else html.escape(value)), ""
            elif kind is int:
                return _numbered(value, number_format), ""
            elif kind in formats_now:
                return _localized(value, language, formats_now[kind]), " nowrap"
        if isinstance(value, str) and value.strip() == "":
            value = ""
        nowrap = " nowrap" if isinstance(value, (datetime.date, datetime.time)) else ""
        return escape(display_for_value(value, empty, boolean)), nowrap

    return show


def _related_display(field, empty):
    """A foreign key's cell: the related row as text (Django's `str()` of it), or the empty value."""
    name = field.name

    def show(result):
        related = getattr(result, name)
        return escape(empty if related is None else related), ""

    return show


def _field_display(field, empty, *, avoid_link: bool):
    """A model field's cell as `display_for_field` shows it; a choice's label from one dictionary a page, a date's
    text made once per process (for the active language's format)."""
    attname = field.attname
    labels = None
    if getattr(field, "flatchoices", None):
        with contextlib.suppress(TypeError):  # list-like choices: Django's own code
            labels = dict(field.flatchoices)
    text = labels is None and type(field) in (models.CharField, models.TextField)  # not a URL's or a file's link
    plain_type = None
    if labels is None and not isinstance(field, models.DateTimeField):
        if isinstance(field, models.DateField):
            plain_type, format_name = datetime.date, "DATE_FORMAT"
        elif isinstance(field, models.TimeField):
            plain_type, format_name = datetime.time, "TIME_FORMAT"
    if plain_type is not None:
        language, date_format = get_language(), get_format(format_name)

    def show(result):
        value = getattr(result, attname)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if labels is not None:
            try:
                return escape(labels.get(value, empty)), ""
            except TypeError:  # an unhashable value: Django's own code
                pass
        elif type(value) is plain_type:
            return _localized(value, language, date_format), ""
        elif text and type(value) is str and value:  # display_for_value's str(value), escaped
            return html.escape(value), ""
        return escape(display_for_field(value, field, empty, avoid_link=avoid_link)), ""

    return show


@functools.lru_cache(maxsize=4096)
def _localized(value: datetime.date | datetime.time, language: str | None, format_: str) -> str:
    """A date's (or time's) text as `formats.localize` writes it, escaped; the active language and its format are
    part of the key, the value is all the rest."""
    return escape(formats.localize(value))


def _number_format() -> tuple:
    """What `formats.number_format` reads besides the number, for the active language."""
    return (
        get_language(),
        settings.USE_THOUSAND_SEPARATOR,
        get_format("DECIMAL_SEPARATOR"),
        get_format("NUMBER_GROUPING"),
        get_format("THOUSAND_SEPARATOR"),
    )


@functools.lru_cache(maxsize=4096)
def _numbered(value: int, number_format: tuple) -> str:
    """An integer's text as `display_for_value` writes it (`formats.number_format`), escaped; kept per process,
    keyed by what the format depends on."""
    return escape(formats.number_format(value))


def pk_url_maker(viewname: str, current_app: str | None = None):
    """`reverse(viewname, args=[pk])` for many integer pks at the cost of one `reverse()` (a page of rows)."""
    marker = "0123456789"  # digits: reverse() leaves them as they are, as it does any integer's
    prefix, _, suffix = reverse(viewname, args=[marker], current_app=current_app).rpartition(marker)

    def url(pk) -> str:
        if isinstance(pk, int):
            return f"{prefix}{pk}{suffix}"
        return reverse(viewname, args=[quote(pk)], current_app=current_app)

    return url
