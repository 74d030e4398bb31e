"""A patient looks up their medicine's warning signs on a phone."""

import pytest
from playwright.sync_api import expect

from tests.browser.journeys import open_main_menu

pytestmark = pytest.mark.browser


def test_a_visitor_searches_elidel_and_reads_the_warning_signs_of_pimecrolimus(phone, reference):
    phone.goto("/")
    open_main_menu(phone)
    phone.get_by_role("link", name="Medicine guide").click()
    expect(phone.get_by_role("heading", name="Medicine guide")).to_be_visible()

    phone.get_by_label("Find a medicine").fill("Elidel")
    phone.get_by_role("button", name="Search").click()
    phone.get_by_role("link", name="Pimecrolimus (topical cream)").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Pimecrolimus (topical cream)")
    expect(phone.get_by_role("complementary", name="Boxed warning")).to_be_visible()
    phone.get_by_role("link", name="Warning signs").click()
    warning_signs = phone.locator("#warning-signs")
    expect(warning_signs).to_be_in_viewport()
    expect(phone.locator("#urgency-emergency")).to_contain_text("Swelling of your face, lips, tongue or throat")
    expect(phone.locator("#urgency-today")).to_contain_text("Cold sores")
    expect(warning_signs).to_contain_text("Burning or warmth from pimecrolimus usually settles")


def test_a_search_that_finds_nothing_says_so_on_a_phone(phone, reference):
    phone.goto("/guide/?q=paracetamol")

    expect(phone.get_by_role("status")).to_contain_text("Nothing found for “paracetamol”")
    phone.get_by_role("link", name="see all medicines in the guide").click()
    expect(phone.get_by_role("link", name="Tacrolimus (topical ointment)")).to_be_visible()


def test_a_medicine_page_opens_with_the_summary_in_plain_words_and_passes_axe(phone, reference):
    from tests.browser.journeys import Axe

    phone.goto("/guide/tacrolimus-ointment/")

    summary = phone.get_by_role("region", name="In short")
    expect(summary).to_be_in_viewport()
    for heading in ("What it is for", "How to apply", "What is normal", "When to call"):
        expect(summary.get_by_role("heading", name=heading, level=3)).to_be_visible()
    expect(summary).to_contain_text("Contact your clinician today if you get cold sores")
    summary_top = summary.bounding_box()["y"]
    assert summary_top < phone.get_by_role("complementary", name="Boxed warning").bounding_box()["y"]
    summary.get_by_role("link", name="The full list of signs, most urgent first").click()
    expect(phone.locator("#warning-signs")).to_be_in_viewport()
    violations = Axe().run(phone).response["violations"]
    assert [(v["id"], v["impact"]) for v in violations] == []
