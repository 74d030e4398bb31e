"""The project's versions of library middleware (config/middleware.py) behave as the libraries' own."""

import pytest
from auditlog.context import set_actor
from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntry
from csp.decorators import csp_exempt, csp_update
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from config.middleware import AuditActorMiddleware, ContentSecurityPolicyMiddleware
from diary.models import Entry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _directives(header: str) -> set[str]:
    # django-csp writes the directives in the order of a set: compare them as a set.
    return {part.strip() for part in header.split(";")}


def _plain(request):
    return HttpResponse("page")


@csp_update({"img-src": ["https://example.org"]})
def _updated(request):
    return HttpResponse("page")


@csp_exempt()
def _exempt(request):
    return HttpResponse("page")


def _with_nonce(request):
    return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")


def _headers(middleware_class, view, path="/") -> dict:
    request = RequestFactory().get(path)
    middleware = middleware_class(view)
    response = middleware(request)
    return {
        name: _directives(response[name])
        for name in ["Content-Security-Policy", "Content-Security-Policy-Report-Only"]
        if name in response
    }


@pytest.mark.parametrize("view", [_plain, _updated, _exempt, _with_nonce])
def test_the_policy_header_is_django_csps_for_every_kind_of_response(view):
    assert _headers(ContentSecurityPolicyMiddleware, view) == _headers(CSPMiddleware, view)


def test_the_policy_follows_a_changed_setting_and_a_report_only_policy(settings):
    before = _headers(ContentSecurityPolicyMiddleware, _plain)["Content-Security-Policy"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {
        "DIRECTIVES": {"default-src": ["'self'"]},
        "EXCLUDE_URL_PREFIXES": ["/excluded/"],
    }

    after = _headers(ContentSecurityPolicyMiddleware, _plain)

    assert "default-src 'self'" in before
    assert after == _headers(CSPMiddleware, _plain)
    assert after["Content-Security-Policy"] == {"default-src 'none'"}
    assert after["Content-Security-Policy-Report-Only"] == {"default-src 'self'"}
    excluded = _headers(ContentSecurityPolicyMiddleware, _plain, path="/excluded/page/")
    assert excluded == _headers(CSPMiddleware, _plain, path="/excluded/page/")
    assert "Content-Security-Policy-Report-Only" not in excluded


def test_a_nonce_asked_for_after_the_header_is_written_is_an_error_as_with_django_csp():
    request = RequestFactory().get("/")
    ContentSecurityPolicyMiddleware(_plain)(request)

    with pytest.raises(Exception, match="not available after the CSP header"):
        str(request.csp_nonce)


def _audited_request(middleware_class, user, view):
    request = RequestFactory().post("/", REMOTE_ADDR="10.9.8.7")
    request.user = user
    return middleware_class(view)(request)


def _save_log_entry(actor=None) -> LogEntry:
    return LogEntry.objects.create(
        content_type_id=1, object_pk="1", object_repr="x", action=LogEntry.Action.UPDATE, actor=actor
    )


@pytest.mark.parametrize("middleware_class", [AuditActorMiddleware, AuditlogMiddleware])
def test_an_audit_entry_written_during_a_request_has_its_user_and_address_and_none_after(middleware_class):
    user = UserFactory()
    saved = []
    _audited_request(middleware_class, user, lambda request: saved.append(_save_log_entry()) or HttpResponse())

    after = _save_log_entry()

    assert (saved[0].actor, saved[0].remote_addr) == (user, "10.9.8.7")
    assert (after.actor, after.remote_addr) == (None, None)


def test_django_auditlogs_own_set_actor_still_names_its_actor_inside_and_outside_a_request():
    user, script_user = UserFactory(), UserFactory()
    saved = []

    def view(request):
        with set_actor(script_user, remote_addr="192.0.2.1"):
            saved.append(_save_log_entry())
        return HttpResponse()

    _audited_request(AuditActorMiddleware, user, view)
    with set_actor(script_user, remote_addr="192.0.2.2"):
        outside = _save_log_entry()

    assert (saved[0].actor, saved[0].remote_addr) == (script_user, "192.0.2.1")
    assert (outside.actor, outside.remote_addr) == (script_user, "192.0.2.2")


def test_a_patients_change_is_recorded_with_the_patient_and_address_through_the_whole_stack(client, patient):
    client.force_login(patient.user)

    client.post(reverse("diary:entry-save", args=[patient.today()]), {"itch": "4"}, REMOTE_ADDR="10.2.3.4")
    client.post(reverse("diary:entry-save", args=[patient.today()]), {"itch": "5"}, REMOTE_ADDR="10.2.3.5")

    changes = LogEntry.objects.get_for_object(Entry.objects.get(patient=patient)).order_by("pk")
    assert {change.actor for change in changes} == {patient.user}
    assert (changes.first().remote_addr, changes.last().remote_addr) == ("10.2.3.4", "10.2.3.5")
