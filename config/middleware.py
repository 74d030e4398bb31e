"""Project-wide middleware of our own: headers, and the audit log's actor. (Sign-in middleware is in accounts.)"""

from auditlog import get_logentry_model
from auditlog.cid import set_cid
from auditlog.context import _set_extra_data, auditlog_value
from auditlog.middleware import AuditlogMiddleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.db.models.signals import pre_save
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
    (django-auditlog's own takes the first X-Forwarded-For entry, which the client chooses).

    django-auditlog connects a `pre_save` receiver for its log entries at the start of every request and disconnects
    it at the end (a lock and the signal's cache cleared twice: a fifth of a bare page's time). Here one receiver,
    connected once, does the same work for the request being served: the request's values are in django-auditlog's
    own context variable, marked as ours, for the length of the request only. Its `set_actor` (scripts, tests) still
    works as before, with its own receiver."""

    def __init__(self, get_response=None):
        super().__init__(get_response)
        pre_save.connect(
            _request_audit_values,
            sender=get_logentry_model(),
            dispatch_uid="config.middleware.audit_values",
            weak=False,
        )

    def __call__(self, request):
        set_cid(request)
        context = self.get_extra_data(request)
        context["signal_duid"] = _REQUEST  # what django-auditlog's receiver keys its context by
        token = auditlog_value.set(context)
        try:
            return self.get_response(request)
        finally:
            auditlog_value.reset(token)

    @staticmethod
    def _get_remote_addr(request):
        return client_address(request)


# The mark of a request's audit values (django-auditlog marks its own with a tuple made in `set_actor`).
_REQUEST = ("config.middleware", "request")


def _request_audit_values(sender, instance, **kwargs):
    # django-auditlog's receiver, for the values a request set (it does nothing when they are not the request's).
    _set_extra_data(sender, instance, signal_duid=_REQUEST, **kwargs)


class RejectNulMiddleware:
    """A NUL byte in the query string is bad input (400): PostgreSQL refuses it in any text, and the database
    error would otherwise look like an outage. (Form fields refuse NUL themselves, with a message.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in item for key, values in request.GET.lists() for item in [key, *values]):
            return HttpResponseBadRequest("A NUL character is not allowed in the address.", content_type="text/plain")
        return self.get_response(request)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the header of a response that changes nothing in the policy (no view
    decorator, no nonce: every response here) built once per settings value rather than on every response (a
    fifth of a bare page's time). Any other response goes through django-csp's own code."""

    def process_response(self, request, response):
        if settings.DEBUG or getattr(request, "_csp_nonce", None) is not None or _changes_policy(response):
            return super().process_response(request, response)
        for header, setting, exempt in _HEADERS:
            policy = _policy(setting, report_only=header == HEADER_REPORT_ONLY)
            if policy and header not in response and getattr(response, exempt, False) is False:
                prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ()
                if not request.path_info.startswith(tuple(prefixes)):
                    response[header] = policy
        # As django-csp: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


_HEADERS = (
    (HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt"),
    (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", "_csp_exempt_ro"),
)
_PER_RESPONSE = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")
# Per setting: the settings value the header was built from, and the header.
_POLICIES: dict[str, tuple[object, str]] = {}


def _changes_policy(response) -> bool:
    return any(getattr(response, name, None) is not None for name in _PER_RESPONSE)


def _policy(setting: str, *, report_only: bool) -> str:
    value = getattr(settings, setting, None)
    cached = _POLICIES.get(setting)
    if cached is None or cached[0] is not value:  # built again when the setting is another object (tests)
        cached = _POLICIES[setting] = (value, build_policy(report_only=report_only))
    return cached[1]
