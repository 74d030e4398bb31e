"""The day page's forms copy their choice fields cheaply (diary/forms.py: `LeanTypedChoiceField`,
`LeanModelChoiceField`): each form still gets fields of its own, and nothing one form (one request) does to them
reaches another form or the form's class."""

import pytest
from django import forms
from django.utils.choices import normalize_choices

from diary.forms import ApplyForm, ChoicesMadeOnce, EntryForm, PhotoForm, ReactionForm
from drugs.models import Symptom
from drugs.selectors import reference_version
from tests.factories import BodyAreaFactory, SymptomFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "make",
    [
        lambda patient: ReactionForm(patient=patient),
        lambda patient: EntryForm(),
        lambda patient: PhotoForm(),
        lambda patient: ApplyForm(patient=patient, day=patient.today()),
    ],
)
def test_no_two_forms_share_a_field_a_widget_or_their_attributes(patient, make):
    first, second = make(patient), make(patient)

    for name, field in type(first).base_fields.items():
        assert first.fields[name] is not second.fields[name] is not field
        assert type(first.fields[name]) is type(field)
        assert first.fields[name].widget is not second.fields[name].widget is not field.widget
        first.fields[name].widget.attrs["data-mine"] = "1"
        first.fields[name].error_messages["required"] = "Changed on one form"
        assert "data-mine" not in second.fields[name].widget.attrs and "data-mine" not in field.widget.attrs
        assert second.fields[name].error_messages["required"] == field.error_messages["required"]
        assert first.fields[name].label == field.label and first.fields[name].required == field.required


def test_each_form_has_its_own_fields_widgets_attributes_and_messages(patient):
    first, second = ReactionForm(patient=patient), ReactionForm(patient=patient)

    for name in ReactionForm.base_fields:
        assert first.fields[name] is not second.fields[name] is not ReactionForm.base_fields[name]
        assert first.fields[name].widget is not second.fields[name].widget
    first.fields["severity"].widget.attrs["class"] = "mine"
    first.fields["symptom"].error_messages["required"] = "Changed on one form"
    first.fields["severity"].validators.append(lambda value: None)

    assert "class" not in second.fields["severity"].widget.attrs
    assert "class" not in ReactionForm.base_fields["severity"].widget.attrs
    assert second.fields["symptom"].error_messages["required"] == "Choose what you noticed, then tap how bad it is."
    assert second.fields["severity"].validators == ReactionForm.base_fields["severity"].validators == []


def test_choices_given_to_one_form_stay_on_that_form(patient):
    first, second = EntryForm(), EntryForm()

    first.fields["itch"].choices = [("", "Not scored"), ("1", "1")]
    first.fields["sleep_loss"].widget.choices = [("9", "9")]

    assert len(second.fields["itch"].choices) == len(second.fields["itch"].widget.choices) == 12
    assert len(EntryForm.base_fields["itch"].choices) == len(EntryForm.base_fields["itch"].widget.choices) == 12
    assert [value for value, _label in second.fields["sleep_loss"].widget.choices][:2] == ["", "0"]


def test_a_model_choice_fields_rows_are_read_anew_for_each_form(patient, face):
    first = PhotoForm()
    assert list(first.fields["body_area"].queryset) == [face]  # evaluated (and kept) on this form's own queryset

    hands = BodyAreaFactory(code="hands", name="Hands")
    second = PhotoForm()

    assert list(second.fields["body_area"].queryset) == [face, hands]
    assert [label for _value, label in second.fields["body_area"].widget.choices][1:] == ["Face", "Hands"]
    assert PhotoForm.base_fields["body_area"].queryset._result_cache is None
    assert first.fields["body_area"].queryset is not second.fields["body_area"].queryset


def test_a_queryset_set_on_one_form_is_that_forms_only(patient, other_patient):
    posted = ApplyForm({"treatment": "1"}, patient=patient, day=patient.today())
    unbound = ApplyForm(patient=other_patient, day=other_patient.today())

    assert posted.fields["treatment"].queryset.query.where  # the patient's own courses
    assert not unbound.fields["treatment"].queryset.exists()
    assert posted.fields["treatment"].error_messages["invalid_choice"] == "That treatment is not one of yours."
    assert "invalid_choice" in ApplyForm.base_fields["treatment"].error_messages
    assert ApplyForm.base_fields["treatment"].error_messages["invalid_choice"] != "That treatment is not one of yours."


def test_a_posted_reaction_is_checked_against_the_rows_there_are_now(patient, burning):
    assert ReactionForm({"symptom": burning.pk, "severity": "1"}, patient=patient).is_valid()

    later = SymptomFactory(code="itch", name="Itch")
    form = ReactionForm({"symptom": later.pk, "severity": "2"}, patient=patient)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["symptom"] == later

    Symptom.objects.filter(pk=later.pk).delete()
    gone = ReactionForm({"symptom": later.pk, "severity": "2"}, patient=patient)
    assert not gone.is_valid()
    assert "symptom" in gone.errors
    assert ReactionForm.base_fields["symptom"].queryset._result_cache is None


def test_choices_made_once_are_made_when_first_walked_once_a_form_and_read_as_django_normalises_them():
    made = []

    def make():
        made.append(1)
        return [("", "Choose"), ("Group <1>", [(1, "One"), (2, "Two & more")]), (3, "Three")]

    first = ChoicesMadeOnce(make)
    assert made == []

    assert list(first) == list(first) == normalize_choices(make())
    assert len(made) == 2  # once for the form, once for the comparison
    second = ChoicesMadeOnce(make)
    assert list(second) == list(first)
    assert len(made) == 3


@pytest.mark.parametrize("cached", [False, True])
def test_a_reaction_forms_pickers_render_as_djangos_select_with_the_same_choices(
    patient, course, face, burning, cached
):
    form = ReactionForm(patient=patient, courses=[course], reference_version=reference_version() if cached else None)

    for name in ("symptom", "body_area", "treatment"):
        widget = form.fields[name].widget
        plain = forms.Select(choices=normalize_choices(list(widget.choices)))
        assert str(form[name].as_widget()) == str(form[name].as_widget(widget=plain)), name
