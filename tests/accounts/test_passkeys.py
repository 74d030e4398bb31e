"""Passkeys over HTTP, with a software authenticator: a patient signs in with one alone, staff use one as the
second step, anyone confirms a sensitive action with one; adding and removing them (item 11 of issue 14)."""

import json
import time

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from diary.reauth import REAUTHENTICATED_AT
from tests.accounts.authenticator import SoftwarePasskey
from tests.factories import PASSWORD, PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.real_two_factor]


def add_passkey(client, passkey: SoftwarePasskey):
    options = client.post(reverse("passkey-registration-begin"))
    if options.status_code != 200:
        return options
    answer = passkey.create(options.json())
    return client.post(reverse("passkey-registration-complete"), json.dumps(answer), content_type="application/json")


def use_passkey(client, passkey: SoftwarePasskey, next_url: str = "", **options):
    begun = client.post(reverse("passkey-sign-in-begin")).json()
    url = reverse("passkey-sign-in-complete") + (f"?next={next_url}" if next_url else "")
    return client.post(url, json.dumps(passkey.get(begun, **options)), content_type="application/json")


def log_in(client, username: str, path: str = "login"):
    return client.post(reverse(path), {"username": username, "password": PASSWORD})


def patient_with_passkey(username: str = "alice"):
    patient = PatientFactory(user__username=username)
    client, passkey = Client(), SoftwarePasskey()
    log_in(client, username)
    assert add_passkey(client, passkey).status_code == 200
    return patient, passkey


def _password_given_long_ago(client) -> None:
    session = client.session
    session[REAUTHENTICATED_AT] = int(time.time()) - 11 * 60
    session.save()


# --- Patients: sign in with a passkey alone ------------------------------------------------------------


def test_a_patient_adds_a_passkey_and_then_signs_in_with_it_alone(client):
    patient, passkey = patient_with_passkey()

    signed_in = use_passkey(client, passkey)
    today = client.get(signed_in.json()["redirect_url"])

    assert signed_in.status_code == 200
    assert signed_in.json()["redirect_url"] == reverse("home")
    assert today.status_code == 200
    assert today.wsgi_request.user == patient.user
    assert today.wsgi_request.user.is_verified()


def test_a_passkey_sign_in_passes_two_step_sign_in(client):
    patient, passkey = patient_with_passkey()
    TOTPDevice.objects.create(user=patient.user, name="Authenticator app", confirmed=True)

    use_passkey(client, passkey)

    assert client.get(reverse("diary:settings")).status_code == 200


def test_a_passkey_sign_in_goes_on_to_the_page_asked_for_on_this_site_only(client):
    _, passkey = patient_with_passkey()

    inside = use_passkey(Client(), passkey, next_url=reverse("diary:settings"))
    outside = use_passkey(Client(), passkey, next_url="https://evil.example/")

    assert inside.json()["redirect_url"] == reverse("diary:settings")
    assert outside.json()["redirect_url"] == reverse("home")


def test_a_passkey_whose_owner_did_not_confirm_with_fingerprint_or_pin_is_refused(client):
    _, passkey = patient_with_passkey()

    response = use_passkey(client, passkey, verified=False)

    assert response.status_code == 422
    assert "detail" in response.json()
    assert client.get(reverse("diary:settings")).status_code == 302


def test_an_unknown_passkey_is_refused_without_an_error(client):
    patient_with_passkey()

    response = use_passkey(client, SoftwarePasskey())

    assert response.status_code == 404
    assert client.get(reverse("diary:settings")).status_code == 302


def test_a_patient_who_lost_their_passkey_still_logs_in_with_the_password(client):
    patient_with_passkey()

    log_in(client, "alice")

    assert client.get(reverse("diary:settings")).status_code == 200


def test_a_passkey_does_not_open_an_address_locked_out_after_failed_log_ins(client):
    _, passkey = patient_with_passkey()
    for _ in range(5):
        client.post(reverse("login"), {"username": "alice", "password": "wrong-password"})

    response = use_passkey(client, passkey)

    assert response.status_code in {403, 429}
    assert client.get(reverse("diary:settings")).status_code == 302


def test_a_patient_with_only_a_passkey_is_not_told_two_step_sign_in_is_on(client):
    patient_with_passkey()
    log_in(client, "alice")

    page = client.get(reverse("two-factor-manage")).content.decode()

    assert "Set up two-step sign-in" in page
    assert client.get(reverse("two-factor-setup")).status_code == 200


