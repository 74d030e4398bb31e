"""Writes to accounts: sign-up (a user and their patient profile) and two-step sign-in devices.

Each runs in one transaction. accounts depends on diary (a new account gets its diary's Patient); diary never
imports accounts.
"""

import datetime
import hashlib
import hmac

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import AccountMail
from diary.models import Patient
from diary.services import NotYoursError

RECOVERY_CODES = 10
# Sign-up and password-reset e-mails to one address: at most this many per window (more are silently dropped,
# so the page answers the same and nobody can flood an inbox).
MAILS_PER_ADDRESS = 3
MAIL_WINDOW = datetime.timedelta(hours=1)


@transaction.atomic
def patient_register(*, username: str, email: str, password: str, time_zone: str, name: str = "") -> Patient:
    """Create a user account (with the name clinics will see, if given) and the patient profile that goes with it."""
    user = get_user_model().objects.create_user(
        username=username, email=email, password=password, first_name=name.strip()
    )
    return Patient.objects.create(user=user, time_zone=time_zone)


def account_mail_allowed(*, address: str, purpose: str) -> bool:
    """Record a request for an account e-mail to `address`; False once MAILS_PER_ADDRESS were asked for within
    MAIL_WINDOW. The address is kept only as a keyed digest."""
    digest = hmac.new(force_bytes(settings.SECRET_KEY), force_bytes(address.strip().lower()), hashlib.sha256)
    recent = AccountMail.objects.filter(
        address_digest=digest.hexdigest(), purpose=purpose, requested_at__gte=timezone.now() - MAIL_WINDOW
    )
    allowed = recent.count() < MAILS_PER_ADDRESS
    AccountMail.objects.create(address_digest=digest.hexdigest(), purpose=purpose)
    return allowed


def patient_sign_up(*, request, username: str, email: str, password: str, time_zone: str, name: str = "") -> None:
    """Sign-up answers the same whether or not the address has an account (having one is health information):
    a new address gets an inactive account and a link to confirm it; a known one gets a "you already have an
    account" e-mail and nothing is created."""
    known = get_user_model().objects.filter(email__iexact=email).exists()
    if known:
        make_password(password)  # the same work as creating an account, so the answer takes as long
    else:
        patient = patient_register(username=username, email=email, password=password, time_zone=time_zone, name=name)
        patient.user.is_active = False
        patient.user.save(update_fields=["is_active"])
    if not account_mail_allowed(address=email, purpose=AccountMail.Purpose.SIGN_UP):
        return
    if known:
        context = {
            "login_url": request.build_absolute_uri(reverse("login")),
            "reset_url": request.build_absolute_uri(reverse("password_reset")),
        }
        template = "registration/signup_known_email.txt"
    else:
        user = patient.user
        link = reverse(
            "signup-confirm",
            args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)],
        )
        context = {"confirm_url": request.build_absolute_uri(link), "username": user.get_username()}
        template = "registration/signup_confirm_email.txt"
    send_mail("Your skin diary", render_to_string(template, context), None, [email])


@transaction.atomic
def patient_confirm(*, user) -> None:
    """The address is confirmed: the account opens."""
    user.is_active = True
    user.save(update_fields=["is_active"])


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
def two_factor_disable(*, user, passkeys: bool = False) -> None:
    """Remove the authenticator app and recovery codes of an account (a patient opting out of two-step sign-in),
    and with `passkeys` its passkeys too (an administrator's reset: nothing is left to sign in with but the
    password)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    if passkeys:
        WebAuthnCredential.objects.filter(user=user).delete()


# --- Passkeys ------------------------------------------------------------------------------------

PASSKEY_NAME_MAX = 64
LAST_SECOND_FACTOR = (
    "This passkey is your only second factor, and clinician accounts must keep one. Set up an authenticator app "
    "or add another passkey first, or ask an administrator to reset your sign-in."
)


def passkey_register_complete(*, user, keep: str | None) -> None:
    """After a passkey was registered (django-otp-webauthn stores it): like turning on two-step sign-in, every
    other open session of the account ends, so a session opened before (a lost laptop) cannot go on."""
    sessions_end_others(user=user, keep=keep)


@transaction.atomic
def passkey_rename(*, user, passkey_id: int, name: str) -> None:
    passkey = _own_passkey(user=user, passkey_id=passkey_id)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the passkey a name, for example the phone it is on."})
    passkey.name = name[:PASSKEY_NAME_MAX]
    passkey.save(update_fields=["name"])


@transaction.atomic
def passkey_remove(*, user, passkey_id: int, keep: str | None) -> None:
    """Remove one of the user's passkeys; staff may not remove the last second factor they have. Other sessions
    end (one may have been opened with this passkey)."""
    passkey = _own_passkey(user=user, passkey_id=passkey_id)
    if user.is_staff:
        others = WebAuthnCredential.objects.filter(user=user, confirmed=True).exclude(pk=passkey.pk)
        if not (others.exists() or TOTPDevice.objects.filter(user=user, confirmed=True).exists()):
            raise ValidationError(LAST_SECOND_FACTOR)
    passkey.delete()
    sessions_end_others(user=user, keep=keep)


def _own_passkey(*, user, passkey_id: int) -> WebAuthnCredential:
    try:
        return WebAuthnCredential.objects.select_for_update().get(user=user, pk=passkey_id)
    except WebAuthnCredential.DoesNotExist:
        raise NotYoursError from None


def sessions_end_others(*, user, keep: str | None) -> int:
    """End every open session of the user except the one keyed `keep`; return how many ended.

    Sessions are not indexed by user, so this reads each unexpired session: fine for the rare events that
    call it (turning on two-step sign-in)."""
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).exclude(pk=keep).iterator()
        if session.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)
