import datetime
import json
from decimal import Decimal
from types import TracebackType

from django import forms
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.utils.choices import BaseChoiceIterator

from diary import fragments, scores, widgets
from diary.models import AmountUnit, Flag, Patient, Treatment
from diary.selectors import courses_of
from diary.timezones import TIME_ZONE_INVALID, time_zone_aliases, time_zone_choices
from drugs.models import BodyArea, Drug, Severity, Symptom
from drugs.selectors import symptom_groups, usual_schedules
from prepared import related

# --- A service's refusals ------------------------------------------------------------------


class Refusals:
    """`with Refusals(form):` around a service call: a `ValidationError` it raises (a rule the form did not
    check) is caught and never becomes a 500.

    On a form, each message goes next to the field it names, or above the form if the form has no such
    field; the form is then invalid. Without a form (a button, an admin action), `message` holds the text
    for a flash message. Code after the call inside the block runs only if the service succeeded.
    """

    def __init__(self, form: forms.BaseForm | None = None):
        self.form = form
        self.message = ""

    def __enter__(self) -> "Refusals":
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> bool:
        if not isinstance(error, ValidationError):
            return False
        self.message = " ".join(error.messages)
        if self.form is not None:
            by_field = error.error_dict if hasattr(error, "error_dict") else {None: error.error_list}
            for field, errors in by_field.items():
                self.form.add_error(field if field in self.form.fields else None, errors)
        return True


# --- Choice fields copied cheaply for each form -------------------------------------------


def _shallow(thing):
    """`copy.copy` of a plain object (a field, a widget: no slots, no copy hooks), without its generic machinery."""
    result = object.__new__(type(thing))
    result.__dict__ = thing.__dict__.copy()
    return result


def _copied_once(field: forms.Field, memo: dict) -> forms.Field:
    """`Field.__deepcopy__` with the widget copied one level: its attrs and the field's error messages and validators
    copied, the choices shared. Django deep-copies a choice field's choices (and normalises them again on the
    widget) for every form it builds: on the day page that was a tenth of the view's own time. Choices are never
    changed in place (a form gives a field others by assigning them, which replaces the list on that copy only)."""
    result = _shallow(field)
    memo[id(field)] = result
    result.widget = _shallow(field.widget)
    result.widget.attrs = field.widget.attrs.copy()
    result.error_messages = field.error_messages.copy()
    result.validators = field.validators[:]
    return result


class LeanCopy:
    """A field copied for each form by `_copied_once` (the day page's forms are built on every view of it)."""

    def __deepcopy__(self, memo):
        return _copied_once(self, memo)


class LeanTypedChoiceField(LeanCopy, forms.TypedChoiceField):
    """A `TypedChoiceField` whose copy for each form shares its choices (see `_copied_once`)."""


class LeanCharField(LeanCopy, forms.CharField):
    """A `CharField` copied for each form by `_copied_once`."""


class LeanFileField(LeanCopy, forms.FileField):
    """A `FileField` copied for each form by `_copied_once`."""


class _ChoicesOfFieldQueryset(ModelChoiceIterator):
    """Django's `ModelChoiceIterator`, reading the field's queryset when the choices are walked, not when made."""

    def __init__(self, field):
        self.field = field

    @property
    def queryset(self):
        return self.field.queryset


class LeanModelChoiceField(forms.ModelChoiceField):
    """A `ModelChoiceField` whose copy for each form shares its class's queryset until it is used, then clones it
    (Django clones it for every form built: three `Query.clone()`s a reaction form, none of them used on a page
    whose choices come from the reference cache). Its own clone is what a copy validates and lists with, so a
    queryset evaluated through one form never holds rows for another."""

    iterator = _ChoicesOfFieldQueryset
    _shares_queryset = False  # True on a form's copy until its queryset is first read

    def __deepcopy__(self, memo):
        result = _copied_once(self, memo)
        result._shares_queryset = True
        result.widget.choices = result.choices
        return result

    def _get_queryset(self):
        if self._shares_queryset:
            self._shares_queryset = False
            if self._queryset is not None:
                self._queryset = self._queryset.all()
        return self._queryset

    def _set_queryset(self, queryset):
        self._shares_queryset = False
        super()._set_queryset(queryset)

    queryset = property(_get_queryset, _set_queryset)


