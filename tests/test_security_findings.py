"""The holes a black-box test found (security issue items 1-10), each pinned by its HTTP behaviour."""

import datetime
import re
import time
from unittest import mock

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinics.models import ShareLink
from diary.models import Entry, Patient
from diary.reauth import REAUTHENTICATED_AT
from tests.accounts.test_two_factor import code_for, enrol
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"


def login(client, username, password=PASSWORD, **headers):
    return client.post(reverse("login"), {"username": username, "password": password}, **headers)


# --- Items 2 and 3: one client address for lockout and audit ---------------------------------


@pytest.fixture
def behind_proxy(settings):
    settings.BEHIND_TLS_PROXY = True


def test_behind_the_proxy_failed_log_ins_lock_out_only_the_address_that_made_them(behind_proxy, patient, other_patient):
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


# --- Items 1, 5 and 10: two-step sign-in ------------------------------------------------------


@pytest.fixture
def enrolled_patient(patient):
    device = TOTPDevice.objects.create(user=patient.user, name="Phone", confirmed=True)
    StaticDevice.objects.create(user=patient.user, name="Recovery codes", confirmed=True)
    return device


@pytest.mark.real_two_factor
def test_the_password_alone_cannot_switch_two_step_sign_in_off(client, enrolled_patient):
    login(client, "alice")

    response = client.post(reverse("two-factor-disable"), {"password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two-factor-verify"))
    assert TOTPDevice.objects.filter(user=enrolled_patient.user).exists()
    assert StaticDevice.objects.filter(user=enrolled_patient.user).exists()


@pytest.mark.real_two_factor
@pytest.mark.parametrize("name", ["two-factor-manage", "two-factor-recovery-codes", "two-factor-setup"])
def test_every_two_factor_page_but_verify_needs_the_code_first(client, enrolled_patient, name):
    login(client, "alice")
    codes = StaticToken.objects.filter(device__user=enrolled_patient.user).count()

    response = client.post(reverse(name)) if name == "two-factor-recovery-codes" else client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two-factor-verify"))
    assert StaticToken.objects.filter(device__user=enrolled_patient.user).count() == codes


@pytest.mark.real_two_factor
def test_turning_two_step_sign_in_on_asks_other_open_sessions_for_the_code(patient):
    laptop, phone = Client(), Client()
    login(laptop, "alice")
    login(phone, "alice")
    assert laptop.get(reverse("diary:history")).status_code == 200

    enrol(phone)

    response = laptop.get(reverse("diary:history"))
    assert response.status_code == 302
    assert not response["Location"].startswith(reverse("diary:history"))
    assert phone.get(reverse("diary:history")).status_code == 200


@pytest.mark.real_two_factor
def test_paused_code_attempts_say_so_and_for_how_long(client, enrolled_patient):
    login(client, "alice")
    client.post(reverse("two-factor-verify"), {"token": "000000"})
    # As after ten wrong codes in a row: django-otp then waits 2**9 seconds before checking another.
    TOTPDevice.objects.filter(pk=enrolled_patient.pk).update(
        throttling_failure_count=10, throttling_failure_timestamp=timezone.now()
    )

    response = client.post(reverse("two-factor-verify"), {"token": code_for(enrolled_patient)})

    text = response.content.decode()
    assert "paused" in text
    assert "seconds" in text
    assert "That code is not right" not in text


# --- Item 7: password re-entry is counted like a log-in ---------------------------------------


