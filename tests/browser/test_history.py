"""History in Debian's Chromium: a list of days at 320 px, found and opened with the keyboard alone."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_diary import _diary_with_a_few_days, _sign_in

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}


def test_history_at_320_px_by_keyboard_filters_days_and_opens_one(browser, live_server, transactional_db):
    from tests.browser.journeys import Axe

    patient, _ = _diary_with_a_few_days()
    context = browser.new_context(viewport=NARROW, base_url=live_server.url)
    page = context.new_page()
    try:
        _sign_in(page, live_server, patient.user)
        page.goto("/diary/history/")
        days = page.get_by_role("article")
        expect(days).to_have_count(3)
        expect(page.get_by_role("heading", level=2).first).to_have_text(re.compile(r"^\w+ \d{4}$"))
        expect(page.get_by_text("nothing logged").first).to_be_visible()  # the missed days of the course

        # Open "Find days..." and filter by a symptom without the mouse.
        summary = page.get_by_text("Find days by medicine, symptom or month")
        summary.focus()
        page.keyboard.press("Enter")
        page.get_by_label("Symptom").focus()
        page.keyboard.press("B")  # a native select: typing picks "Burning"
        expect(page.get_by_label("Symptom")).to_have_value("burning")
        page.get_by_role("button", name="Show").focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"symptom=burning"))
        expect(days).to_have_count(3)
        expect(page.get_by_text("nothing logged")).to_have_count(0)

        assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
        violations = Axe().run(page).response["violations"]
        assert violations == [], [v["id"] for v in violations]

        # A day's heading leads to the day, where editing happens.
        earlier = days.nth(2).get_by_role("link").first
        earlier.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("link", name=re.compile("^Edit Burning"))).to_be_visible()
    finally:
        context.close()
