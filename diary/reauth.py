"""Re-authentication: sensitive actions ask for the password again unless it was given in the last few minutes.

Sensitive: downloading the diary, deleting the account, changing the password, changing two-step sign-in or
passkeys, and creating a share link.
Log-in counts as giving the password (accounts.middleware.on_login); the page that asks is accounts' reauthenticate.
"""

import time
from functools import wraps

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

# Session key: when the password was last given (seconds since the epoch).
REAUTHENTICATED_AT = "_reauthenticated_at"
REAUTHENTICATE_EVERY_SECONDS = 10 * 60


def mark_reauthenticated(request) -> None:
    request.session[REAUTHENTICATED_AT] = int(time.time())


def recently_reauthenticated(request) -> bool:
    return time.time() - request.session.get(REAUTHENTICATED_AT, 0) <= REAUTHENTICATE_EVERY_SECONDS


def reauthentication_required(view=None, *, keep: tuple[str, ...] = ()):
    """The one decorator for sensitive actions: without a password given in the last ten minutes, the user is
    sent to confirm it, then back here.

    A GET comes back to the same address. A POST comes back to the page the form was on; with `keep` (the names
    of harmless fields), back to this view's own address with those values in the query string, so a form that
    reads them as its initial values loses nothing that was typed.
    """
    if view is None:
        return lambda view: reauthentication_required(view, keep=keep)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated and not recently_reauthenticated(request):
            if request.method == "GET":
                target = request.get_full_path()
            elif keep:
                typed = {name: request.POST.getlist(name) for name in keep if name in request.POST}
                target = f"{request.path}?{urlencode(typed, doseq=True)}" if typed else request.path
            else:
                target = request.META.get("HTTP_REFERER", "")
            return redirect(f"{reverse('reauthenticate')}?{urlencode({'next': target or request.path})}")
        return view(request, *args, **kwargs)

    return wrapper
