"""Writes to accounts: sign-up (a user and their patient profile) and two-step sign-in devices.

Each runs in one transaction. accounts depends on diary (a new account gets its diary's Patient); diary never
imports accounts.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from diary.models import Patient

RECOVERY_CODES = 10


@transaction.atomic
def patient_register(*, username: str, email: str, password: str, time_zone: str, name: str = "") -> Patient:
    """Create a user account (with the name clinics will see, if given) and the patient profile that goes with it."""
    user = get_user_model().objects.create_user(
        username=username, email=email, password=password, first_name=name.strip()
    )
    return Patient.objects.create(user=user, time_zone=time_zone)


# --- Two-step sign-in ------------------------------------------------------------------------


def two_factor_pending_device(*, user) -> TOTPDevice:
    """The authenticator the user is setting up: unconfirmed until they type one of its codes."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def two_factor_confirm(*, user, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the authenticator with a code it shows; return fresh recovery codes, or None if the code is wrong."""
    if device.user_id != user.pk or device.confirmed or not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return two_factor_recovery_codes(user=user)


@transaction.atomic
def two_factor_recovery_codes(*, user) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODES new single-use ones."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def two_factor_disable(*, user) -> None:
    """Remove every second factor of an account (an administrator's reset, or a patient opting out)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
