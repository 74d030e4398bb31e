"""Who sent a request: the one rule for the client address used by the log-in lockout, the audit trail and logs."""

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    """The client's address. Behind our one trusted proxy (DJANGO_BEHIND_TLS_PROXY=1) it is the last
    X-Forwarded-For entry, the one the proxy appended (earlier entries are whatever the client sent);
    otherwise REMOTE_ADDR, and a client-sent X-Forwarded-For is ignored."""
    remote = request.META.get("REMOTE_ADDR", "")
    if settings.BEHIND_TLS_PROXY:
        appended = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(appended))
        except ValueError:
            pass  # no (or a garbled) header: the proxy was bypassed or misconfigured; keep the connecting address
    return remote
