"""Reads about an account's second factors and passkeys."""

from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential


def has_second_factor(*, user) -> bool:
    """Whether a log-in with the password must be followed by a second factor.

    Staff: any confirmed device (an authenticator app, recovery codes or a passkey). Patients: only two-step
    sign-in (an authenticator app and its recovery codes). A patient's passkey signs them in on its own; it is
    not a second step after the password, so a patient who loses it still signs in with the password."""
    if user.is_staff:
        return user_has_device(user, confirmed=True)
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or StaticDevice.objects.filter(user=user, confirmed=True).exists()
    )


def passkeys_of(*, user):
    """The account's passkeys, oldest first."""
    return WebAuthnCredential.objects.filter(user=user).order_by("created_at", "pk")
