"""The first visit, in Debian's Chromium on a phone-sized screen."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from diary.models import Patient
from tests.conftest import PHONE

pytestmark = pytest.mark.browser


def test_a_new_visitor_signs_up_on_a_phone_and_lands_signed_in_on_their_home_page(phone):
    phone.goto("/")
    phone.get_by_role("link", name="Start your diary").click()

    phone.get_by_label("Username").fill("dana")
    phone.get_by_label("Email").fill("dana@example.org")
    phone.get_by_label("Time zone").select_option("Asia/Tokyo")
    phone.locator("#id_password1").fill("a-long-and-unusual-passphrase")
    phone.get_by_label("Password confirmation").fill("a-long-and-unusual-passphrase")
    phone.get_by_role("button", name="Create my diary").click()
    expect(phone.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    phone.goto(re.search(r"https?://[^/]+(/accounts/signup/confirm/\S+)", mail.outbox[-1].body).group(1))

    expect(phone.get_by_role("heading", name="Today")).to_be_visible()
    expect(phone.get_by_role("status")).to_contain_text("Your diary is ready")
    assert Patient.objects.get(user__username="dana").time_zone == "Asia/Tokyo"
    # On a phone the menu is collapsed behind a button that opens it.
    phone.get_by_role("button", name="Open menu").click()
    expect(phone.get_by_role("button", name=re.compile("Log out"))).to_be_visible()


def test_public_pages_load_nothing_from_another_origin(recorded_phone):
    for path in ["/", "/accounts/signup/", "/accounts/login/", "/accounts/password_reset/"]:
        response = recorded_phone.page.goto(path)
        assert response.status == 200

    assert len(recorded_phone.requests) > 4  # the pages, their stylesheets and scripts were recorded
    assert recorded_phone.foreign_requests() == []


@pytest.mark.parametrize(
    ("browser_zone", "chosen"),
    [
        ("Asia/Tokyo", "Asia/Tokyo"),
        ("Asia/Kolkata", "Asia/Kolkata"),  # Chromium reports it as "Asia/Calcutta"
        ("Europe/Kiev", "Europe/Kyiv"),
    ],
)
def test_sign_up_preselects_the_browsers_zone_even_under_an_old_name(browser, live_server, browser_zone, chosen):
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, timezone_id=browser_zone)
    page = context.new_page()
    try:
        page.goto("/accounts/signup/")
        expect(page.get_by_label("Time zone")).to_have_value(chosen)
    finally:
        context.close()
