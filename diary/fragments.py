"""Form fields made from the reference data alone, built once per reference version and reused.

The day page's symptom and body-area pickers (60 options) and its other unfilled fields cost more
to render than the rest of the page. They hold nothing of the patient's diary: their HTML is a
function of the reference data (keyed by `drugs.selectors.reference_version()`, read from the
database on every request, so an edit made through any process shows at once), of the form and
field, and of the value shown (a default body area, an itch score). That is the whole key: a
patient's value chooses the entry, never fills it, so two patients with the same inputs share it.
Fields holding a patient's own text (notes) or courses (the treatment select) are cached only as crispy-forms'
wrapper around the widget (label, help text, the classes crispy gives the widget), made from the form's code
alone and kept per process; the widget itself, with the patient's value and choices, is rendered on every
request. Bound forms (errors, typed input) are never cached. A reference field's miss (the first view after a
reference change) is made the same way, the wrapper around the widget rendered in Python (diary/widgets.py), not
through crispy's templates. The wrappers are kept in their own per-process memo (`_WRAPPERS`), keyed by the form's
code alone and outside the reference cache: a reference change leaves them right, so they are never made again.

Progress's preferences and the visit summary's fields hold nothing of the reference: the summary's date fields keep
crispy's wrapper the same way (`code_field_html`), and the preferences form, made of choices alone, is kept whole per
process by its values (`choices_form_html`: a handful of entries), as is the summary's yes/no for the patient's notes
(`choice_field_html`: two entries).

The cache of reference-made HTML: `drugs.caching.for_reference`.
"""

import hashlib

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
from django import forms
from django.forms import BoundField
from django.utils.safestring import SafeString, mark_safe

from drugs.caching import for_reference
from drugs.selectors import body_area_options, symptom_groups


def symptom_choices(*, drug_ids: list[int], version: int) -> list:
    """`symptom_groups` for these medicines, read once per reference version."""
    drugs = ",".join(map(str, sorted(set(drug_ids))))
    return for_reference(f"symptoms:{drugs}", version=version, compute=lambda: symptom_groups(drug_ids=drug_ids))


def body_area_choices(*, version: int) -> list:
    """The body-area picker's options, read once per reference version (per process: eleven short rows)."""
    return for_reference("body-areas", version=version, compute=body_area_options, shared=False)


def field_html(field: BoundField, *, version: int | None) -> SafeString:
    """`field|as_crispy_field`, as `fields_html` makes it."""
    return fields_html(field.form, [field.name], version=version)[0]


def fields_html(form: forms.BaseForm, names: list[str], *, version: int | None) -> list[SafeString]:
    """`form[name]|as_crispy_field` for each name, from the cache when the form is unbound and the reference version
    is known: the fields the form lists in `reference_fields` whole, in one entry a form (one read, not one a field),
    the others as crispy's wrapper around the widget."""
    if version is None or form.is_bound:
        return [as_crispy_field(form[name]) for name in names]
    listed = getattr(form, "reference_fields", ())
    kept = [name for name in names if name in listed]
    made = dict(zip(kept, _reference_fields_html(form, kept, version=version), strict=True)) if kept else {}
    return [mark_safe(made[name]) if name in made else _wrapped_widget(form[name]) for name in names]  # noqa: S308


def _reference_fields_html(form: forms.BaseForm, names: list[str], *, version: int) -> tuple[str, ...]:
    """The HTML of these reference fields of an unbound form, kept per process under one key: the reference version,
    the form's code, its choices and each field's id and value shown (hundreds of keys across patients). A miss (the
    first view after a reference change) is crispy's wrapper, kept by the form's code, around each widget."""
    fields = [form[name] for name in names]
    parts = [
        str(version),
        f"{type(form).__module__}.{type(form).__qualname__}",
        form.prefix or "",
        repr(getattr(form, "choices_key", None)),
    ]
    for field in fields:
        parts += [str(field.auto_id), field.name, repr(field.value())]
    key = f"fields:{hashlib.sha256(':'.join(parts).encode()).hexdigest()}"
    return for_reference(
        key, version=version, compute=lambda: tuple(str(_wrapped_widget(field)) for field in fields), shared=False
    )


# Where the widget goes in crispy's wrapper: crispy prints the bound field (`str(field)`) there, and nothing a
# form's code writes (labels, help text) holds a NUL character.
_WIDGET = "\x00widget\x00"


class _WidgetMark(BoundField):
    def __str__(self) -> str:
        return _WIDGET


