"""The holes a black-box test found (security issue items 1-10), each pinned by its HTTP behaviour."""

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse

from diary.models import Entry
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"


def login(client, username, password=PASSWORD, **headers):
    return client.post(reverse("login"), {"username": username, "password": password}, **headers)


# --- Items 2 and 3: one client address for lockout and audit ---------------------------------


@pytest.fixture
def behind_proxy(settings):
    settings.BEHIND_TLS_PROXY = True


def test_behind_the_proxy_failed_log_ins_lock_out_only_the_address_that_made_them(
    behind_proxy, patient, other_patient
):
    for n in range(5):
        login(Client(), f"nobody{n}", "wrong-password", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66")

    assert login(Client(), "bob", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 302
    assert login(Client(), "alice", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66").status_code == 429


def test_behind_the_proxy_the_address_is_the_one_the_proxy_appended_not_one_the_client_sent(
    behind_proxy, patient, other_patient
):
    for n in range(5):
        login(
            Client(), f"nobody{n}", "wrong-password", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 203.0.113.66"
        )

    assert login(Client(), "bob", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66").status_code == 429


def test_without_a_trusted_proxy_a_client_sent_forwarded_for_is_ignored(patient, other_patient):
    for n in range(5):
        login(Client(), f"nobody{n}", "wrong-password", REMOTE_ADDR="10.0.0.66", HTTP_X_FORWARDED_FOR=f"6.6.6.{n}")

    assert login(Client(), "bob", REMOTE_ADDR="10.0.0.66", HTTP_X_FORWARDED_FOR="6.6.6.99").status_code == 429


def _audited_write(client, patient, **headers) -> LogEntry:
    client.force_login(patient.user)
    client.post(reverse("diary:entry-save", args=[patient.today()]), {"itch": "3"}, **headers)
    entry = Entry.objects.get(patient=patient)
    return LogEntry.objects.get_for_object(entry).latest("pk")


def test_behind_the_proxy_the_audit_trail_records_the_address_the_proxy_saw(behind_proxy, client, patient):
    log = _audited_write(client, patient, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")

    assert log.remote_addr == "203.0.113.9"


def test_without_a_trusted_proxy_the_audit_trail_records_the_connecting_address(client, patient):
    log = _audited_write(client, patient, REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="6.6.6.6")

    assert log.remote_addr == "10.1.2.3"
