"""Project-wide middleware of our own: headers, and the audit log's actor. (Sign-in middleware is in accounts.)"""

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings

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
