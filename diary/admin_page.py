"""A changelist page's `content` block written in Python: what Django's `admin/change_list.html` renders there (the
object tools, the search form, the actions bar, the results table, the pagination and the filters), character for
character.

Django renders that block through six inclusion tags, each looking its template up three ways (per model, per app,
the admin's own) and rendering it in a context of its own, a template per filter, and the results table's headers
in a template loop: about 190 template nodes, a third of the queue's page and a sixth of the patient list's. What
they show is the changelist's own data for this request (its counts, query strings, filter choices, the action
form, the CSRF token); none of it is kept between requests. This writes the same markup from the same data.

It writes the block only where the page is Django's: the list's `change_list.html` blocks inside `content` are
Django's or this project's `templates/admin/change_list.html` (a template extending it that overrides one of them
keeps Django's rendering), each inclusion tag's template is Django's own for the list's app and model (or, for the
results, the project's), and the list is one diary.admin_rows writes. A list with a formset (editable rows), a popup,
a date hierarchy, an "add" link or a filter with its own template gets Django's rendering of the whole block. Which
templates are Django's is looked up once per template engine, app and model (a template added while the process
runs shows after a restart).

The `extrastyle` and `breadcrumbs` blocks of the same template are written here too (`extrastyle_html`,
`breadcrumbs_html`): a list's own template that overrides them keeps its own, as Django's blocks do.
"""

import functools
from pathlib import Path

import django.contrib.admin
from django.contrib.admin.views.main import ALL_VAR, IS_FACETS_VAR, PAGE_VAR, SEARCH_VAR
from django.template import Variable
from django.template.defaulttags import CsrfTokenNode
from django.template.loader_tags import BLOCK_CONTEXT_KEY
from django.templatetags.static import static
from django.urls import reverse
from django.utils import formats
from django.utils.encoding import iri_to_uri
from django.utils.safestring import SafeData
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext

from diary import admin_rows
from markup import escape

DJANGO_TEMPLATES = Path(django.contrib.admin.__file__).parent / "templates" / "admin"

# The blocks of Django's change_list.html inside `content`: a template that overrides one keeps Django's rendering.
INNER_BLOCKS = (
    "object-tools",
    "object-tools-items",
    "search",
    "date_hierarchy",
    "result_list",
    "pagination",
    "filters",
)
MEDIA_CSS = Variable("media.css")
# The inclusion tags' templates the block renders (InclusionAdminNode: per model, per app, the admin's own).
INCLUDED = ("change_list_object_tools.html", "search_form.html", "actions.html", "pagination.html")


def content_html(context, *, own_template: str) -> str | None:
    """The `content` block of `admin/change_list.html` for this context, or None where Django's rendering is needed
    (see the module's docstring). `own_template` is the file of the project's change_list.html."""
    cl = context.get("cl")
    if cl is None or not _writes(context, cl, own_template):
        return None
    return "".join(
        (
            '\n  <div id="content-main">\n    \n        <ul class="object-tools">\n          \n            ',
            _object_tools(),
            "\n          \n        </ul>\n    \n    \n",
            '    <div class="module',
            " filtered" if cl.has_filters else "",
            '" id="changelist">\n      <div class="changelist-form-container">\n        ',
            _search_form(cl),
            "\n        ",
            "",  # the date hierarchy: none on a list written here
            '\n\n        <form id="changelist-form" method="post" novalidate>',
            CsrfTokenNode().render(context),
            "\n        \n\n        \n          ",
            _result_list(context, cl),
            "\n        \n        ",
            _pagination(cl),
            "\n        </form>\n      </div>\n      \n        ",
            _filters(cl),
            "\n      \n    </div>\n  </div>\n",
        )
    )


def _writes(context, cl, own_template: str) -> bool:
    if cl.formset or cl.is_popup or cl.date_hierarchy or context.get("has_add_permission"):
        return False
    if not admin_rows.covers(cl):
        return False
    blocks = context.render_context.get(BLOCK_CONTEXT_KEY)
    if blocks is None:
        return False
    allowed = {own_template, str(DJANGO_TEMPLATES / "change_list.html")}
    for name in INNER_BLOCKS:
        node = blocks.get_block(name)
        if node is None or getattr(node.origin, "name", None) not in allowed:
            return False
    engine = context.template.engine
    opts = cl.opts
    if not _templates_are_djangos(engine, opts.app_label.lower(), opts.model_name):
        return False
    return all(spec.template == "admin/filter.html" for spec in cl.filter_specs) and _filter_is_djangos(engine)