class ChoicesMadeOnce(BaseChoiceIterator):
    """A select's choices made by `make` when first walked, then kept: a list of `(value, label)` pairs and
    `(group, [pairs])`, the shape Django's `normalize_choices` gives. Django walks a callable's choices through
    `normalize_choices` on every walk (twice a render: `use_required_attribute` reads the first); these are made by
    our own code in that shape already (a 60-option picker: a tenth of a cold day page)."""

    def __init__(self, make):
        self._make = make
        self._made = None

    def __iter__(self):
        if self._made is None:
            self._made = self._make()
        return iter(self._made)


# --- Diary forms ---------------------------------------------------------------------------


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


def _model_field(model, name: str, **kwargs) -> forms.Field:
    """The form field of a model field (its limits and choices stay in one place), for plain forms."""
    return model._meta.get_field(name).formfield(**kwargs)


BIGGEST_ID = 2**63 - 1  # a 64-bit primary key


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses an id no primary key can have as an invalid choice before the database sees it (SQLite raises
    OverflowError on a number beyond 64 bits)."""

    def _check_values(self, value):
        for pk in value:
            try:
                out_of_range = abs(int(str(pk))) > BIGGEST_ID
            except ValueError:
                continue  # Django's own check gives the message
            if out_of_range:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": str(pk)}
                )
        return super()._check_values(value)


def _body_areas_field(label: str) -> forms.ModelMultipleChoiceField:
    return BoundedModelMultipleChoiceField(
        queryset=BodyArea.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        label=label,
        error_messages={"required": "Choose at least one body area."},
    )


class TreatmentForm(forms.Form):
    """A course as the patient describes it; `services.treatment_create`/`treatment_update` write it."""

    drug = forms.ModelChoiceField(
        queryset=Drug.objects.all(), label="Medicine", empty_label="Choose a medicine", widget=widgets.Select
    )
    # Every drug's strengths, grouped by drug name; static/js/diary.js hides the other drugs' groups.
    strength = forms.ChoiceField(required=False, widget=widgets.Select)
    body_areas = _body_areas_field("Where you apply it")
    schedule_times = forms.IntegerField(
        label="How often", min_value=1, max_value=7, initial=1, help_text="Times a day, or days a week."
    )
    schedule_kind = forms.ChoiceField(
        choices=Treatment.ScheduleKind.choices, widget=forms.RadioSelect, label="Schedule", initial="daily"
    )
    started_on = _model_field(Treatment, "started_on", label="Started on", widget=widgets.DateInput)
    ended_on = _model_field(Treatment, "ended_on", label="Ends on (optional)", widget=widgets.DateInput)
    usual_amount = _model_field(
        Treatment,
        "usual_amount",
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0.5", "inputmode": "decimal"}),
    )
    usual_unit = _model_field(Treatment, "usual_unit", widget=widgets.Select)
    instructions = _model_field(Treatment, "instructions", widget=widgets.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        drugs = list(self.fields["drug"].queryset)
        self.drugs = drugs
        if not self.is_bound and "schedule_times" not in self.initial:
            self._suggest_schedule(drugs)
        self.fields["strength"].choices = [("", "Choose a strength")] + [
            (str(drug), [(s, s) for s in drug.strength_list]) for drug in drugs if drug.strength_list
        ]
        self.fields["drug"].widget.attrs["data-drug-select"] = "true"
        self.fields["strength"].widget.attrs["data-strength-select"] = "true"

    def _suggest_schedule(self, drugs: list[Drug]) -> None:
        """A new course starts from the guide's usual schedule for its medicine (the one asked for, or the only
        one); static/js/diary.js does the same when the patient picks another, unless they changed the schedule."""
        usual = usual_schedules()
        chosen = self.initial.get("drug") or (drugs[0] if len(drugs) == 1 else None)
        chosen = getattr(chosen, "pk", chosen)
        if chosen in usual:
            self.initial = {
                **self.initial,
                "drug": chosen,
                "schedule_times": usual[chosen].times,
                "schedule_kind": usual[chosen].kind,
            }
        self.fields["drug"].widget.attrs["data-usual-schedules"] = json.dumps(
            {str(pk): {"times": schedule.times, "kind": schedule.kind} for pk, schedule in usual.items()}
        )

    def clean(self):
        cleaned = super().clean()
        drug, strength = cleaned.get("drug"), cleaned.get("strength")
        if drug is not None and not strength and drug.strength_list:
            self.add_error("strength", "Choose the strength on your prescription.")
        return cleaned


def _nrs_field(scale: scores.Nrs) -> forms.TypedChoiceField:
    """A 0-10 rating with its question and recall period as the label, and what its ends mean as help."""
    return LeanTypedChoiceField(
        label=scale.question,
        help_text=f"{scale.low}, {scale.high}.",
        choices=[("", "Not scored")] + [(str(n), str(n)) for n in range(scores.NRS_MAX + 1)],
        coerce=int,
        empty_value=None,
        required=False,
        widget=widgets.Select,
        error_messages={"invalid_choice": f"Choose a number from 0 to {scores.NRS_MAX}, or leave it not scored."},
    )


class EntryForm(forms.Form):
    reference_fields = ("itch", "sleep_loss")  # diary/fragments.py: rendered once per value

    itch = _nrs_field(scores.PEAK_ITCH)
    sleep_loss = _nrs_field(scores.SLEEP_LOSS)
    notes = LeanCharField(widget=widgets.Textarea(attrs={"rows": 3}), required=False, max_length=5000)


class ApplyForm(forms.Form):
    """One tap: a course applied now, or at a time on an earlier day."""

    treatment = LeanModelChoiceField(queryset=Treatment.objects.none(), widget=forms.HiddenInput)
    time = forms.TimeField(required=False, widget=TimeInput, label="At")

    def __init__(self, *args, patient, day, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:  # only a posted course is looked up (the page's hidden input shows the initial one)
            self.fields["treatment"].queryset = Treatment.objects.filter(patient=patient).select_related("drug")
        self.fields["treatment"].error_messages["invalid_choice"] = "That treatment is not one of yours."
        self.day = day

    def clean_treatment(self):
        treatment = self.cleaned_data["treatment"]
        if not treatment.is_active_on(self.day):
            raise forms.ValidationError(f"{treatment} was not active on this day: check the course's dates.")
        return treatment


class ApplicationForm(forms.Form):
    treatment = forms.ModelChoiceField(queryset=Treatment.objects.none(), label="Medicine", widget=widgets.Select)
    time = forms.TimeField(widget=TimeInput, label="Time")
    body_areas = _body_areas_field("Where")
    amount = forms.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0.1"),
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )
    unit = forms.ChoiceField(choices=AmountUnit.choices, widget=widgets.Select)

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["treatment"].queryset = Treatment.objects.filter(patient=patient).select_related("drug")


class ReactionForm(forms.Form):
    symptom = LeanModelChoiceField(
        queryset=Symptom.objects.all(),
        label="What did you notice?",
        empty_label="Choose what you noticed",
        widget=widgets.Select,
        error_messages={"required": "Choose what you noticed, then tap how bad it is."},
    )
    body_area = LeanModelChoiceField(
        queryset=BodyArea.objects.all(),
        required=False,
        label="Where",
        empty_label="Not one area / whole body",
        widget=widgets.Select,
    )
    treatment = LeanModelChoiceField(
        queryset=Treatment.objects.none(),
        required=False,
        label="From which medicine? (optional)",
        empty_label="Not sure",
        widget=widgets.Select,
    )
    severity = LeanTypedChoiceField(
        choices=Severity.choices,
        coerce=int,
        widget=forms.RadioSelect,
        label="How bad?",
        error_messages={"invalid_choice": "Choose Mild, Moderate or Severe."},
    )

    reference_fields = ("symptom", "body_area")  # diary/fragments.py: rendered once per reference version

    def __init__(
        self,
        *args,
        patient,
        courses: list[Treatment] | None = None,
        patient_courses: list[Treatment] | None = None,
        reference_version: int | None = None,
        **kwargs,
    ):
        """`courses`: the patient's courses running that day; they set the defaults and order the symptoms.
        `patient_courses`: all the patient's courses (`courses_of`), listed by the course select, when the caller has
        read them. `reference_version`: read the symptom groups from the cache of that version (diary/fragments.py)."""
        courses = courses or []
        # Defaults that save taps: where the courses are applied (when that is one area), and the course
        # when there is only one.
        areas = {area.pk for course in courses for area in related(course, "body_areas")}
        initial = {"body_area": next(iter(areas)) if len(areas) == 1 else None}
        initial["treatment"] = courses[0].pk if len(courses) == 1 else None
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        treatment = self.fields["treatment"]
        if self.is_bound:  # a posted course is looked up among the patient's own
            treatment.queryset = Treatment.objects.filter(patient=patient).select_related("drug")
        treatment.error_messages["invalid_choice"] = "That treatment is not one of yours."

        def treatment_choices() -> list:  # the same courses, read only if the select is rendered (prepared: SQL once)
            listed = courses_of(patient_id=patient.pk) if patient_courses is None else patient_courses
            return [("", treatment.empty_label), *((c.pk, treatment.label_from_instance(c)) for c in listed)]

        treatment.widget.choices = ChoicesMadeOnce(treatment_choices)
        drug_ids = [course.drug_id for course in courses]
        self.choices_key = tuple(sorted(set(drug_ids)))
        empty = ("", self.fields["symptom"].empty_label)

        def choices() -> list:  # read only if the picker is rendered (a valid post never needs it), then kept
            if reference_version is None:
                return [empty, *symptom_groups(drug_ids=drug_ids)]
            return [empty, *fragments.symptom_choices(drug_ids=drug_ids, version=reference_version)]

        self.fields["symptom"].widget.choices = ChoicesMadeOnce(choices)
        if reference_version is not None:
            _body_areas_of_version(self.fields["body_area"], version=reference_version)


def _body_areas_of_version(field: forms.ModelChoiceField, *, version: int) -> None:
    """The body-area picker's options from the cache of the reference version (read only if the picker is rendered),
    not through the model choice iterator."""
    field.widget.choices = ChoicesMadeOnce(
        lambda: [("", field.empty_label), *fragments.body_area_choices(version=version)]
    )


class HelpAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        choices=Flag.Help.choices,
        error_messages={"required": "Choose one of the answers.", "invalid_choice": "Choose one of the answers."},
    )


class SettingsForm(forms.Form):
    name = forms.CharField(
        label="Your name (optional)",
        max_length=150,
        required=False,
        help_text="As your clinic knows you. Only clinics you share your diary with see it.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        help_text="Your diary days start at midnight in this time zone.",
        widget=widgets.Select,
        error_messages={"invalid_choice": TIME_ZONE_INVALID},
    )
    callback_phone = _model_field(
        Patient,
        "callback_phone",
        label="Phone for call-backs (optional)",
        help_text="Clinics you share with may call you back about an alert that needs them today.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A zone stored before the list was trimmed (an old alias such as "Asia/Calcutta") stays valid and
        # shown as chosen, so saving the other settings neither fails nor changes it behind the patient's back.
        stored = self.initial.get("time_zone")
        choices = time_zone_choices()
        if stored and stored not in {value for value, _label in _flat(choices)}:
            current = time_zone_aliases().get(stored)
            label = f"{stored} (now called {current})" if current else f"{stored} (your current setting)"
            self.fields["time_zone"].choices = [choices[0], (stored, label), *choices[1:]]


def _flat(choices):
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            yield from label
        else:
            yield value, label


# --- Photos --------------------------------------------------------------------------------


class PhotoForm(forms.Form):
    reference_fields = ("upload", "body_area", "caption")  # diary/fragments.py: rendered once per reference version

    # A plain FileField: diary/imaging.py does the real validation (formats, size, pixels) when the
    # service processes the upload, and its refusals come back as errors on this field.
    upload = LeanFileField(
        label="Photo",
        # No `capture`: on a phone it would open only the camera and hide the pictures already taken;
        # without it the phone offers both the camera and the photo library.
        widget=forms.FileInput(attrs={"accept": "image/*"}),
        help_text="Take a photo with the camera or choose one you already have. "
        "JPEG, PNG, WebP or HEIC, up to 15 MB. Location and camera details are removed.",
        error_messages={"required": "Choose a photo to upload.", "empty": "This file is empty. Please choose a photo."},
    )
    body_area = LeanModelChoiceField(
        queryset=BodyArea.objects.all(),
        label="Body area",
        widget=widgets.Select,
        error_messages={"required": "Choose where on your body the photo shows."},
    )
    caption = LeanCharField(max_length=200, required=False, label="Caption (optional)")

    def __init__(self, *args, reference_version: int | None = None, **kwargs):
        """`reference_version`: read the body areas from the cache of that version (diary/fragments.py), as the
        reaction form does."""
        # The day page also holds the reaction form, which has its own body_area field: keep ids unique.
        kwargs.setdefault("auto_id", "id_photo_%s")
        super().__init__(*args, **kwargs)
        if reference_version is not None:
            _body_areas_of_version(self.fields["body_area"], version=reference_version)


def password_is_right(*, request, user, password: str) -> bool:
    """A password typed again (to confirm an action) is checked like a log-in: through authenticate(), so
    django-axes counts a wrong one as a failed log-in and refuses every check while the account is locked."""
    return authenticate(request, username=user.get_username(), password=password) == user


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label="Your password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, *args, user, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not password_is_right(request=self.request, user=self.user, password=password):
            raise forms.ValidationError("That is not your password.")
        return password


class AccountDeleteForm(PasswordConfirmForm):
    confirm = forms.BooleanField(label="I understand that my diary, photos and alerts will be deleted for good.")


# --- Scores, Progress and the visit summary ----------------------------------------------------


class PoemForm(forms.Form):
    """The seven POEM questions (diary.scores), each answered with a number of days; blanks are allowed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number, question in enumerate(scores.POEM_QUESTIONS, start=1):
            self.fields[f"q{number}"] = forms.TypedChoiceField(
                label=f"{number}. {scores.POEM_RECALL} {question}",
                choices=[(str(value), label) for value, label in scores.POEM_ANSWERS],
                widget=forms.RadioSelect(attrs={"class": "btn-check"}),
                coerce=int,
                empty_value=None,
                required=False,
                error_messages={"invalid_choice": "Choose one of the answers, or leave the question blank."},
            )

    @property
    def answers(self) -> list[int | None]:
        return [self.cleaned_data.get(f"q{n}") for n in range(1, len(scores.POEM_QUESTIONS) + 1)]


class ScorePrefsForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = ["poem", "summary_notes"]
        widgets = {"poem": forms.RadioSelect}
        help_texts = {
            "poem": (
                "Today asks for it once a week. Mometasone treats more than eczema: "
                "turn it off if yours is not for eczema."
            )
        }


class SummaryRangeForm(forms.Form):
    """The period of a visit summary: at most MAX_DAYS days, none of them still to come."""

    MAX_DAYS = 366

    start = forms.DateField(widget=widgets.DateInput, label="From")
    end = forms.DateField(widget=widgets.DateInput, label="To")

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end > self.today:
                self.add_error("end", "The summary cannot reach past today.")
            elif start > end:
                self.add_error("start", "Choose a start on or before the end.")
            elif (end - start).days + 1 > self.MAX_DAYS:
                self.add_error("start", f"A summary covers at most {self.MAX_DAYS} days.")
        return cleaned