def _wrapper(field: BoundField) -> tuple[str, str | None] | None:
    """crispy's HTML for the field with a mark where the widget goes, and the CSS class crispy gives the widget.

    crispy writes a file input itself (its own template: no place for the widget); a plain file input shows no
    value, ever, so that HTML is the whole field, made from the form's code alone. None for any other widget crispy
    writes itself: such a field goes through crispy."""
    widget = field.field.widget
    original = widget.attrs.get("class")
    html = str(as_crispy_field(_WidgetMark(field.form, field.field, field.name)))
    css_class = widget.attrs.get("class")
    if original is None:
        widget.attrs.pop("class", None)
    else:
        widget.attrs["class"] = original
    if _WIDGET in html or type(widget) is forms.FileInput:
        return html, css_class
    return None


# crispy's wrappers by the form's code (see `_wrapped_widget`): a few dozen entries, one per field a page shows.
_WRAPPERS: dict[tuple, tuple[str, str | None] | None] = {}


def _wrapped_widget(field: BoundField) -> SafeString:
    """`field|as_crispy_field` for a field of an unbound form: crispy's wrapper around the widget rendered now with
    this patient's value. The wrapper is made from the form's code alone (its label, help text, ids and classes,
    never the reference data or a patient's value), so it is kept per process by that code, whatever the reference
    version: a reference change (a cold page) does not make it again."""
    form, widget = field.form, field.field.widget
    key = (
        type(form),
        form.prefix,
        field.auto_id,
        field.name,
        type(widget),
        widget.attrs.get("class"),
        field.field.required,
        str(field.label),
        str(field.help_text),
    )
    if key not in _WRAPPERS:
        _WRAPPERS[key] = _wrapper(field)
    found = _WRAPPERS[key]
    if found is None:
        return as_crispy_field(field)
    html, css_class = found
    if css_class is not None:
        widget.attrs["class"] = css_class
    if _WIDGET not in html:  # a plain file input: the whole field (see `_wrapper`)
        return mark_safe(html)  # noqa: S308 - crispy's escaped output
    return mark_safe(html.replace(_WIDGET, str(field)))  # noqa: S308 - crispy's escaped output and the widget's own


# Forms that hold nothing of the reference (Progress's and the visit summary's): the same two shapes.


def code_field_html(field: BoundField) -> SafeString:
    """`field|as_crispy_field` for a field made from the form's code alone (the visit summary's dates): crispy's
    wrapper kept per process, the widget rendered now with its value. A field with errors goes through crispy."""
    if field.errors:
        return as_crispy_field(field)
    return _wrapped_widget(field)


_CHOICE_FORMS: dict[str, str] = {}


def choices_form_html(form) -> SafeString:
    """`form|crispy` for an unbound form whose every field takes one of a few fixed values (choices, yes or no:
    Progress's preferences): kept per process by the form's class and its values, so a handful of entries, and
    nothing else of the patient is in it. A bound form goes through crispy."""
    if not all(isinstance(field, forms.ChoiceField | forms.BooleanField) for field in form.fields.values()):
        raise TypeError(f"{type(form).__name__} has a field of free input: its HTML cannot be kept by its values")
    if form.is_bound:
        return as_crispy_form(form)
    values = [(name, form[name].value()) for name in form.fields]
    key = f"{type(form).__module__}.{type(form).__qualname__}:{form.prefix or ''}:{form.auto_id}:{values!r}"
    html = _CHOICE_FORMS.get(key)
    if html is None:
        html = _CHOICE_FORMS[key] = str(as_crispy_form(form))
    return mark_safe(html)  # noqa: S308 - crispy's own escaped output


_CHOICE_FIELDS: dict[str, str] = {}


def choice_field_html(field: BoundField) -> SafeString:
    """`code_field_html` for a field of an unbound form that takes one of a few fixed values (the visit summary's
    yes/no for the patient's notes): kept whole per process by the form's code, the field and its value, so two
    entries, and nothing else of the patient is in them. A bound form's field goes through `code_field_html`."""
    if not isinstance(field.field, forms.ChoiceField | forms.BooleanField):
        raise TypeError(f"{field.name} is a field of free input: its HTML cannot be kept by its value")
    form = field.form
    if form.is_bound:
        return code_field_html(field)
    key = f"{type(form).__module__}.{type(form).__qualname__}:{form.prefix or ''}:{form.auto_id}:{field.name}:"
    key += repr(field.value())
    html = _CHOICE_FIELDS.get(key)
    if html is None:
        html = _CHOICE_FIELDS[key] = str(code_field_html(field))
    return mark_safe(html)  # noqa: S308 - crispy's wrapper and the widget's own escaped output
