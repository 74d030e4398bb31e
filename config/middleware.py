"""Project-wide middleware of our own: headers, and the audit log's actor. (Sign-in middleware is in accounts.)"""

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings


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
    """django-auditlog's actor and address for every change, trusting X-Forwarded-For only behind our proxy."""

    @staticmethod
    def _get_remote_addr(request):
        if settings.BEHIND_TLS_PROXY:
            return AuditlogMiddleware._get_remote_addr(request)
        return request.META.get("REMOTE_ADDR")