def test_adding_a_passkey_needs_a_password_given_in_the_last_ten_minutes(client, patient):
    client.force_login(patient.user)
    _password_given_long_ago(client)

    page = client.get(reverse("passkeys"))
    api = add_passkey(client, SoftwarePasskey())

    assert page["Location"].startswith(reverse("reauthenticate"))
    assert api.status_code == 403
    assert "Confirm your password" in api.json()["detail"]
    assert not WebAuthnCredential.objects.exists()


def test_a_password_alone_cannot_add_a_passkey_to_an_account_with_two_step_sign_in(client, patient):
    TOTPDevice.objects.create(user=patient.user, name="Authenticator app", confirmed=True)
    log_in(client, "alice")  # the code is not given

    response = add_passkey(client, SoftwarePasskey())

    assert response.status_code == 403
    assert not WebAuthnCredential.objects.exists()


def test_anonymous_visitors_cannot_add_a_passkey_or_open_the_page(client):
    assert add_passkey(client, SoftwarePasskey()).status_code == 403
    assert client.get(reverse("passkeys"))["Location"].startswith(reverse("login"))


def test_adding_a_passkey_ends_the_accounts_other_sessions(patient):
    laptop, phone = Client(), Client()
    log_in(laptop, "alice")
    log_in(phone, "alice")

    add_passkey(phone, SoftwarePasskey())

    assert laptop.get(reverse("diary:settings"))["Location"].startswith(reverse("login"))
    assert phone.get(reverse("diary:settings")).status_code == 200


# --- Listing, naming and removing ---------------------------------------------------------------------


def test_the_page_lists_names_and_removes_passkeys(client):
    _, passkey = patient_with_passkey()
    log_in(client, "alice")
    credential = WebAuthnCredential.objects.get()

    client.post(reverse("passkey-rename", args=[credential.pk]), {"name": "My phone"})
    listed = client.get(reverse("passkeys")).content.decode()
    removed = client.post(reverse("passkey-remove", args=[credential.pk]), follow=True).content.decode()

    assert 'value="My phone"' in listed and "Not used yet" in listed
    assert "Passkey removed" in removed
    assert not WebAuthnCredential.objects.exists()
    assert use_passkey(Client(), passkey).status_code == 404


def test_an_empty_name_is_refused_with_a_message(client):
    patient_with_passkey()
    log_in(client, "alice")
    credential = WebAuthnCredential.objects.get()

    page = client.post(reverse("passkey-rename", args=[credential.pk]), {"name": "  "}, follow=True)

    assert "Give the passkey a name" in page.content.decode()
    assert WebAuthnCredential.objects.get().name == credential.name


def test_another_patients_passkey_cannot_be_renamed_or_removed(client):
    patient_with_passkey("bob")
    PatientFactory(user__username="alice")
    log_in(client, "alice")
    theirs = WebAuthnCredential.objects.get()

    renamed = client.post(reverse("passkey-rename", args=[theirs.pk]), {"name": "Mine now"})
    removed = client.post(reverse("passkey-remove", args=[theirs.pk]))
    listed = client.get(reverse("passkeys")).content.decode()

    assert renamed.status_code == removed.status_code == 404
    assert WebAuthnCredential.objects.get().name == theirs.name
    assert "You have no passkey yet" in listed


def test_removing_a_passkey_asks_for_the_password_again_after_ten_minutes(client):
    patient_with_passkey()
    log_in(client, "alice")
    _password_given_long_ago(client)

    response = client.post(reverse("passkey-remove", args=[WebAuthnCredential.objects.get().pk]))

    assert response["Location"].startswith(reverse("reauthenticate"))
    assert WebAuthnCredential.objects.exists()


def test_adding_and_removing_a_passkey_is_in_the_audit_trail(client):
    patient, _ = patient_with_passkey()
    log_in(client, "alice")
    credential = WebAuthnCredential.objects.get()

    client.post(reverse("passkey-remove", args=[credential.pk]))

    entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(WebAuthnCredential))
    assert [(entry.action, entry.actor) for entry in entries.order_by("pk")] == [
        (LogEntry.Action.CREATE, patient.user),
        (LogEntry.Action.DELETE, patient.user),
    ]
    assert "public_key" not in str(entries.first().changes)


# --- Confirming with a passkey instead of the password ---------------------------------------------------


def test_a_sensitive_action_can_be_confirmed_with_a_passkey(client):
    _, passkey = patient_with_passkey()
    log_in(client, "alice")
    _password_given_long_ago(client)
    export = reverse("diary:account-export")

    asked = client.get(client.get(export)["Location"]).content.decode()
    confirmed = use_passkey(client, passkey, next_url=export)

    assert "Confirm with a passkey" in asked
    assert confirmed.json()["redirect_url"] == export
    assert client.get(export).status_code == 200


