"""Sign-up, and the password reset that also lifts a login lockout. (Two-step sign-in: two_factor_views.py.)"""

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.views import LoginView, PasswordChangeView, PasswordResetConfirmView, PasswordResetView
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts import services
from accounts.forms import CountedPasswordChangeForm, LogInForm, SignUpForm, ThrottledPasswordResetForm
from accounts.passkey_views import passkey_context
from diary.forms import PasswordConfirmForm
from diary.reauth import mark_reauthenticated, reauthentication_required


@sensitive_post_parameters("password1", "password2")
@never_cache
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""  # an invitation brings the new patient back to it: a page of this site only
    if request.method == "POST" and form.is_valid():
        services.patient_sign_up(
            request=request,
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            time_zone=form.cleaned_data["time_zone"],
            name=form.cleaned_data["name"],
        )
        # An invitation brings the new patient back to it once the e-mailed link has opened the account.
        request.session["signup_next"] = next_url
        return redirect("signup-sent")
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


@never_cache
def signup_sent(request):
    return render(request, "registration/signup_sent.html")


@never_cache
def signup_confirm(request, uidb64, token):
    """The link in the sign-up e-mail: it opens the account and signs the patient in (once; it expires)."""
    try:
        user = get_user_model().objects.get(pk=urlsafe_base64_decode(uidb64).decode(), is_active=False)
    except (ValueError, TypeError, OverflowError, get_user_model().DoesNotExist):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        messages.error(request, "That link has expired or was already used. Log in, or sign up again.")
        return redirect("login")
    services.patient_confirm(user=user)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    next_url = request.session.pop("signup_next", "")
    messages.success(request, "Welcome! Your diary is ready.")
    return redirect(next_url or "home")


class UnlockingPasswordResetConfirmView(PasswordResetConfirmView):
    """Choosing a new password through the e-mailed link also lifts a login lockout of the account."""

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        return response


@method_decorator(reauthentication_required, name="dispatch")
class CountedPasswordChangeView(PasswordChangeView):
    """Django's password change page; a wrong old password counts towards the log-in lockout."""

    form_class = CountedPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class ThrottledPasswordResetView(PasswordResetView):
    """Django's password reset page; e-mails to one address are throttled (the page answers the same)."""

    form_class = ThrottledPasswordResetForm


@sensitive_post_parameters("password")
@login_required
@never_cache
def reauthenticate(request):
    """Type the password again before a sensitive action (diary.reauth); wrong ones count towards the lockout."""
    form = PasswordConfirmForm(request.POST or None, user=request.user, request=request)
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("home")
    if request.method == "POST" and form.is_valid():
        mark_reauthenticated(request)
        return redirect(target)
    context = {"form": form, "next": target, **passkey_context(request)}  # or confirm with a passkey
    return render(request, "registration/reauthenticate.html", context)


class KeepSignedInLoginView(LoginView):
    """Django's log-in, where a patient may choose to stay signed in on their own device (KEEP_SIGNED_IN_SECONDS,
    renewed on use by accounts.middleware); staff keep the short idle session whatever they tick."""

    form_class = LogInForm

    def get_context_data(self, **kwargs):
        # "Sign in with a passkey", and the passkeys the browser holds offered in the username field.
        return {**super().get_context_data(**kwargs), **passkey_context(self.request, autofill=True)}

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.cleaned_data["remember"] and not form.get_user().is_staff:
            self.request.session.set_expiry(settings.KEEP_SIGNED_IN_SECONDS)
        return response
