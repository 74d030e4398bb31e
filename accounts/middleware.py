"""Signed-in sessions: sliding expiry without a write per request, and two-step sign-in before any page."""

import time

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django_otp import user_has_device

from accounts.selectors import has_second_factor
from accounts.sessions import session_user
from diary.reauth import mark_reauthenticated

# Session key: this user has a confirmed second factor, so every page needs a verified session.
OTP_REQUIRED = "_otp_required"
# Only the code page itself, and setting up a first device (its view sends an enrolled user to verify), open before
# the code: every other two-factor page (turning it off, new recovery codes) needs a verified session.
OTP_FREE_PATHS = (
    "/accounts/two-factor/verify/",
    "/accounts/two-factor/setup/",
    # The passkey ceremonies (JSON): signing in, the second step, and a staff member's first passkey. Each checks
    # for itself what the session may do (accounts/passkey_views.py).
    "/accounts/passkeys/api/",
    "/accounts/logout/",
    "/static/",
    "/health/",
)

# Session key: when the session's expiry was last renewed (seconds since the epoch).
RENEWED = "_renewed"
# Renewed at most once a minute, and at least ten times per idle period (a one-minute limit renews every 6 s),
# so an active user is never signed out and reading pages does not write the session on every request.
RENEW_AT_MOST_EVERY_SECONDS = 60
RENEWALS_PER_IDLE_PERIOD = 10


def renew_every_seconds(idle_seconds: int) -> int:
    """How often an active session's expiry is pushed back: a fraction of the idle limit, at most a minute."""
    return max(1, min(RENEW_AT_MOST_EVERY_SECONDS, idle_seconds // RENEWALS_PER_IDLE_PERIOD))


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, except that a request whose session key no longer exists leaves the browser's cookie alone.

    A sign-in replaces the session key (`cycle_key`). A request the browser sent before it, with the old key (the
    service worker's script, the manifest, a second tab), can be answered after the sign-in's response; Django would
    then delete the session cookie, which by now holds the new key, and sign the browser out. Only a session emptied
    in this request (signing out flushes it, which marks it modified) deletes the cookie."""

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if (
            session is not None
            and settings.SESSION_COOKIE_NAME in request.COOKIES
            and not session.modified
            and session.is_empty()
        ):
            if session.accessed:
                patch_vary_headers(response, ("Cookie",))
            return response
        return super().process_response(request, response)


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's `request.user`, read once and only if used, by `accounts.sessions.session_user` (Django's
    `get_user` with the user read prepared); `request.auser` stays Django's."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _cached_user(request))


def _cached_user(request):
    # As django.contrib.auth.middleware.get_user: the same attribute, which IdleSessionMiddleware reads.
    if not hasattr(request, "_cached_user"):
        request._cached_user = session_user(request)
    return request._cached_user


class IdleSessionMiddleware:
    """A signed-in session expires after SESSION_COOKIE_AGE without requests.

    Each request renews the expiry, but the session row is written only every renew_every_seconds()
    (SESSION_SAVE_EVERY_REQUEST would write on every request).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "_cached_user", None)  # only if this request already looked the user up
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            if now - request.session.get(RENEWED, 0) >= renew_every_seconds(request.session.get_expiry_age()):
                request.session[RENEWED] = now  # marks the session modified: saved with a new expiry
        return response


def on_login(sender, request, user, **kwargs) -> None:
    """At log-in (connected in AccountsConfig.ready): count it as a session renewal, and note once
    whether the account has a second factor, so later requests need no query to know."""
    if hasattr(request, "session"):
        request.session[RENEWED] = int(time.time())
        mark_reauthenticated(request)  # the password was just given
        request.session[OTP_REQUIRED] = has_second_factor(user=user)


class TwoFactorMiddleware:
    """Accounts with a second factor must verify it before any page; staff must enrol one before any page
    (admin, and the photo files and other views they may open for their patients)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path.startswith(OTP_FREE_PATHS) and not user.is_verified():
            if request.session.get(OTP_REQUIRED) or (user.is_staff and user_has_device(user, confirmed=True)):
                return _redirect_with_next("two-factor-verify", request)
            if user.is_staff:
                return _redirect_with_next("two-factor-setup", request)
        return self.get_response(request)


def _redirect_with_next(name: str, request):
    return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")
