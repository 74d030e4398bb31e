"""Sign-up and two-step sign-in forms. (PasswordConfirmForm lives in diary.forms: deleting a diary uses it too.)"""

import json
from functools import cache

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm, UserCreationForm

from accounts.models import AccountMail
from accounts.services import account_mail_allowed
from diary import widgets
from diary.forms import password_is_right
from diary.timezones import TIME_ZONE_INVALID, time_zone_aliases, time_zone_choices


@cache
def _aliases_json() -> str:
    return json.dumps(time_zone_aliases(), separators=(",", ":"))


class SignUpForm(UserCreationForm):
    name = forms.CharField(
        label="Your name (optional)",
        max_length=150,
        required=False,
        help_text="As your clinic knows you. Only clinics you choose to share your diary with see it.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        help_text="Used only to reset your password if you forget it.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        initial="UTC",
        help_text="Your diary days start at midnight in this time zone.",
        widget=widgets.Select,
        error_messages={"invalid_choice": TIME_ZONE_INVALID},
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "name", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            # static/js/app.js preselects the browser's zone on a fresh form only,
            # so a choice the patient made is never overwritten after an error.
            self.fields["time_zone"].widget.attrs["data-detect-time-zone"] = "true"
            # A browser may report an old name ("Asia/Calcutta", "Europe/Kiev"): app.js looks it up here.
            self.fields["time_zone"].widget.attrs["data-time-zone-aliases"] = _aliases_json()
        for name in ("password1", "password2"):
            self.fields[name].widget.attrs["autocomplete"] = "new-password"

    def clean_email(self):
        # Whether the address has an account is not said here (services.patient_sign_up e-mails the answer).
        return get_user_model().objects.normalize_email(self.cleaned_data["email"])


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text="The 6-digit code your authenticator app shows now, or one of your recovery codes.",
    )

    def clean_token(self):
        return self.cleaned_data["token"].replace(" ", "").strip()


class CountedPasswordChangeForm(PasswordChangeForm):
    """Django's password change, with the old password checked like a log-in (wrong ones count towards a lockout)."""

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        if not password_is_right(request=self.request, user=self.user, password=old_password):
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


class ThrottledPasswordResetForm(PasswordResetForm):
    """Django's password reset; beyond a few requests an hour for one address, nothing more is sent."""

    def save(self, *args, **kwargs):
        if account_mail_allowed(address=self.cleaned_data["email"], purpose=AccountMail.Purpose.PASSWORD_RESET):
            super().save(*args, **kwargs)


class LogInForm(AuthenticationForm):
    remember = forms.BooleanField(
        required=False,
        label="Keep me signed in on this device",
        help_text="For 30 days from your last visit: only on your own phone or computer. Clinician accounts are "
        "always signed out after a short break.",
    )
