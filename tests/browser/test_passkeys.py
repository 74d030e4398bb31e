"""Passkeys in Debian's Chromium with its virtual authenticator (DevTools protocol, WebAuthn domain): a patient
adds one and signs in with it alone; a clinician sets one up as the second step and signs in to admin with the
password and the passkey. axe-core finds nothing on the passkey pages."""

import re
import time

import pytest
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect

from diary.reauth import REAUTHENTICATED_AT
from tests.browser.journeys import Axe, open_main_menu
from tests.factories import PASSWORD, PatientFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.real_two_factor]


@pytest.fixture(autouse=True)
def _passkeys_for_the_live_server(settings, live_server):
    """Passkeys are bound to the site's origin: here the live server's (http://localhost:port)."""
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    settings.OTP_WEBAUTHN_RP_ID = "localhost"


def add_virtual_authenticator(page) -> None:
    """A platform authenticator (like a phone's) that keeps passkeys and checks its owner, who always agrees."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})


def axe_violations(page) -> list:
    return [
        (v["id"], v["impact"], [n["html"][:80] for n in v["nodes"]]) for v in Axe().run(page).response["violations"]
    ]


def test_a_patient_adds_a_passkey_signs_out_and_signs_in_with_the_passkey_alone(phone):
    PatientFactory(user__username="alice")
    add_virtual_authenticator(phone)
    problems = {}

    phone.goto("/accounts/login/")
    expect(phone.get_by_role("button", name="Sign in with a passkey")).to_be_visible()
    problems["log in"] = axe_violations(phone)
    phone.get_by_label("Username").fill("alice")
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in", exact=True).click()
    expect(phone.get_by_role("heading", name="Today", exact=True)).to_be_visible()

    phone.goto("/diary/settings/")
    phone.get_by_role("link", name="Passkeys").click()
    expect(phone.get_by_role("heading", name="Passkeys")).to_be_visible()
    problems["passkeys"] = axe_violations(phone)
    phone.get_by_role("button", name="Add a passkey").click()
    expect(phone.get_by_role("heading", name="Your passkeys")).to_be_visible()
    problems["passkeys listed"] = axe_violations(phone)
    assert WebAuthnCredential.objects.get().user.username == "alice"

    open_main_menu(phone)
    phone.get_by_role("button", name=re.compile("Log out")).click()
    expect(phone.get_by_role("link", name="Log in")).to_be_visible()
    # The log-in page offers the browser's passkeys for this site in the username field (conditional UI); the
    # virtual authenticator picks the patient's at once, as the patient would by tapping it. No password typed.
    phone.goto("/accounts/login/")
    expect(phone.get_by_role("heading", name="Today", exact=True)).to_be_visible()

    # Ten minutes later, a sensitive page asks again: the passkey button confirms it.
    password_given_long_ago(phone)
    phone.goto("/accounts/passkeys/")
    expect(phone.get_by_role("button", name="Confirm with a passkey")).to_be_visible()
    problems["confirm"] = axe_violations(phone)
    phone.get_by_role("button", name="Confirm with a passkey").click()
    expect(phone.get_by_role("heading", name="Your passkeys")).to_be_visible()
    assert {page: found for page, found in problems.items() if found} == {}


def password_given_long_ago(page) -> None:
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore(session_key=next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid"))
    session[REAUTHENTICATED_AT] = int(time.time()) - 11 * 60
    session.save()


def test_a_clinician_signs_in_to_admin_with_the_password_and_a_passkey(desktop_page):
    page = desktop_page
    StaffFactory(username="dr-grey")
    add_virtual_authenticator(page)
    problems = {}

    def log_in() -> None:
        page.goto("/admin/")
        page.get_by_label("Username").fill("dr-grey")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()

    log_in()  # a new clinician is asked to set up a second factor: a passkey instead of an app
    expect(page.get_by_role("heading", name="Or use a passkey")).to_be_visible()
    problems["setup"] = axe_violations(page)
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("link", name="Skin diary — clinician admin")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    page.get_by_role("button", name="Log out").click()
    log_in()
    expect(page.get_by_role("button", name="Use a passkey")).to_be_visible()
    problems["verify"] = axe_violations(page)
    page.get_by_role("button", name="Use a passkey").click()

    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    assert {name: found for name, found in problems.items() if found} == {}


@pytest.fixture
def desktop_page(browser, live_server, transactional_db):
    from tests.conftest import _recorded_page

    context, recorded = _recorded_page(browser, live_server, {"width": 1280, "height": 800})
    yield recorded.page
    context.close()
    assert recorded.foreign_requests() == []
    assert recorded.csp_violations == []