@functools.lru_cache(maxsize=256)
def _templates_are_djangos(engine, app_label: str, model_name: str) -> bool:
    """Each inclusion tag's template, looked up as InclusionAdminNode does, is Django's own file (the results', the
    project's)."""

    def found(name: str) -> str:
        names = [f"admin/{app_label}/{model_name}/{name}", f"admin/{app_label}/{name}", f"admin/{name}"]
        return engine.select_template(names).origin.name

    if any(found(name) != str(DJANGO_TEMPLATES / name) for name in INCLUDED):
        return False
    return found("change_list_results.html") == _own_results(engine)


@functools.lru_cache(maxsize=16)
def _own_results(engine) -> str:
    return engine.get_template("admin/change_list_results.html").origin.name


@functools.lru_cache(maxsize=16)
def _filter_is_djangos(engine) -> bool:
    return engine.get_template("admin/filter.html").origin.name == str(DJANGO_TEMPLATES / "filter.html")


def _shown(value) -> str:
    """`{{ value }}`: localized, escaped unless safe."""
    return escape(value if isinstance(value, str) else formats.localize(value))


def _object_tools() -> str:
    """`{% change_list_object_tools %}` without an "add" link."""
    return "\n\n\n  \n\n"


def _search_form(cl) -> str:
    """`{% search_form cl %}` (Django's `admin/search_form.html`)."""
    if not cl.search_fields:
        return "\n\n"
    described = ' aria-describedby="searchbar_helptext"' if cl.search_help_text else ""
    parts = [
        '\n\n<div id="toolbar"><form id="changelist-search" method="get" role="search">\n'
        "<div><!-- DIV needed for valid HTML -->\n"
        f'<label for="searchbar"><img src="{escape(static("admin/img/search.svg"))}" alt="Search"></label>\n'
        f'<input type="text" size="40" name="{SEARCH_VAR}" value="{_shown(cl.query)}" id="searchbar"{described}>\n'
        f'<input type="submit" value="{escape(gettext("Search"))}">\n'
    ]
    if cl.result_count != cl.full_result_count:
        counted = ngettext("%(counter)s result", "%(counter)s results", cl.result_count) % {
            "counter": _shown(cl.result_count)
        }
        facets = IS_FACETS_VAR if cl.add_facets else ""
        if cl.show_full_result_count:
            total = gettext("%(full_result_count)s total") % {"full_result_count": _shown(cl.full_result_count)}
        else:
            total = gettext("Show all")
        parts.append(f'\n    <span class="small quiet">{counted} (<a href="?{facets}">{total}</a>)</span>\n')
    parts.append("\n")
    for name, value in cl.params.items():
        parts.append("\n    ")
        if name != SEARCH_VAR:
            parts.append(f'<input type="hidden" name="{_shown(name)}" value="{_shown(value)}">')
        parts.append("\n")
    parts.append("\n</div>\n")
    if cl.search_help_text:
        parts.append(
            f'\n<br class="clear">\n<div class="help" id="searchbar_helptext">{_shown(cl.search_help_text)}</div>\n'
        )
    parts.append("\n</form></div>\n\n")
    return "".join(parts)


def _result_list(context, cl) -> str:
    """The `result_list` block of templates/admin/change_list.html: the actions bar, the table, the actions bar."""
    actions = context.get("action_form") and cl.show_admin_actions
    top = _actions(context, cl) if actions and context.get("actions_on_top") else ""
    table = _results(admin_rows.result_list(cl))
    bottom = _actions(context, cl) if actions and context.get("actions_on_bottom") else ""
    return f"{top}\n          {table}\n          {bottom}"


def _actions(context, cl) -> str:
    """`{% admin_actions %}` (Django's `admin/actions.html`): it counts the bars rendered, as Django's tag does."""
    index = context.get("action_index", -1) + 1
    context["action_index"] = index
    fields = []
    for field in context["action_form"]:
        if field.label:
            fields.append(f"<label>{escape(field.label)} {escape(field)}</label>")
        else:
            fields.append(escape(field))
    parts = [
        '\n<div class="actions">\n  \n    \n    ',
        "".join(fields),
        "\n    \n    \n    ",
        f'<button type="submit" class="button" title="{escape(gettext("Run the selected action"))}" name="index" '
        f'value="{_shown(index or 0)}">{escape(gettext("Go"))}</button>',
        "\n    \n    \n    ",
    ]
    if context.get("actions_selection_counter"):
        shown_count = len(cl.result_list)
        parts.append(
            f'\n        <span class="action-counter" data-actions-icnt="{_shown(shown_count)}">'
            f"{_shown(context.get('selection_note', ''))}</span>\n        "
        )
        if cl.result_count != shown_count:
            select_all = gettext("Select all %(total_count)s %(module_name)s") % {
                "total_count": _shown(cl.result_count),
                "module_name": _shown(context.get("module_name", "")),
            }
            parts.append(
                f'\n        <span class="all hidden">{_shown(context.get("selection_note_all", ""))}</span>\n'
                '        <span class="question hidden">\n'
                '            <a role="button" href="#" title="'
                f'{escape(gettext("Click here to select the objects across all pages"))}">{select_all}</a>\n'
                "        </span>\n"
                f'        <span class="clear hidden"><a role="button" href="#">{escape(gettext("Clear selection"))}'
                "</a></span>\n        "
            )
        parts.append("\n    ")
    parts.append("\n    \n  \n</div>\n")
    return "".join(parts)


