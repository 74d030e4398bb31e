"""Two-step sign-in with real TOTP codes: required for staff before admin, optional for patients."""

import base64
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import hotp, totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.real_two_factor]


def code_for(device: TOTPDevice) -> str:
    """The code the app shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def next_code(device: TOTPDevice) -> str:
    """The app's code for the 30-second step after the last one used (a code is accepted only once): accepted
    whether or not a step boundary passed since, which "the code one step from now" is not (the device counts
    from the step it last accepted)."""
    device.refresh_from_db()
    return f"{hotp(device.bin_key, device.last_t + 1, digits=device.digits):0{device.digits}d}"


def log_in(client, username: str, path: str = "login"):
    return client.post(reverse(path), {"username": username, "password": PASSWORD})


def enrol(client) -> list[str]:
    """Go through the setup page as a user would: read the key, type the app's code."""
    page = client.get(reverse("two-factor-setup")).content.decode()
    secret = re.search(r'<code class="user-select-all">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    code = f"{totp(base64.b32decode(secret)):06d}"
    response = client.post(reverse("two-factor-setup"), {"token": code})
    assert "Two-step sign-in is on" in response.content.decode()
    return re.findall(r'<li class="list-group-item">(\w+)</li>', response.content.decode())


def test_staff_must_enrol_before_the_admin_opens(client, dermatologist):
    log_in(client, "dr-grey", "admin:login")

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two-factor-setup"))
    page = client.get(response["Location"]).content.decode()
    assert "Clinician accounts need two-step sign-in" in page
    assert "<svg" in page  # the QR code, drawn inline


def test_after_enrolling_the_admin_opens_and_ten_recovery_codes_are_shown_once(client, dermatologist):
    log_in(client, "dr-grey", "admin:login")

    codes = enrol(client)

    assert len(codes) == 10
    assert client.get(reverse("admin:index")).status_code == 200
    assert TOTPDevice.objects.get(user=dermatologist).confirmed


def test_a_wrong_code_does_not_enrol(client, dermatologist):
    log_in(client, "dr-grey", "admin:login")
    client.get(reverse("two-factor-setup"))

    response = client.post(reverse("two-factor-setup"), {"token": "000000"})

    assert "That code is not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=dermatologist, confirmed=True).exists()
    assert client.get(reverse("admin:index")).status_code == 302


def test_an_enrolled_user_types_the_apps_code_after_the_password(client, dermatologist):
    device = TOTPDevice.objects.create(user=dermatologist, name="Phone", confirmed=True)
    log_in(client, "dr-grey", "admin:login")

    blocked = client.get(reverse("admin:index"))
    assert blocked["Location"].startswith(reverse("two-factor-verify"))
    wrong = client.post(reverse("two-factor-verify"), {"token": "123456", "next": "/admin/"})
    assert "That code is not right" in wrong.content.decode()
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)

    response = client.post(reverse("two-factor-verify"), {"token": code_for(device), "next": "/admin/"})

    assert response["Location"] == "/admin/"
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_recovery_code_works_once(client, dermatologist):
    log_in(client, "dr-grey", "admin:login")
    codes = enrol(client)
    client.post(reverse("logout"))

    log_in(client, "dr-grey", "admin:login")
    assert client.post(reverse("two-factor-verify"), {"token": codes[0], "next": "/admin/"})["Location"] == "/admin/"
    client.post(reverse("logout"))
    log_in(client, "dr-grey", "admin:login")
    reused = client.post(reverse("two-factor-verify"), {"token": codes[0], "next": "/admin/"})

    assert "That code is not right" in reused.content.decode()
    assert StaticToken.objects.filter(device__user=dermatologist).count() == 9


def test_the_next_address_must_stay_on_this_site(client, dermatologist):
    device = TOTPDevice.objects.create(user=dermatologist, name="Phone", confirmed=True)
    log_in(client, "dr-grey", "admin:login")

    response = client.post(reverse("two-factor-verify"), {"token": code_for(device), "next": "https://evil.example/"})

    assert response["Location"] == reverse("home")


def test_patients_need_no_second_factor_unless_they_opt_in(client, patient):
    log_in(client, "alice")

    assert client.get(reverse("diary:history")).status_code == 200
    assert "Off." in client.get(reverse("two-factor-manage")).content.decode()


def test_a_patient_who_opted_in_must_type_a_code_on_every_new_log_in(client, patient):
    log_in(client, "alice")
    enrol(client)
    client.post(reverse("logout"))

    log_in(client, "alice")
    response = client.get(reverse("diary:history"))

    assert response["Location"].startswith(reverse("two-factor-verify"))
    device = TOTPDevice.objects.get(user=patient.user)
    client.post(reverse("two-factor-verify"), {"token": next_code(device)})
    assert client.get(reverse("diary:history")).status_code == 200


def test_a_patient_turns_two_step_sign_in_off_with_their_password(client, patient):
    log_in(client, "alice")
    enrol(client)

    wrong = client.post(reverse("two-factor-disable"), {"password": "nope"})
    assert "That is not your password." in wrong.content.decode()
    client.post(reverse("two-factor-disable"), {"password": PASSWORD})

    assert not TOTPDevice.objects.filter(user=patient.user).exists()
    client.post(reverse("logout"))
    log_in(client, "alice")
    assert client.get(reverse("diary:history")).status_code == 200


def test_staff_cannot_turn_it_off(client, dermatologist):
    log_in(client, "dr-grey", "admin:login")
    enrol(client)

    client.post(reverse("two-factor-disable"), {"password": PASSWORD})

    assert TOTPDevice.objects.filter(user=dermatologist, confirmed=True).exists()


def test_an_administrator_resets_a_lost_authenticator(client, dermatologist):
    TOTPDevice.objects.create(user=dermatologist, name="Lost phone", confirmed=True)

    call_command("reset_two_factor", "dr-grey", verbosity=0)

    assert not TOTPDevice.objects.filter(user=dermatologist).exists()
    log_in(client, "dr-grey", "admin:login")
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("two-factor-setup"))


def test_a_superuser_can_delete_an_authenticator_in_admin(client, dermatologist):
    device = TOTPDevice.objects.create(user=dermatologist, name="Lost phone", confirmed=True)
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    root_device = TOTPDevice.objects.create(user=root, name="Root phone", confirmed=True)
    log_in(client, "root", "admin:login")
    client.post(reverse("two-factor-verify"), {"token": code_for(root_device)})

    response = client.post(
        reverse("admin:otp_totp_totpdevice_changelist"),
        {"action": "delete_selected", "_selected_action": [device.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()


def test_staff_signed_in_through_the_patient_log_in_still_need_two_step_sign_in_for_photos(client, dermatologist):
    from tests.factories import EntryFactory, PatientFactory, PhotoFactory

    patient = PatientFactory(dermatologist=dermatologist)
    photo = PhotoFactory(entry=EntryFactory(patient=patient))
    log_in(client, "dr-grey")

    response = client.get(reverse("diary:photo-file", args=[photo.pk, "image"]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two-factor-setup"))


def test_staff_enter_their_code_on_a_page_in_the_admins_look_and_patients_on_the_patient_sites(client, db):
    from tests.factories import PatientFactory, StaffFactory

    staff = StaffFactory()
    client.force_login(staff)
    staff_page = client.get(reverse("two-factor-setup")).content.decode()
    assert "Skin diary — clinician admin" in staff_page
    assert reverse("diary:alert-list") not in staff_page

    client.force_login(PatientFactory().user)
    patient_page = client.get(reverse("two-factor-setup")).content.decode()
    assert "clinician admin" not in patient_page
    assert reverse("diary:alert-list") in patient_page
