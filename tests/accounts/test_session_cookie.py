"""The session cookie after a sign-in: a request the browser sent before the sign-in, still carrying the session
key the sign-in replaced, must not take the new session cookie away (the browser would then be signed out).

A browser sends such requests: the service worker's script and the manifest are fetched while a page loads, and
may be answered after the sign-in's response has set the new cookie. Django's session middleware deletes the cookie
of any request whose session turned out empty, which here is the replaced key; signing out still deletes it."""

from django.conf import settings
from django.contrib.sessions.models import Session
from django.http import HttpResponse
from django.test import Client

from accounts.middleware import SessionMiddleware
from accounts.sessions import SessionStore
from tests.factories import PatientFactory

PASSWORD = "a-long-and-unusual-passphrase"


def _deleted(response) -> bool:
    cookie = response.cookies.get(settings.SESSION_COOKIE_NAME)
    return cookie is not None and cookie["max-age"] == 0


def test_a_request_with_the_key_a_sign_in_replaced_leaves_the_new_session_cookie_alone(db):
    patient = PatientFactory(user__username="dana")
    patient.user.set_password(PASSWORD)
    patient.user.save()
    browser = Client()
    browser.get("/accounts/login/")
    session = browser.session
    session["seen_landing"] = True  # an anonymous session, as the sign-up's steps leave one
    session.save()
    replaced = session.session_key
    browser.cookies[settings.SESSION_COOKIE_NAME] = replaced

    signed_in = browser.post("/accounts/login/", {"username": "dana", "password": PASSWORD})
    assert signed_in.status_code == 302
    new_key = signed_in.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != replaced and not Session.objects.filter(session_key=replaced).exists()

    late = Client()  # the request sent before the sign-in, answered after it
    late.cookies[settings.SESSION_COOKIE_NAME] = replaced
    response = late.get("/sw.js")
    assert response.status_code == 200
    assert not _deleted(response)
    assert "Cookie" in response["Vary"]

    browser.cookies[settings.SESSION_COOKIE_NAME] = new_key
    assert browser.get("/diary/treatments/").status_code == 200  # still signed in


def test_signing_out_still_replaces_the_session_cookie_and_ends_the_session(client, patient):
    client.force_login(patient.user)
    signed_in = client.cookies[settings.SESSION_COOKIE_NAME].value
    response = client.post("/accounts/logout/")
    # The session is flushed (its row deleted); the cookie then holds a new anonymous key (the goodbye message).
    assert response.cookies[settings.SESSION_COOKIE_NAME].value not in ("", signed_in)
    assert not Session.objects.filter(session_key=signed_in).exists()
    assert client.get("/diary/treatments/").status_code == 302


def test_a_session_emptied_in_the_request_still_deletes_the_cookie(rf, db):
    """Django's rule where it applies: a session flushed in this request, with nothing written after, is deleted
    from the browser too."""
    store = SessionStore()
    store["answer"] = 42
    store.save()
    request = rf.get("/")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = store.session_key

    def flush(request):
        request.session.flush()
        return HttpResponse("ok")

    response = SessionMiddleware(flush)(request)
    assert _deleted(response)
