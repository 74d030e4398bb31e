"""Project-wide middleware of our own: headers, and the audit log's actor. (Sign-in middleware is in accounts.)"""

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.http import HttpResponseBadRequest

from config.client import client_address


class SecurityHeadersMiddleware:
    """Headers Django does not set itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


class AuditActorMiddleware(AuditlogMiddleware):
    """django-auditlog's actor and address for every change; the address by config.client's rule
    (django-auditlog's own takes the first X-Forwarded-For entry, which the client chooses)."""

    @staticmethod
    def _get_remote_addr(request):
        return client_address(request)


class RejectNulMiddleware:
    """A NUL byte in the query string is bad input (400): PostgreSQL refuses it in any text, and the database
    error would otherwise look like an outage. (Form fields refuse NUL themselves, with a message.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in item for key, values in request.GET.lists() for item in [key, *values]):
            return HttpResponseBadRequest("A NUL character is not allowed in the address.", content_type="text/plain")
        return self.get_response(request)
