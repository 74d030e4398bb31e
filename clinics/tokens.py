"""Bearer tokens for invitation and share links: random, signed in the URL, stored only as a hash.

The URL carries `token:signature`; a forged or altered link fails the signature before any database
lookup, and a copy of the database is no use to open links because it holds only SHA-256 digests.
"""

import hashlib
import secrets

from django.core import signing


def _signer(purpose: str) -> signing.Signer:
    return signing.Signer(salt=f"clinics.{purpose}")


def new_token(purpose: str) -> tuple[str, str]:
    """A fresh link token for the URL and the digest to store."""
    raw = secrets.token_urlsafe(24)
    return _signer(purpose).sign(raw), digest(raw)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def digest_of_link(purpose: str, link_token: str) -> str | None:
    """The stored digest a link token stands for, or None when the link was not made by us."""
    try:
        raw = _signer(purpose).unsign(link_token)
    except signing.BadSignature:
        return None
    return digest(raw)