def test_the_confirm_page_offers_a_passkey_only_to_those_who_have_one(client, patient):
    client.force_login(patient.user)

    page = client.get(reverse("reauthenticate")).content.decode()

    assert "Confirm with a passkey" not in page


# --- Staff: a passkey as the second step ---------------------------------------------------------------


def staff_with_passkey(client, dermatologist) -> SoftwarePasskey:
    """Set up as a new clinician would: the password, then a passkey instead of the authenticator app."""
    passkey = SoftwarePasskey()
    log_in(client, "dr-grey", "admin:login")
    setup = client.get(client.get(reverse("admin:index"))["Location"]).content.decode()
    assert "Add a passkey" in setup
    assert add_passkey(client, passkey).status_code == 200
    return passkey


def test_a_clinician_may_set_up_a_passkey_instead_of_an_authenticator_app(client, dermatologist):
    staff_with_passkey(client, dermatologist)

    assert client.get(reverse("admin:index")).status_code == 200
    assert not TOTPDevice.objects.filter(user=dermatologist, confirmed=True).exists()


def test_a_clinician_signs_in_with_the_password_then_the_passkey(dermatologist):
    passkey = staff_with_passkey(Client(), dermatologist)
    client = Client()
    log_in(client, "dr-grey", "admin:login")

    asked = client.get(reverse("admin:index"))
    page = client.get(asked["Location"]).content.decode()
    verified = use_passkey(client, passkey, next_url=reverse("admin:index"))

    assert asked["Location"].startswith(reverse("two-factor-verify"))
    assert "Use a passkey" in page
    assert verified.json()["redirect_url"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_clinician_cannot_sign_in_with_the_passkey_alone(dermatologist):
    passkey = staff_with_passkey(Client(), dermatologist)
    client = Client()

    response = use_passkey(client, passkey)

    assert response.status_code == 403
    assert "password first" in response.json()["detail"]
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("admin:login"))


def test_a_clinician_cannot_remove_their_only_second_factor(client, dermatologist):
    staff_with_passkey(client, dermatologist)
    credential = WebAuthnCredential.objects.get()

    page = client.post(reverse("passkey-remove", args=[credential.pk]), follow=True).content.decode()

    assert "This passkey is your only second factor" in page
    assert WebAuthnCredential.objects.exists()


def test_a_clinician_with_an_authenticator_app_may_remove_a_passkey(client, dermatologist):
    staff_with_passkey(client, dermatologist)
    TOTPDevice.objects.create(user=dermatologist, name="Authenticator app", confirmed=True)

    client.post(reverse("passkey-remove", args=[WebAuthnCredential.objects.get().pk]))

    assert not WebAuthnCredential.objects.exists()


def test_an_administrator_reset_removes_passkeys_and_the_clinician_enrols_again(client, dermatologist):
    staff_with_passkey(Client(), dermatologist)

    call_command("reset_two_factor", "dr-grey")
    log_in(client, "dr-grey", "admin:login")

    assert not WebAuthnCredential.objects.exists()
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("two-factor-setup"))


def test_the_passkeys_page_reads_the_same_number_of_times_however_many_passkeys(client, patient):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(patient.user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("passkeys")).status_code == 200
        return len(captured)

    add_passkey(client, SoftwarePasskey())
    one = queries()
    for _ in range(4):
        add_passkey(client, SoftwarePasskey())
    assert WebAuthnCredential.objects.count() == 5
    assert queries() == one


def test_the_diary_download_names_the_patient_s_passkeys_and_keeps_their_keys_out(client):
    import base64
    import io
    import zipfile

    _, passkey = patient_with_passkey()
    use_passkey(client, passkey)
    response = client.get(reverse("diary:account-export"))
    data = json.loads(zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).read("diary.json"))

    credential = WebAuthnCredential.objects.get()
    assert data["sign_in"] == {
        "two_step_codes": False,
        "passkeys": [
            {
                "name": credential.name,
                "added_at": credential.created_at.isoformat(),
                "last_used_at": credential.last_used_at.isoformat(),
            }
        ],
    }
    text = json.dumps(data)
    for secret in (bytes(credential.credential_id), bytes(credential.public_key)):
        assert base64.urlsafe_b64encode(secret).decode().rstrip("=") not in text
        assert secret.hex() not in text
