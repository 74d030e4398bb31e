"""Hardening for health data: CSP and headers, login lockout and its unlocks, sessions, faults, logs."""

import logging
import re
import time
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diary import services
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def login(client, username, password=PASSWORD, path="login", address="10.0.0.1"):
    return client.post(reverse(path), {"username": username, "password": password}, REMOTE_ADDR=address)


# --- Content-Security-Policy and headers -----------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/guide/", "/health/"])
def test_every_page_has_a_strict_content_security_policy(client, reference, path):
    policy = client.get(path)["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_pages_have_no_inline_script_or_style(client, patient, reference):
    client.force_login(patient.user)
    for path in ["/", "/diary/history/", "/diary/treatments/add/", "/diary/alerts/", "/guide/tacrolimus-ointment/"]:
        html = client.get(path).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html), path
        assert " style=" not in html, path
        assert "<style" not in html, path


def test_the_usual_security_headers_are_set(client):
    response = client.get("/")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "geolocation=()" in response["Permissions-Policy"]


# --- Login lockout ---------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_with_a_clear_message(client, patient):
    for _ in range(5):
        login(client, "alice", "wrong-password")

    response = login(client, "alice")  # even the right password is refused now

    assert response.status_code == 429
    text = response.content.decode()
    assert "Too many failed log-ins" in text
    assert reverse("password_reset") in text
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_account_whatever_the_address(client, patient):
    for n in range(5):
        login(client, "alice", "wrong-password", address=f"10.0.0.{n + 10}")

    assert login(client, "alice", address="10.9.9.9").status_code == 429


def test_the_lock_is_per_address_whatever_the_account(client, patient, other_patient):
    for n in range(5):
        login(client, f"nobody{n}", "wrong-password", address="10.0.0.66")

    assert login(client, "bob", address="10.0.0.66").status_code == 429
    assert login(Client(), "bob", address="10.0.0.67").status_code == 302


def test_the_admin_login_is_locked_too(client, dermatologist):
    for _ in range(5):
        login(client, "dr-grey", "wrong-password", path="admin:login")

    response = login(client, "dr-grey", path="admin:login")

    assert response.status_code == 429


def test_a_password_reset_unlocks_the_account(client, patient):
    for _ in range(5):
        login(client, "alice", "wrong-password")
    client.post(reverse("password_reset"), {"email": "alice@example.org"})
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]

    client.post(form_url, {"new_password1": "a-fresh-long-passphrase", "new_password2": "a-fresh-long-passphrase"})

    assert login(client, "alice", "a-fresh-long-passphrase").status_code == 302
    assert not AccessAttempt.objects.filter(username="alice").exists()


def test_a_superuser_unlocks_an_account_in_admin(client, patient):
    for _ in range(5):
        login(client, "alice", "wrong-password")
    attempt = AccessAttempt.objects.get(username="alice")
    admin = Client()
    admin.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    response = admin.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert login(client, "alice").status_code == 302


# --- Sessions --------------------------------------------------------------------------------


def test_a_session_ends_after_the_idle_period(client, patient, settings):
    client.force_login(patient.user)
    assert client.get("/diary/history/").status_code == 200

    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))

    response = client.get("/diary/history/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_activity_renews_the_session_at_most_once_a_minute(client, patient, settings):
    client.force_login(patient.user)
    client.get("/diary/history/")
    first = Session.objects.get().expire_date

    client.get("/diary/history/")
    assert Session.objects.get().expire_date == first

    with mock.patch("accounts.middleware.time.time", return_value=time.time() + 120):
        client.get("/diary/history/")
    assert Session.objects.get().expire_date > first
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def test_changing_the_password_ends_the_accounts_other_sessions(patient):
    phone, laptop = Client(), Client()
    phone.force_login(patient.user)
    laptop.force_login(patient.user)

    phone.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-passphrase",
            "new_password2": "another-long-passphrase",
        },
    )

    assert phone.get("/diary/history/").status_code == 200
    assert laptop.get("/diary/history/").status_code == 302


# --- Faults ----------------------------------------------------------------------------------


def _database_down():
    return mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=OperationalError("down"))


def test_the_health_endpoint_says_whether_the_database_answers(client):
    assert client.get("/health/").json() == {"status": "ok", "database": "ok"}

    with _database_down():
        response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_a_database_outage_gives_a_plain_503_page_without_a_traceback(patient):
    client = Client(raise_request_exception=False)
    client.force_login(patient.user)

    with _database_down():
        response = client.get("/diary/history/")

    assert response.status_code == 503
    text = response.content.decode()
    assert "briefly unavailable" in text
    assert "Traceback" not in text
    assert "OperationalError" not in text


def test_logs_never_hold_notes_passwords_or_session_ids(client, patient, caplog):
    caplog.set_level(logging.DEBUG)
    secret_note = "my private note about my rash"
    client.post(reverse("login"), {"username": "alice", "password": "wrong-secret-password"})
    client.post(
        reverse("signup"),
        {
            "username": "zed",
            "email": "zed@example.org",
            "time_zone": "UTC",
            "password1": "sekrit-passphrase-99",
            "password2": "sekrit-passphrase-99",
        },
    )
    client.force_login(patient.user)
    with mock.patch.object(services, "entry_update", side_effect=RuntimeError("boom")):
        Client(raise_request_exception=False, HTTP_COOKIE=f"sessionid={client.cookies['sessionid'].value}").post(
            reverse("diary:entry-save", args=[patient.today()]), {"notes": secret_note, "itch": "3"}
        )

    logged = caplog.text
    assert "Internal Server Error" in logged  # the failure itself is logged
    assert secret_note not in logged
    assert "wrong-secret-password" not in logged
    assert "sekrit-passphrase-99" not in logged
    assert client.cookies["sessionid"].value not in logged
