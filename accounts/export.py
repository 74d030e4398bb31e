"""The patient's sign-in in their diary download: which ways in the account has, never a key or a secret."""

from accounts.selectors import has_second_factor, passkeys_of
from diary.models import Patient


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def sign_in_section(patient: Patient) -> dict:
    """Whether the password log-in asks for a two-step code, and the passkeys by name and date (their public keys
    and credential ids are the authenticator's business and stay out)."""
    user = patient.user
    return {
        "two_step_codes": has_second_factor(user=user),
        "passkeys": [
            {"name": passkey.name, "added_at": _iso(passkey.created_at), "last_used_at": _iso(passkey.last_used_at)}
            for passkey in passkeys_of(user=user)
        ],
    }