def test_wrong_passwords_on_account_deletion_lock_like_failed_log_ins(client, patient):
    client.force_login(patient.user)
    for _ in range(5):
        client.post(reverse("diary:account-delete"), {"password": "wrong-password", "confirm": "on"})

    response = client.post(reverse("diary:account-delete"), {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 429
    assert Patient.objects.filter(pk=patient.pk).exists()
    assert login(Client(), "alice").status_code == 429


def test_wrong_passwords_on_password_change_lock_like_failed_log_ins(client, patient):
    client.force_login(patient.user)
    new = {"new_password1": "another-long-passphrase", "new_password2": "another-long-passphrase"}
    for _ in range(5):
        client.post(reverse("password_change"), {"old_password": "wrong-password", **new})

    response = client.post(reverse("password_change"), {"old_password": PASSWORD, **new})

    assert response.status_code == 429
    patient.user.refresh_from_db()
    assert patient.user.check_password(PASSWORD)


# --- Item 9: the session renewal keeps up with a short idle limit -----------------------------


def test_a_user_active_every_twenty_seconds_stays_signed_in_under_a_one_minute_idle_limit(client, patient, settings):
    settings.SESSION_COOKIE_AGE = 60
    client.force_login(patient.user)
    client.get(reverse("diary:history"))
    first = Session.objects.get().expire_date

    with mock.patch("accounts.middleware.time.time", return_value=time.time() + 20):
        client.get(reverse("diary:history"))

    assert Session.objects.get().expire_date > first


# --- Item 6: sign-up does not tell whether an address has an account; account e-mails are throttled ----

SIGN_UP = {
    "username": "carol",
    "time_zone": "UTC",
    "password1": "a-long-and-unusual-passphrase",
    "password2": "a-long-and-unusual-passphrase",
}


def test_sign_up_answers_the_same_for_a_known_and_a_new_address(patient):
    known = Client().post(reverse("signup"), {**SIGN_UP, "email": "ALICE@example.org"}, follow=True)
    new = Client().post(reverse("signup"), {**SIGN_UP, "username": "dave", "email": "dave@example.org"}, follow=True)

    assert known.status_code == new.status_code == 200
    assert known.redirect_chain == new.redirect_chain
    assert known.content == new.content
    assert not get_user_model().objects.filter(username="carol").exists()
    assert [message.to for message in mail.outbox] == [["ALICE@example.org"], ["dave@example.org"]]
    assert "you already have one" in mail.outbox[0].body


def test_a_new_account_opens_from_the_link_in_its_e_mail(client):
    client.post(reverse("signup"), {**SIGN_UP, "email": "carol@example.org"})
    assert login(Client(), "carol", "a-long-and-unusual-passphrase").status_code == 200  # not open yet
    link = re.search(r"http://testserver(/accounts/signup/confirm/\S+)", mail.outbox[0].body).group(1)

    response = client.get(link, follow=True)

    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Your diary is ready" in response.content.decode()
    assert get_user_model().objects.get(username="carol").patient.time_zone == "UTC"
    assert "expired" in Client().get(link, follow=True).content.decode()


def test_sign_up_e_mails_to_one_address_are_throttled(patient):
    for n in range(5):
        Client().post(reverse("signup"), {**SIGN_UP, "username": f"x{n}", "email": "alice@example.org"})

    assert len(mail.outbox) == 3


def test_password_reset_e_mails_to_one_address_are_throttled(patient):
    for _ in range(5):
        response = Client().post(reverse("password_reset"), {"email": "alice@example.org"})
        assert response.status_code == 302

    assert len(mail.outbox) == 3


# --- Item 12: sensitive actions ask for the password again after ten minutes ---------------------


def _password_given_long_ago(client) -> None:
    session = client.session
    session[REAUTHENTICATED_AT] = int(time.time()) - 11 * 60
    session.save()


SENSITIVE = [
    ("get", "diary:account-export"),
    ("get", "diary:account-delete"),
    ("post", "diary:account-delete"),
    ("get", "password_change"),
    ("post", "password_change"),
    ("get", "two-factor-setup"),
    ("post", "two-factor-recovery-codes"),
    ("post", "two-factor-disable"),
    ("get", "diary:share-link-add"),
    ("post", "diary:share-link-add"),
]


@pytest.mark.parametrize(("method", "name"), SENSITIVE)
def test_a_sensitive_action_asks_for_the_password_again_after_ten_minutes(client, patient, method, name):
    client.force_login(patient.user)
    _password_given_long_ago(client)

    response = getattr(client, method)(reverse(name), {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("reauthenticate"))
    assert Patient.objects.filter(pk=patient.pk).exists()


def test_after_confirming_the_password_the_action_opens_for_ten_minutes(client, patient):
    client.force_login(patient.user)
    _password_given_long_ago(client)
    asked = client.get(reverse("diary:account-export"))

    wrong = client.post(asked["Location"], {"password": "wrong-password"})
    right = client.post(asked["Location"], {"password": PASSWORD})

    assert "That is not your password." in wrong.content.decode()
    assert right["Location"] == reverse("diary:account-export")
    assert client.get(reverse("diary:account-export")).status_code == 200


def test_a_share_link_asks_for_the_password_and_keeps_what_was_typed(client, patient):
    client.force_login(patient.user)
    _password_given_long_ago(client)
    today = patient.today()
    typed = {"label": "GP & nurse", "start": today - datetime.timedelta(days=5), "end": today, "days": "5"}

    asked = client.post(reverse("diary:share-link-add"), typed)
    assert not ShareLink.objects.exists()
    back = client.post(asked["Location"], {"password": PASSWORD})
    form = client.get(back["Location"]).text
    made = client.post(back["Location"], typed)

    assert back["Location"].startswith(reverse("diary:share-link-add") + "?")
    assert 'value="GP &amp; nurse"' in form
    assert f'value="{typed["start"].isoformat()}"' in form
    assert '<option value="5" selected>' in form
    assert made.status_code == 200
    assert ShareLink.objects.get().label == "GP & nurse"


def test_a_fresh_log_in_counts_as_having_given_the_password(client, patient):
    login(client, "alice")

    assert client.get(reverse("diary:account-export")).status_code == 200


def test_the_password_page_sends_only_to_this_site(client, patient):
    client.force_login(patient.user)

    response = client.post(reverse("reauthenticate") + "?next=https://evil.example/", {"password": PASSWORD})

    assert response["Location"] == reverse("home")


# --- Reminders issue item 6: "keep me signed in on this device" --------------------------------


def _session_lifetime() -> datetime.timedelta:
    return Session.objects.get().expire_date - timezone.now()


def test_a_patient_who_asks_stays_signed_in_for_thirty_days_renewed_on_use(client, patient):
    client.post(reverse("login"), {"username": "alice", "password": PASSWORD, "remember": "on"})
    assert _session_lifetime() > datetime.timedelta(days=29)
    first = Session.objects.get().expire_date

    with mock.patch("accounts.middleware.time.time", return_value=time.time() + 120):
        client.get(reverse("diary:history"))

    assert Session.objects.get().expire_date > first


def test_without_asking_a_patient_gets_the_short_idle_session(client, patient):
    login(client, "alice")

    assert _session_lifetime() <= datetime.timedelta(minutes=30)


def test_staff_keep_short_sessions_even_if_they_tick_the_box(client, dermatologist):
    client.post(reverse("login"), {"username": "dr-grey", "password": PASSWORD, "remember": "on"})

    assert _session_lifetime() <= datetime.timedelta(minutes=30)
