"""The session store (accounts/sessions.py): Django's database sessions, the row read by a prepared read. A live
session signs the patient in; an expired or unknown one is no session at all."""

import datetime

from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.sessions import SessionStore


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
