import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from clinics.models import SHARE_LINK_MAX_DAYS


class ConsentForm(forms.Form):
    agree = forms.BooleanField(
        label="I agree to share my diary and alerts with this clinic as described above.",
        error_messages={"required": "Tick the box to agree, or leave this page: nothing is shared unless you agree."},
    )
    photos = forms.BooleanField(
        label="Also share my photos (you can decide this separately).",
        required=False,
    )


class ClinicCodeForm(forms.Form):
    code = forms.CharField(
        label="Clinic code",
        max_length=20,
        help_text="The short code your clinic gave you, for example K7M4QP.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ShareLinkForm(forms.Form):
    label = forms.CharField(
        label="Who is it for? (optional)", max_length=80, required=False, help_text="For example: GP appointment."
    )
    start = forms.DateField(label="From", widget=DateInput)
    end = forms.DateField(label="To", widget=DateInput)
    days = forms.TypedChoiceField(
        label="The link works for",
        coerce=int,
        choices=[(n, f"{n} day{'s' if n != 1 else ''}") for n in range(1, SHARE_LINK_MAX_DAYS + 1)],
        initial=3,
    )
    include_photos = forms.BooleanField(label="Include the photos of these days", required=False)

    def __init__(self, *args, today: datetime.date, typed: dict | None = None, **kwargs):
        """`typed`: values the patient typed before being asked to confirm the password, shown again."""
        kwargs.setdefault("initial", {"start": today - datetime.timedelta(days=13), "end": today, **(typed or {})})
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "The end of the period must be on or after its start.")
        if end and end > self.today:
            self.add_error("end", "The period cannot end after today.")
        if start and end and (end - start).days > 365:
            self.add_error("start", "Choose at most a year.")
        return data


class StaffAccountForm(UserCreationForm):
    """The staff account an invitee creates from their invitation link (its e-mail address is the invited one)."""

    name = forms.CharField(
        label="Your name",
        max_length=150,
        help_text="As colleagues and patients will see it, e.g. Dr Meredith Grey.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "name")

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.email = email  # so the password may not resemble the address either
        self.fields["username"].widget.attrs["autocomplete"] = "username"
        for name in ("password1", "password2"):
            self.fields[name].widget.attrs["autocomplete"] = "new-password"

    def _post_clean(self):
        self.instance.first_name = self.cleaned_data.get("name", "")
        super()._post_clean()
