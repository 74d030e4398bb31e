"""Idempotent writes: a form carries a key made when it was rendered, and a repeat of the key stores nothing.

A double tap, a retry on a flaky network or the offline queue sending again all post the same key.
`once` inserts the key in the same transaction as the write, before it: the database's unique
(user, key) decides which request writes. A concurrent repeat waits for the first to commit (the
unique index on PostgreSQL, the write lock on SQLite) and then gets the first result; if the first
write fails, its key is rolled back with it and a retry may write.
"""

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from diary.models import IdempotencyKey

FIELD = "idempotency_key"
_VALID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def new_key() -> str:
    return secrets.token_urlsafe(16)


def key_from(data) -> str:
    """The key a request carries, or "" when it carries none or a malformed one (then the write is not deduplicated)."""
    key = data.get(FIELD, "") if data is not None else ""
    return key if isinstance(key, str) and _VALID.match(key) else ""


def was_used(*, user, key: str) -> bool:
    """Whether a write with this key has already been stored (a repeat is answered with the first result)."""
    return bool(key) and IdempotencyKey.objects.filter(user=user, key=key).exists()


@dataclass(frozen=True)
class Outcome:
    result: dict
    repeated: bool


def once(*, user, key: str, action: Callable[[], dict]) -> Outcome:
    """Run `action` (a write returning a small JSON-able dict) at most once per user and key."""
    if not key:
        return Outcome(result=action(), repeated=False)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(user=user, key=key)
        except IntegrityError:
            first = IdempotencyKey.objects.get(user=user, key=key)
            return Outcome(result=first.result or {}, repeated=True)
        result = action()
        record.result = result
        record.save(update_fields=["result"])
        return Outcome(result=result, repeated=False)