def _results(list_context: dict) -> str:
    """The project's `admin/change_list_results.html` for diary.admin_rows' context."""
    if not list_context["results"]:
        return "\n\n\n"
    parts = ['\n\n\n<div class="results">\n<table id="result_list">\n<thead>\n<tr>\n']
    several_sorted = list_context["num_sorted_fields"] > 1
    for header in list_context["result_headers"]:
        parts.append(f'\n<th scope="col"{escape(header["class_attrib"])}>\n   ')
        if header["sortable"] and header["sort_priority"] > 0:
            priority = ""
            if several_sorted:
                title = gettext("Sorting priority: %(priority_number)s") % {
                    "priority_number": _shown(header["sort_priority"])
                }
                priority = f'<span class="sortpriority" title="{title}">{_shown(header["sort_priority"])}</span>'
            order = "ascending" if header["ascending"] else "descending"
            parts.append(
                '\n       <div class="sortoptions">\n'
                f'         <a class="sortremove" href="{_shown(header["url_remove"])}" '
                f'title="{escape(gettext("Remove from sorting"))}"></a>\n'
                f"         {priority}\n"
                f'         <a href="{_shown(header["url_toggle"])}" class="toggle {order}" '
                f'title="{escape(gettext("Toggle sorting"))}"></a>\n'
                "       </div>\n   "
            )
        text = _capfirst(header["text"])
        if header["sortable"]:
            label = f'<a href="{_shown(header["url_primary"])}">{text}</a>'
        else:
            label = f"<span>{text}</span>"
        parts.append(f'\n   <div class="text">{label}</div>\n   <div class="clear"></div>\n</th>')
    parts.append("\n</tr>\n</thead>\n<tbody>\n")
    parts.append(list_context["body_rows"])
    parts.append("\n</tbody>\n</table>\n</div>\n\n")
    return "".join(parts)


def _capfirst(text) -> str:
    """`{{ text|capfirst }}`: safe text stays safe (the filter is `is_safe`), other text is escaped."""
    shown = capfirst(str(text))
    return shown if isinstance(text, SafeData) else escape(shown)


def _pagination(cl) -> str:
    """`{% pagination cl %}` (Django's `admin/pagination.html` and its `paginator_number`s)."""
    required = (not cl.show_all or not cl.can_show_all) and cl.multi_page
    parts = ['\n\n<p class="paginator">\n']
    if required:
        parts.append("\n")
        ellipsis, last = cl.paginator.ELLIPSIS, cl.paginator.num_pages
        for number in cl.paginator.get_elided_page_range(cl.page_num):
            if number == ellipsis:
                link = f"{escape(ellipsis)} "
            elif number == cl.page_num:
                link = f'<span class="this-page">{escape(number)}</span> '
            else:
                end = ' class="end"' if number == last else ""
                href = escape(cl.get_query_string({PAGE_VAR: number}))
                link = f'<a href="{href}"{end}>{escape(number)}</a> '
            parts.append(f"\n    {link}\n")
        parts.append("\n")
    name = cl.opts.verbose_name if cl.result_count == 1 else cl.opts.verbose_name_plural
    parts.append(f"\n{_shown(cl.result_count)} {_shown(name)}\n")
    if cl.can_show_all and not cl.show_all and cl.multi_page:
        show_all_url = cl.get_query_string({ALL_VAR: ""})
        if show_all_url:
            parts.append(f'<a href="{_shown(show_all_url)}" class="showall">{escape(gettext("Show all"))}</a>')
    parts.append("\n\n</p>\n")
    return "".join(parts)


