"""Passkeys (WebAuthn, through django-otp-webauthn): add, name and remove them under Settings; sign in with one.

The library's JSON views do the ceremonies; the subclasses here add this site's rules:
- adding a passkey needs a password (or passkey) given in the last ten minutes (diary.reauth), and ends the
  account's other sessions like turning on two-step sign-in;
- a patient signs in with a passkey alone; staff give the password first and use the passkey as the second step;
- using a passkey counts as confirming who you are (re-authentication) and verifies the session for django-otp.
"""

from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.middleware import csrf
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp_webauthn import exceptions, views

from accounts import selectors, services
from accounts.middleware import OTP_REQUIRED
from diary.forms import Refusals
from diary.reauth import mark_reauthenticated, reauthentication_required, recently_reauthenticated
from diary.views import patient_page  # signed in, never cached; another's passkey (NotYoursError) is a 404


class PasswordFirst(exceptions.OTPWebAuthnApiError):
    status_code = 403
    code = "password_first"
    default_detail = "Clinician accounts sign in with their password first, then the passkey."


class ConfirmFirst(exceptions.OTPWebAuthnApiError):
    status_code = 403
    code = "reauthenticate"
    default_detail = "Confirm your password again before adding a passkey (reload the page)."


class LogInRefused(exceptions.OTPWebAuthnApiError):
    status_code = 403
    code = "login_refused"
    default_detail = "Logging in is paused for this account or address. Try again later, or reset your password."


def passkey_context(request, *, autofill: bool = False) -> dict:
    """What a page with a passkey button needs: whether the user has passkeys, and the configuration the library's
    scripts read from the page (json_script "otp_webauthn_config"). `autofill`: the browser may offer the
    passkeys it holds for this site right in the username field (the log-in page)."""
    user = request.user
    has_passkeys = user.is_authenticated and selectors.passkeys_of(user=user).exists()
    config = {**_config(request), "autocompleteLoginFieldSelector": "input[name='username']" if autofill else None}
    return {"has_passkeys": has_passkeys, "passkey_config": config}


def _config(request) -> dict:
    return {
        "csrfToken": csrf.get_token(request),
        "beginAuthenticationUrl": reverse("passkey-sign-in-begin"),
        "completeAuthenticationUrl": reverse("passkey-sign-in-complete"),
        "beginRegistrationUrl": reverse("passkey-registration-begin"),
        "completeRegistrationUrl": reverse("passkey-registration-complete"),
        "nextFieldSelector": "input[name='next']",
        "autocompleteLoginFieldSelector": None,
    }


class _RegistrationRules:
    def user_is_mfa_enrolled(self, user) -> bool:
        # A session that must pass a second factor has to have passed it before adding another.
        return selectors.has_second_factor(user=user)

    def check_can_register(self):
        if not recently_reauthenticated(self.request):
            raise ConfirmFirst()


class RegistrationBegin(_RegistrationRules, views.BeginCredentialRegistrationView):
    pass


class RegistrationComplete(_RegistrationRules, views.CompleteCredentialRegistrationView):
    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        # The library verified this session with the new passkey if it was not verified yet (a clinician's
        # first second factor): from now on every log-in of a clinician needs it.
        if self.request.user.is_staff:
            self.request.session[OTP_REQUIRED] = True
        services.passkey_register_complete(user=self.request.user, keep=self.request.session.session_key)
        return response


class AuthenticationBegin(views.BeginCredentialAuthenticationView):
    def post(self, *args, **kwargs):
        # Always ask the authenticator to check its owner (fingerprint, face or PIN), not only that it is present:
        # the passkey then stands for the password as well as the phone (a second step, or a confirmation).
        data, state = self.get_helper().authenticate_begin(user=self.get_user(), require_user_verification=True)
        self.request.session["otp_webauthn_authentication_state"] = state
        return JsonResponse(data)


class AuthenticationComplete(views.CompleteCredentialAuthenticationView):
    def complete_auth(self, device):
        request = self.request
        if not request.user.is_authenticated:
            if device.user.is_staff:
                raise PasswordFirst()
            user = authenticate(request, webauthn_credential=device)
            if user is None:  # django-axes refused (a locked-out address), or the account was closed
                raise LogInRefused()
            login(request, user)
        otp_login(request, device)
        mark_reauthenticated(request)


@login_required
@never_cache
@reauthentication_required
def manage(request):
    """The account's passkeys: add one, name them, remove them."""
    context = {"passkeys": selectors.passkeys_of(user=request.user), "passkey_config": _config(request)}
    return render(request, "registration/passkeys.html", context)


@patient_page
@require_POST
@reauthentication_required
def rename(request, pk):
    with Refusals() as refused:
        services.passkey_rename(user=request.user, passkey_id=pk, name=request.POST.get("name", ""))
    _say(request, refused, "Passkey renamed.")
    return redirect("passkeys")


@patient_page
@require_POST
@reauthentication_required
def remove(request, pk):
    with Refusals() as refused:
        services.passkey_remove(user=request.user, passkey_id=pk, keep=request.session.session_key)
    _say(request, refused, "Passkey removed: it no longer signs you in.")
    return redirect("passkeys")


def _say(request, refused: Refusals, done: str) -> None:
    if refused.message:
        messages.error(request, refused.message)
    else:
        messages.success(request, done)
