"""Sign-up, and the password reset that also lifts a login lockout. (Two-step sign-in: two_factor_views.py.)"""

from axes.utils import reset as axes_reset
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import PasswordResetConfirmView
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts import services
from accounts.forms import SignUpForm


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
        patient = services.patient_register(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            time_zone=form.cleaned_data["time_zone"],
            name=form.cleaned_data["name"],
        )
        login(request, patient.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome! Your diary is ready.")
        return redirect(next_url or "home")
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


class UnlockingPasswordResetConfirmView(PasswordResetConfirmView):
    """Choosing a new password through the e-mailed link also lifts a login lockout of the account."""

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        return response