def _filters(cl) -> str:
    """The `filters` block: the sidebar of Django's `admin/filter.html` for each filter."""
    if not cl.has_filters:
        return ""
    parts = [
        '\n          <nav id="changelist-filter" aria-labelledby="changelist-filter-header">\n'
        f'            <h2 id="changelist-filter-header">{escape(gettext("Filter"))}</h2>\n            '
    ]
    if cl.is_facets_optional or cl.has_active_filters:
        parts.append('<div id="changelist-filter-extra-actions">\n              ')
        if cl.is_facets_optional:
            if cl.add_facets:
                link = (
                    f'<a href="{_shown(cl.remove_facet_link)}" class="hidelink">{escape(gettext("Hide counts"))}</a>'
                    "\n                "
                )
            else:
                link = f'<a href="{_shown(cl.add_facet_link)}" class="viewlink">{escape(gettext("Show counts"))}</a>'
            parts.append(f"<h3>\n                {link}\n              </h3>")
        parts.append("\n              ")
        if cl.has_active_filters:
            parts.append(
                f'<h3>\n                <a href="{_shown(cl.clear_all_filters_qs)}">&#10006; '
                f"{escape(gettext('Clear all filters'))}</a>\n              </h3>"
            )
        parts.append("\n            </div>")
    parts.append("\n            ")
    parts.extend(_filter(cl, spec) for spec in cl.filter_specs)
    parts.append("\n          </nav>\n        ")
    return "".join(parts)


def _filter(cl, spec) -> str:
    """`{% admin_list_filter cl spec %}` with Django's `admin/filter.html`."""
    title = _shown(spec.title)
    parts = [
        f'\n<details data-filter-title="{title}" open>\n  <summary>\n    '
        f"{gettext(' By %(filter_title)s ') % {'filter_title': title}}\n  </summary>\n  <ul>\n  "
    ]
    for choice in spec.choices(cl):
        selected = ' class="selected"' if choice["selected"] else ""
        href = escape(iri_to_uri(choice["query_string"]))
        parts.append(f'\n    <li{selected}>\n    <a href="{href}">{_shown(choice["display"])}</a></li>\n  ')
    parts.append("\n  </ul>\n</details>\n")
    return "".join(parts)


def breadcrumbs_html(context) -> str | None:
    """The `breadcrumbs` block of Django's `admin/change_list.html`: the admin's index, the list's app, the list (None
    without a list: Django's block)."""
    cl = context.get("cl")
    if cl is None:
        return None
    opts = cl.opts
    current_app = _current_app(context)
    index = reverse("admin:index", current_app=current_app)
    app_list = reverse("admin:app_list", kwargs={"app_label": opts.app_label}, current_app=current_app)
    return (
        f'\n<div class="breadcrumbs">\n<a href="{escape(index)}">{escape(gettext("Home"))}</a>\n'
        f'&rsaquo; <a href="{escape(app_list)}">{escape(opts.app_config.verbose_name)}</a>\n'
        f"&rsaquo; {_capfirst(opts.verbose_name_plural)}\n</div>\n"
    )


def extrastyle_html(context) -> str | None:
    """The `extrastyle` block of Django's `admin/change_list.html` (None where the block it extends is not Django's):
    the inherited block (its `{{ block.super }}`: the project's `base_site.html`), the list's style sheet, the
    JavaScript catalog for the actions, and the page's form media as `{{ media.css }}` resolves it."""
    blocks = context.render_context.get(BLOCK_CONTEXT_KEY)
    djangos = blocks.pop("extrastyle") if blocks is not None else None  # the block the project's template overrides
    if djangos is None:
        return None
    try:
        if getattr(djangos.origin, "name", None) != str(DJANGO_TEMPLATES / "change_list.html"):
            return None
        inherited = djangos.render(context)  # renders the block Django's extends, as its `{{ block.super }}` would
    finally:
        blocks.push("extrastyle", djangos)
    cl = context.get("cl")
    formset = cl.formset if cl is not None else None
    parts = ["\n  ", inherited, f'\n  <link rel="stylesheet" href="{escape(static("admin/css/changelists.css"))}">\n  ']
    if formset:
        parts.append(f'\n    <link rel="stylesheet" href="{escape(static("admin/css/forms.css"))}">\n  ')
    parts.append("\n  ")
    if formset or context.get("action_form"):
        jsi18n = reverse("admin:jsi18n", current_app=_current_app(context))
        parts.append(f'\n    <script src="{escape(jsi18n)}"></script>\n  ')
    parts.append(f"\n  {escape(MEDIA_CSS.resolve(context))}\n  ")
    if not context.get("actions_on_top") and not context.get("actions_on_bottom"):
        parts.append("\n    <style>\n      #changelist table thead th:first-child {width: inherit}\n    </style>\n  ")
    parts.append("\n")
    return "".join(parts)


def _current_app(context):
    """What `{% url %}` reverses with: the request's `current_app`, else the namespace it was resolved in."""
    request = context.request
    try:
        return request.current_app
    except AttributeError:
        try:
            return request.resolver_match.namespace
        except AttributeError:
            return None
