"""Django's database sessions, read through a prepared read (`SESSION_ENGINE = "accounts.sessions"`), and the
session's user, read the same way (`session_user`, for `accounts.middleware.AuthenticationMiddleware`).

Every signed-in request reads its session row, then its user; the ORM builds and compiles those queries anew each
time, which costs more than running them (docs/benchmark.md, "Fifth pass" and "Sixth pass"). The store is Django's
own in every other respect: the same table, the same expiry rule, the same handling of a bad key.
"""

import datetime
import logging

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model, load_backend
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from prepared import prepared


@prepared
def _live_session(*, session_key: str, now: datetime.datetime):
    return Session.objects.filter(session_key=session_key, expire_date__gt=now)


# Session data decoded (signature checked, JSON read), kept per process by the exact signed text and the keys that
# may have signed it: a signed-in page would otherwise check the same signature on every request. Only data of plain
# values is kept (a shallow copy is then a whole copy), and only what decoded without error.
_DECODED: dict[tuple, dict] = {}
_DECODED_MAX = 2000
_PLAIN = (str, int, float, bool, type(None))


class SessionStore(db.SessionStore):
    def decode(self, session_data):
        """Django's `decode`, remembered for this signed text and these secret keys (a copy each time)."""
        key = (session_data, settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS))
        if (known := _DECODED.get(key)) is not None:
            return known.copy()
        try:
            decoded = signing.loads(session_data, salt=self.key_salt, serializer=self.serializer)
        except Exception:  # as Django's decode: a bad signature or bad data is an empty session (and logged)
            return super().decode(session_data)
        if isinstance(decoded, dict) and all(isinstance(value, _PLAIN) for value in decoded.values()):
            if len(_DECODED) >= _DECODED_MAX:
                _DECODED.clear()
            _DECODED[key] = decoded.copy()
        return decoded

    def _get_session_from_db(self):
        try:
            rows = _live_session(session_key=self.session_key, now=timezone.now())
            if rows:
                return rows[0]
        except SuspiciousOperation as error:  # as Django's store: log it, then treat the key as unknown
            logging.getLogger(f"django.security.{error.__class__.__name__}").warning(str(error))
        self._session_key = None


# The backend that signs in with a password: a session it signed records this path (so it is never renamed here).
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@prepared
def _user(*, pk: int):
    return get_user_model()._default_manager.filter(pk=pk)


def session_user(request):
    """`django.contrib.auth.get_user(request)`: the session's user, or AnonymousUser when the session names none, a
    backend no longer listed, a user who cannot sign in, or a password changed since (the session is then ended).

    For a session ModelBackend signed, its `get_user` (`_default_manager.get(pk=...)`, then `user_can_authenticate`)
    is done with a prepared read; the session check after it is Django's, line for line. Any other backend's
    session goes to Django's own function. (tests/accounts/test_sessions.py compares the two case by case.)"""
    session = request.session
    if session.get(BACKEND_SESSION_KEY) != MODEL_BACKEND or MODEL_BACKEND not in settings.AUTHENTICATION_BACKENDS:
        return auth.get_user(request)
    try:
        user_id = get_user_model()._meta.pk.to_python(session[SESSION_KEY])
    except KeyError:
        return AnonymousUser()
    backend = load_backend(MODEL_BACKEND)
    user = next(iter(_user(pk=user_id)), None)
    user = user if user is not None and backend.user_can_authenticate(user) else None
    # Verify the session (django.contrib.auth.get_user, Django 5.2)
    if hasattr(user, "get_session_auth_hash"):
        session_hash = session.get(HASH_SESSION_KEY)
        if not session_hash:
            session_hash_verified = False
        else:
            session_auth_hash = user.get_session_auth_hash()
            session_hash_verified = constant_time_compare(session_hash, session_auth_hash)
        if not session_hash_verified:
            # If the current secret does not verify the session, try with the fallback secrets and stop when a
            # matching one is found.
            if session_hash and any(
                constant_time_compare(session_hash, fallback_auth_hash)
                for fallback_auth_hash in user.get_session_auth_fallback_hash()
            ):
                session.cycle_key()
                session[HASH_SESSION_KEY] = session_auth_hash
            else:
                session.flush()
                user = None
    return user or AnonymousUser()
