"""The one way a service's refusal reaches the patient: as form errors, or as the text of a message."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from diary.forms import Refusals


class NoteForm(forms.Form):
    note = forms.CharField()


def _bound_form() -> NoteForm:
    form = NoteForm({"note": "Dry patch"})
    assert form.is_valid()
    return form


def test_a_refusal_naming_a_field_of_the_form_goes_next_to_that_field():
    form = _bound_form()

    with Refusals(form):
        raise ValidationError({"note": "Too long for a note."})

    assert form.errors == {"note": ["Too long for a note."]}
    assert not form.is_valid()


def test_a_refusal_naming_another_field_or_none_goes_above_the_form():
    form = _bound_form()

    with Refusals(form):
        raise ValidationError({"date": "You cannot fill in a day that has not come yet."})
    with Refusals(form):
        raise ValidationError("This course has not started yet.")

    assert form.non_field_errors() == [
        "You cannot fill in a day that has not come yet.",
        "This course has not started yet.",
    ]


def test_without_a_form_the_refusal_is_kept_as_one_message_and_the_rest_of_the_block_is_skipped():
    reached = []

    with Refusals() as refusal:
        raise ValidationError(["Only an open flag can be acknowledged.", "Write a note."])
        reached.append(True)

    assert refusal.message == "Only an open flag can be acknowledged. Write a note."
    assert reached == []


def test_a_success_leaves_no_message_and_other_errors_are_not_swallowed():
    with Refusals() as refusal:
        pass
    assert refusal.message == ""

    with pytest.raises(RuntimeError), Refusals(_bound_form()):
        raise RuntimeError("a bug stays a bug")
