"""The diary's selects are rendered in Python (diary/widgets.py): the HTML must be Django's, to the character,
so a screen reader hears the same labels, ids, selected option and error attributes."""

import datetime

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.utils.safestring import mark_safe

from diary import widgets
from diary.forms import EntryForm, ReactionForm, SettingsForm, TreatmentForm

CHOICES = [
    ("", "Choose <one>"),
    ("a", "Tom & Jerry's"),
    ('Group "x"', [("1", "one"), ("2", "two")]),
    (3, "three"),
]
# Edge cases of Django's walk through choices: a None value, a group without a name, a value twice (only the first
# is selected), a label already marked safe.
ODD_CHOICES = [
    (None, "nothing"),
    ("", [("a", "in a nameless group")]),
    ("a", "a again"),
    ("b", mark_safe("<b>bold</b>")),
]


@pytest.mark.parametrize("value", ["", "a", "2", 3, None, ["1", "3"]])
@pytest.mark.parametrize(
    "attrs",
    [None, {"class": "form-select is-invalid", "aria-invalid": "true", "required": True, "disabled": False}],
)
def test_a_select_renders_exactly_as_djangos_template_widget(value, attrs):
    expected = forms.Select(choices=CHOICES).render("pick", value, attrs)

    assert widgets.Select(choices=CHOICES).render("pick", value, attrs) == expected


@pytest.mark.parametrize("value", ["", "a", "b", None])
def test_odd_choices_render_exactly_as_djangos_template_widget(value):
    expected = forms.Select(choices=ODD_CHOICES).render("pick", value, {"id": "id_pick"})

    assert widgets.Select(choices=ODD_CHOICES).render("pick", value, {"id": "id_pick"}) == expected


def _as_django(form: forms.Form, name: str) -> forms.Form:
    """The same form with Django's own template-rendered Select on one field."""
    field = form.fields[name]
    template_widget = forms.Select(attrs=field.widget.attrs)
    template_widget.choices = field.widget.choices
    template_widget.__class__ = type("Select", (forms.Select,), {})  # crispy adds the class name as a CSS class
    field.widget = template_widget
    return form


def _crispy(form: forms.Form, name: str) -> str:
    """As the templates render it: `{{ form.field|as_crispy_field }}`."""
    return as_crispy_field(form[name])


@pytest.mark.parametrize("name", ["symptom", "body_area", "treatment"])
def test_the_reaction_forms_fields_with_their_errors_are_the_same_html_as_before(reference, patient, name):
    data = {"symptom": "999", "body_area": "999", "treatment": "999", "severity": "9"}
    ours = ReactionForm(data, patient=patient)
    djangos = _as_django(ReactionForm(data, patient=patient), name)
    assert not ours.is_valid() and not djangos.is_valid()

    html = _crispy(ours, name)

    assert html == _crispy(djangos, name)
    assert 'aria-invalid="true"' in html or name == "treatment"
    assert '<option value="" selected>' not in html or name == "treatment"


def test_grouped_choices_and_help_text_are_the_same_html_as_before(reference):
    for form_class, name in [(TreatmentForm, "strength"), (TreatmentForm, "drug"), (SettingsForm, "time_zone")]:
        ours, djangos = form_class(), _as_django(form_class(), name)

        assert _crispy(ours, name) == _crispy(djangos, name)


@pytest.mark.parametrize("value", [datetime.date(2026, 3, 9), "2026-03-09", "not a <date> & more", "", None])
@pytest.mark.parametrize(
    "attrs",
    [None, {"id": "id_start", "class": "form-control is-invalid", "aria-describedby": "x_help", "required": True}],
)
def test_a_date_input_renders_exactly_as_djangos_template_widget(value, attrs):
    expected = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d").render("start", value, attrs)

    assert widgets.DateInput().render("start", value, attrs) == expected


@pytest.mark.parametrize("value", ["", None, "0", 'Itchy <b>&</b> "dry"\nsecond line', mark_safe("<i>safe</i>")])
@pytest.mark.parametrize(
    "attrs",
    [None, {"class": "textarea form-control is-invalid", "aria-invalid": "true", "required": True, "disabled": False}],
)
def test_a_textarea_renders_exactly_as_djangos_template_widget(value, attrs):
    expected = forms.Textarea(attrs={"rows": 3}).render("notes", value, attrs)

    assert widgets.Textarea(attrs={"rows": 3}).render("notes", value, attrs) == expected


@pytest.mark.parametrize("data", [None, {"itch": "11", "notes": "x" * 5001}])
def test_the_notes_field_with_its_errors_is_the_same_html_as_before(data):
    ours, djangos = EntryForm(data), EntryForm(data)
    field = djangos.fields["notes"]
    field.widget = type("Textarea", (forms.Textarea,), {})(attrs=field.widget.attrs)

    html = _crispy(ours, "notes")

    assert html == _crispy(djangos, "notes")
    assert ("aria-invalid" in html) == (data is not None)
