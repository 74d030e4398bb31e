"""A `<select>` rendered in Python: the same HTML as Django's template widget, without a template per option.

Django's `Select` renders `select.html`, which includes `select_option.html` (and `attrs.html`) once per
`<option>`: on the diary's day page the 48 symptoms and 11 body areas made form widgets more than half of
the page's server time (docs/benchmark.md). `Select` here builds the same markup with `format_html`,
character for character (a test renders both and compares them), so ids, names, labels and the attributes
crispy-forms adds (class, `aria-invalid`, `aria-describedby`, `required`) are unchanged.
"""

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: dict) -> SafeString:
    """Django's `attrs.html`: ` name="value"`, ` name` for True, nothing for False."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


class Select(forms.Select):
    """Named `Select` on purpose: crispy-forms adds the widget's class name as a CSS class ("select")."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            parts.extend(
                format_html(
                    '\n  <option value="{}"{}>{}</option>\n', option["value"], _attrs(option["attrs"]), option["label"]
                )
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part above is format_html's escaped output
