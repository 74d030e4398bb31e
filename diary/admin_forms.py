"""Forms of the clinician admin's own pages: the timeline's date range and a flag's review."""

from django import forms
from django.core.exceptions import ValidationError

from diary.validators import validate_day_in_range

MAX_DAYS = 366
DATE = forms.DateInput(attrs={"type": "date"})


class TimelineRangeForm(forms.Form):
    start = forms.DateField(required=False, widget=DATE, validators=[validate_day_in_range])
    end = forms.DateField(required=False, widget=DATE, validators=[validate_day_in_range])

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise ValidationError("The start date must be on or before the end date.")
        if start and end and (end - start).days + 1 > MAX_DAYS:
            raise ValidationError(f"Choose at most {MAX_DAYS} days.")
        return data


NOTE_FOR_PATIENT = "The patient reads this note word for word on their alert."
INTERNAL_NOTE = "For the care team only: the patient never sees it."


class ResolveNoteForm(forms.Form):
    note = forms.CharField(
        label="Note for the patient",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=f"{NOTE_FOR_PATIENT} Required: kept with each resolved flag.",
    )
    internal_note = forms.CharField(
        label="Internal note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=INTERNAL_NOTE,
    )


class FlagReviewForm(forms.Form):
    DECISIONS = [("acknowledge", "Acknowledge"), ("resolve", "Resolve")]
    decision = forms.ChoiceField(choices=DECISIONS)
    note = forms.CharField(
        label="Note for the patient",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=f"{NOTE_FOR_PATIENT} Required to resolve; optional to acknowledge.",
    )
    internal_note = forms.CharField(
        label="Internal note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=INTERNAL_NOTE,
    )
