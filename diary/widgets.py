"""A `<select>` and a `<textarea>` rendered in Python: the same HTML as Django's template widgets, without a template
per option (or per attribute).

Django's `Select` renders `select.html`, which includes `select_option.html` (and `attrs.html`) once per
`<option>`: on the diary's day page the 48 symptoms and 11 body areas made form widgets more than half of
the page's server time (docs/benchmark.md). `Select` here builds the same markup in Python (each value and
label escaped as the template escapes it), character for character (a test renders both and compares them),
so ids, names, labels and the attributes crispy-forms adds (class, `aria-invalid`, `aria-describedby`,
`required`) are unchanged.
"""

from django import forms
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from markup import escape


def _attrs(attrs: dict) -> SafeString:
    """Django's `attrs.html`: ` name="value"`, ` name` for True, nothing for False (each name and value escaped as
    `format_html` escapes them, without a `format_html` an attribute)."""
    return mark_safe(  # noqa: S308 - every name and value is escaped
        "".join(
            f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
            for name, value in attrs.items()
            if value is not False
        )
    )


class HiddenInput(forms.HiddenInput):
    """Django's hidden `<input>` (`input.html` and `attrs.html`) written in Python: the same HTML, without two
    templates (the admin action menu's "select across" field: a tenth of the flag queue's template time)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        return format_html('<input type="{}" name="{}"{}{}>', widget["type"], name, shown, _attrs(widget["attrs"]))


class Select(forms.Select):
    """Named `Select` on purpose: crispy-forms adds the widget's class name as a CSS class ("select")."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        # Django's get_context() + optgroups(), without an option dict per <option>: the same choices walked the
        # same way (a group's options, only the first matching value selected unless multiple).
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        values = self.format_value(value)
        parts = [format_html('<select name="{}"{}>', name, _attrs(attrs))]
        has_selected = False
        for option_value, option_label in self.choices:
            if option_value is None:
                option_value = ""
            grouped = isinstance(option_label, list | tuple)
            if grouped and option_value:
                parts.append(format_html('\n  <optgroup label="{}">', option_value))
            for subvalue, sublabel in option_label if grouped else [(option_value, option_label)]:
                selected = (not has_selected or self.allow_multiple_selected) and str(subvalue) in values
                has_selected |= selected
                parts.append(
                    f'\n  <option value="{escape(subvalue)}"{" selected" if selected else ""}>'
                    f"{escape(sublabel)}</option>\n"
                )
            if grouped and option_value:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value and label above is escaped


class DateInput(forms.DateInput):
    """A date picker (`<input type="date">`, ISO dates) written in Python: Django's `input.html` and `attrs.html`,
    character for character (a test compares them), without two templates a field (the visit summary's dates)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        return format_html(
            '<input type="{}" name="{}"{}{}>', widget["type"], widget["name"], shown, _attrs(widget["attrs"])
        )


class Textarea(forms.Textarea):
    """Django's `textarea.html` and its `attrs.html` (a template loop over the attributes: a tenth of the day page's
    template time, for the notes alone) as one string; named `Textarea` for crispy-forms' CSS class, as `Select`."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        attrs = self.build_attrs(self.attrs, attrs)
        value = self.format_value(value)
        # format_html's escaping of each argument, without its lazy-argument wrapper
        return mark_safe(f'<textarea name="{escape(name)}"{_attrs(attrs)}>\n{escape(value or "")}</textarea>')  # noqa: S308
