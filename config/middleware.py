"""Small middleware of our own: sliding session expiry without a write per request, and headers."""

import time

from django.conf import settings

RENEW_EVERY_SECONDS = 60


class IdleSessionMiddleware:
    """A signed-in session expires after SESSION_COOKIE_AGE without requests.

    Each request renews the expiry, but the session row is written at most once a minute
    (SESSION_SAVE_EVERY_REQUEST would write on every request).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "_cached_user", None)  # only if this request already looked the user up
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            if now - request.session.get("_renewed", 0) >= RENEW_EVERY_SECONDS:
                request.session["_renewed"] = now  # marks the session modified: saved with a new expiry
        return response


def mark_session_renewed(sender, request, user, **kwargs) -> None:
    """Logging in saves the session anyway: count it as a renewal (connected in DiaryConfig.ready)."""
    if hasattr(request, "session"):
        request.session["_renewed"] = int(time.time())


class SecurityHeadersMiddleware:
    """Headers Django does not set itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response
