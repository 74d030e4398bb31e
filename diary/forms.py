import datetime
from decimal import Decimal

from django import forms

from diary.models import MAX_FTU, MAX_GRAMS, AmountUnit, Patient, Treatment
from diary.timezones import time_zone_choices
from drugs.models import BodyArea, Drug, Severity, Symptom

# --- Diary forms ---------------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class TreatmentForm(forms.ModelForm):
    drug = forms.ModelChoiceField(queryset=Drug.objects.all(), label="Medicine", empty_label="Choose a medicine")
    # Every drug's strengths, grouped by drug name; static/js/diary.js hides the other drugs' groups.
    strength = forms.ChoiceField(required=False)
    body_areas = forms.ModelMultipleChoiceField(
        queryset=BodyArea.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        label="Where you apply it",
        error_messages={"required": "Choose at least one body area."},
    )
    schedule_kind = forms.ChoiceField(
        choices=Treatment.ScheduleKind.choices, widget=forms.RadioSelect, label="Schedule", initial="daily"
    )
    schedule_times = forms.IntegerField(
        label="How often", min_value=1, max_value=7, initial=1, help_text="Times a day, or days a week."
    )

    class Meta:
        model = Treatment
        fields = [
            "drug",
            "strength",
            "body_areas",
            "schedule_times",
            "schedule_kind",
            "started_on",
            "ended_on",
            "usual_amount",
            "usual_unit",
            "instructions",
        ]
        labels = {"started_on": "Started on", "ended_on": "Ends on (optional)"}
        widgets = {
            "started_on": DateInput,
            "ended_on": DateInput,
            "instructions": forms.Textarea(attrs={"rows": 3}),
            "usual_amount": forms.NumberInput(attrs={"step": "0.5", "min": "0.5", "inputmode": "decimal"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        drugs = list(self.fields["drug"].queryset)
        self.drugs = drugs
        self.fields["strength"].choices = [("", "Choose a strength")] + [
            (str(drug), [(s, s) for s in drug.strength_list]) for drug in drugs if drug.strength_list
        ]
        self.fields["drug"].widget.attrs["data-drug-select"] = "true"
        self.fields["strength"].widget.attrs["data-strength-select"] = "true"

    def clean(self):
        cleaned = super().clean()
        drug, strength = cleaned.get("drug"), cleaned.get("strength")
        if drug is not None:
            if strength and strength not in drug.strength_list:
                self.add_error("strength", f"{drug} does not come in {strength}. Choose one of its strengths.")
            elif not strength and drug.strength_list:
                self.add_error("strength", "Choose the strength on your prescription.")
        return cleaned


class EntryForm(forms.Form):
    itch = forms.TypedChoiceField(
        label="Itch score (0 = none, 10 = worst)",
        choices=[("", "Not scored")] + [(str(n), str(n)) for n in range(11)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000)


class ApplyForm(forms.Form):
    """One tap: a course applied now, or at a time on an earlier day."""

    treatment = forms.ModelChoiceField(queryset=Treatment.objects.none(), widget=forms.HiddenInput)
    time = forms.TimeField(required=False, widget=TimeInput, label="At")

    def __init__(self, *args, patient, day, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["treatment"].queryset = Treatment.objects.filter(patient=patient).select_related("drug")
        self.fields["treatment"].error_messages["invalid_choice"] = "That treatment is not one of yours."
        self.day = day

    def clean_treatment(self):
        treatment = self.cleaned_data["treatment"]
        if not treatment.is_active_on(self.day):
            raise forms.ValidationError(f"{treatment} was not active on this day: check the course's dates.")
        return treatment


class ApplicationForm(forms.Form):
    treatment = forms.ModelChoiceField(queryset=Treatment.objects.none(), label="Medicine")
    time = forms.TimeField(widget=TimeInput, label="Time")
    body_areas = forms.ModelMultipleChoiceField(
        queryset=BodyArea.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        label="Where",
        error_messages={"required": "Choose at least one body area."},
    )
    amount = forms.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0.1"),
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )
    unit = forms.ChoiceField(choices=AmountUnit.choices)

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.fields["treatment"].queryset = Treatment.objects.filter(patient=patient).select_related("drug")

    def clean(self):
        cleaned = super().clean()
        amount, unit = cleaned.get("amount"), cleaned.get("unit")
        if amount is not None and unit:
            limit = MAX_GRAMS if unit == AmountUnit.GRAMS else MAX_FTU
            if amount > limit:
                self.add_error("amount", f"That is more than anyone applies at once (at most {limit}). Check it.")
        return cleaned


class ReactionForm(forms.Form):
    symptom = forms.ModelChoiceField(
        queryset=Symptom.objects.all(),
        label="What did you notice?",
        empty_label="Choose what you noticed",
        error_messages={"required": "Choose what you noticed, then tap how bad it is."},
    )
    body_area = forms.ModelChoiceField(
        queryset=BodyArea.objects.all(), required=False, label="Where", empty_label="Not one area / whole body"
    )
    treatment = forms.ModelChoiceField(
        queryset=Treatment.objects.none(),
        required=False,
        label="From which medicine? (optional)",
        empty_label="Not sure",
    )
    severity = forms.TypedChoiceField(
        choices=Severity.choices,
        coerce=int,
        widget=forms.RadioSelect,
        label="How bad?",
        error_messages={"invalid_choice": "Choose Mild, Moderate or Severe."},
    )

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["treatment"].queryset = Treatment.objects.filter(patient=patient).select_related("drug")
        self.fields["treatment"].error_messages["invalid_choice"] = "That treatment is not one of yours."


class SettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        choices=time_zone_choices, help_text="Your diary days start at midnight in this time zone."
    )

    class Meta:
        model = Patient
        fields = ["time_zone", "date_of_birth"]
        labels = {"date_of_birth": "Date of birth (optional)"}
        widgets = {"date_of_birth": DateInput}

    def clean_date_of_birth(self):
        born = self.cleaned_data.get("date_of_birth")
        if born is not None and not datetime.date(1900, 1, 1) <= born <= datetime.date.today():
            raise forms.ValidationError("Enter your real date of birth.")
        return born


# --- Photos --------------------------------------------------------------------------------


class PhotoForm(forms.Form):
    # A plain FileField: diary/imaging.py does the real validation (formats, size, pixels) when the
    # service processes the upload, and its refusals come back as errors on this field.
    upload = forms.FileField(
        label="Photo",
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
        help_text="JPEG, PNG, WebP or HEIC, up to 15 MB. Location and camera details are removed.",
        error_messages={"required": "Choose a photo to upload.", "empty": "This file is empty. Please choose a photo."},
    )
    body_area = forms.ModelChoiceField(
        queryset=BodyArea.objects.all(),
        label="Body area",
        error_messages={"required": "Choose where on your body the photo shows."},
    )
    caption = forms.CharField(max_length=200, required=False, label="Caption (optional)")

    def __init__(self, *args, **kwargs):
        # The day page also holds the reaction form, which has its own body_area field: keep ids unique.
        kwargs.setdefault("auto_id", "id_photo_%s")
        super().__init__(*args, **kwargs)


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label="Your password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password


class AccountDeleteForm(PasswordConfirmForm):
    confirm = forms.BooleanField(label="I understand that my diary, photos and alerts will be deleted for good.")
