"""The session store (accounts/sessions.py): Django's database sessions, the row read by a prepared read. A live
session signs the patient in; an expired or unknown one is no session at all."""

import datetime

import pytest
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.sessions import MODEL_BACKEND, SessionStore, session_user


def test_a_live_session_signs_the_patient_in_and_an_expired_one_does_not(client, patient):
    client.force_login(patient.user)
    assert client.get("/diary/treatments/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get("/diary/treatments/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_store_reads_its_own_row_and_forgets_an_unknown_key(db):
    store = SessionStore()
    store["answer"] = 42
    store.save()
    assert SessionStore(session_key=store.session_key).load() == {"answer": 42}
    unknown = SessionStore(session_key="x" * 32)
    assert unknown.load() == {}
    assert unknown.session_key is None  # a new key will be made, never the one the browser sent


def _login_data(user, backend: str = MODEL_BACKEND) -> dict:
    return {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: backend, HASH_SESSION_KEY: user.get_session_auth_hash()}


def _request(rf, data: dict):
    store = SessionStore()
    store.update(data)
    store.save()
    request = rf.get("/")
    request.session = SessionStore(session_key=store.session_key)
    return request


def _outcome(read, rf, data: dict) -> tuple:
    """Who the read signs in, and what is left of the session afterwards."""
    request = _request(rf, data)
    key = request.session.session_key
    user = read(request)
    session = request.session
    return (
        type(user).__name__,
        user.pk,
        session.session_key == key,
        session.get(SESSION_KEY),
        session.get(HASH_SESSION_KEY),
    )


CASES = ["signed in", "password changed", "no hash", "old secret", "inactive", "deleted", "unlisted backend",
         "passkey backend", "no session", "bad user id"]  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_the_session_user_is_djangos_get_user_case_by_case(rf, patient, settings, case):
    """accounts.sessions.session_user against django.contrib.auth.get_user: the same user, and the same session
    afterwards (kept, ended, or given a new key after a rotated secret)."""
    user = patient.user
    data = _login_data(user)
    if case == "password changed":
        user.set_password("a new password 123")
        user.save()
    elif case == "no hash":
        del data[HASH_SESSION_KEY]
    elif case == "old secret":
        settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
        settings.SECRET_KEY = "a-rotated-secret-key-" + "r" * 40
    elif case == "inactive":
        user.is_active = False
        user.save()
    elif case == "deleted":
        data[SESSION_KEY] = str(user.pk + 1000)
    elif case == "unlisted backend":
        data[BACKEND_SESSION_KEY] = "somewhere.else.Backend"
    elif case == "passkey backend":
        data = _login_data(user, backend="django_otp_webauthn.backends.WebAuthnBackend")
    elif case == "no session":
        data = {}
    elif case == "bad user id":
        data[SESSION_KEY] = "not a number"

    if case == "bad user id":  # Django raises on a session it never wrote; so does the prepared read
        with pytest.raises(ValidationError):
            auth.get_user(_request(rf, data))
        with pytest.raises(ValidationError):
            session_user(_request(rf, data))
        return
    ours, djangos = _outcome(session_user, rf, data), _outcome(auth.get_user, rf, data)

    assert ours == djangos
    signed_in = case in {"signed in", "old secret", "passkey backend"}
    assert ours[0] == ("User" if signed_in else "AnonymousUser")
    assert ours[2] == (case not in {"password changed", "no hash", "old secret"})  # ended, or a new key


def test_a_password_changed_elsewhere_signs_this_session_out(client, patient):
    client.force_login(patient.user)
    assert client.get("/diary/treatments/").status_code == 200
    patient.user.set_password("changed on another phone 123")
    patient.user.save()

    response = client.get("/diary/treatments/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Session.objects.exists()  # the old session is ended, not only refused


def test_decoded_session_data_is_djangos_each_time_and_a_copy(settings):
    from django.contrib.sessions.backends.db import SessionStore as DjangoStore

    store = SessionStore()
    data = store.encode({"_auth_user_id": "5", "_renewed": 1795705979, "_otp_required": False})

    for _ in range(2):  # the first decoding, then the remembered one
        store.decode(data)["_auth_user_id"] = "6"  # what a request does to its own session
    assert (
        store.decode(data)
        == DjangoStore().decode(data)
        == {
            "_auth_user_id": "5",
            "_renewed": 1795705979,
            "_otp_required": False,
        }
    )
    nested = store.encode({"cart": [1, 2]})
    store.decode(nested)["cart"].append(3)
    assert store.decode(nested) == {"cart": [1, 2]}


def test_session_data_tampered_with_or_signed_with_a_retired_key_is_an_empty_session(settings):
    store = SessionStore()
    data = store.encode({"_auth_user_id": "5"})
    assert store.decode(data) == {"_auth_user_id": "5"}

    assert store.decode(data[:-3] + "abc") == {}
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert store.decode(data) == {"_auth_user_id": "5"}  # an old key still listed as a fallback
    settings.SECRET_KEY_FALLBACKS = []
    assert store.decode(data) == {}  # the old key retired: the session is no longer trusted
