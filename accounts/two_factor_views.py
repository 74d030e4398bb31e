"""Two-step sign-in: enrol an authenticator app, verify a code after log-in, recovery codes, opting out."""

import base64
import math

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login

from accounts import services
from accounts.forms import TokenForm
from accounts.middleware import OTP_REQUIRED
from accounts.passkey_views import passkey_context
from accounts.selectors import has_second_factor
from diary.forms import PasswordConfirmForm
from diary.reauth import reauthentication_required


def _form_page(user) -> str:
    """Staff sign in to the admin: their two-step pages wear the admin's look, not the patient site's menu."""
    return "registration/_staff_form_page.html" if user.is_staff else "registration/_form_page.html"


def _next_url(request, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@sensitive_post_parameters("token")
@login_required
@never_cache
def verify(request):
    """After the password: a code from the authenticator app (or a recovery code)."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        paused = _paused_message(request.user)
        device = None if paused else match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            request.session[OTP_REQUIRED] = True
            return redirect(_next_url(request))
        form.add_error("token", paused or "That code is not right (or it expired). Wait for a new one and try again.")
    context = {"form": form, "next": _next_url(request, ""), "form_page": _form_page(request.user)}
    return render(request, "registration/two_factor_verify.html", {**context, **passkey_context(request)})


PAUSE_WORTH_SAYING = 3


def _paused_message(user) -> str | None:
    """If django-otp has paused checking codes after repeated wrong ones, say so and for how long.

    It waits 1, 2, 4... seconds after each wrong code; the first pauses pass before anyone could type again,
    so they are news only from PAUSE_WORTH_SAYING failures on."""
    paused_until = [
        data["locked_until"]
        for device in devices_for_user(user)
        for allowed, data in [device.verify_is_allowed()]
        if not allowed and data and "locked_until" in data and data["failure_count"] >= PAUSE_WORTH_SAYING
    ]
    if not paused_until:
        return None
    seconds = max(1, math.ceil((max(paused_until) - timezone.now()).total_seconds()))
    return (
        f"Too many wrong codes: checking is paused for {seconds} seconds. "
        "Wait, then type the code your app shows at that time."
    )


@sensitive_post_parameters("token")
@login_required
@never_cache
@reauthentication_required
def setup(request):
    """Enrol an authenticator app: scan the QR code, type a code, get recovery codes."""
    user = request.user
    if has_second_factor(user=user) and not user.is_verified():
        return redirect("two-factor-verify")
    device = services.two_factor_pending_device(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.two_factor_confirm(user=user, device=device, token=form.cleaned_data["token"])
        if codes is not None:
            device.refresh_from_db()
            otp_login(request, device)
            request.session[OTP_REQUIRED] = True
            # A session opened before (a lost laptop, a shared computer) must not go on without the code.
            services.sessions_end_others(user=user, keep=request.session.session_key)
            return render(request, "registration/two_factor_codes.html", {"codes": codes, "next": _next_url(request)})
        form.add_error("token", "That code is not right. Check the app's clock and type the code it shows now.")
    secret = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "next": _next_url(request, ""),
        # segno writes plain SVG markup (no script, no style attribute), safe to place inline under our CSP.
        "qr_svg": mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")),  # noqa: S308
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "is_staff": user.is_staff,
        "form_page": _form_page(user),
        # A clinician may make a passkey their second factor instead; once added, on to where they were going.
        "passkey_next": _next_url(request, reverse("admin:index")),
        **passkey_context(request),
    }
    return render(request, "registration/two_factor_setup.html", context)


@login_required
@never_cache
def manage(request):
    """Whether two-step sign-in is on, with recovery codes and (for patients) turning it off."""
    enrolled = has_second_factor(user=request.user)
    context = {"enrolled": enrolled, "form": PasswordConfirmForm(user=request.user, request=request)}
    return render(request, "registration/two_factor_manage.html", context)


@login_required
@require_POST
@never_cache
@reauthentication_required
def recovery_codes(request):
    if not request.user.is_verified():
        return redirect("two-factor-verify")
    codes = services.two_factor_recovery_codes(user=request.user)
    return render(request, "registration/two_factor_codes.html", {"codes": codes, "next": "two-factor-manage"})


@sensitive_post_parameters("password")
@login_required
@require_POST
@never_cache
@reauthentication_required
def disable(request):
    """Patients may turn two-step sign-in off again (with their password); staff may not."""
    form = PasswordConfirmForm(request.POST, user=request.user, request=request)
    if request.user.is_staff:
        messages.error(request, "Staff accounts must keep two-step sign-in. An administrator can reset it.")
    elif form.is_valid():
        services.two_factor_disable(user=request.user)
        request.session[OTP_REQUIRED] = False
        messages.success(request, "Two-step sign-in is off.")
    else:
        return render(request, "registration/two_factor_manage.html", {"enrolled": True, "form": form})
    return redirect("two-factor-manage")
