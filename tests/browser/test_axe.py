"""The browser tests' axe-core (tests/browser/journeys.py, Axe): sent once per context, it checks what the library
checks and still finds a fault, on the page where it was first sent and on every page opened after it."""

import pytest
from axe_playwright_python.sync_playwright import Axe as LibraryAxe

from tests.browser.journeys import Axe

pytestmark = pytest.mark.browser

# An image without a text alternative: axe-core's rule image-alt, a critical violation.
UNLABELLED_IMAGE = (
    "document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/static/img/icons/icon-192.png\">')"
)
AXE_LOADED = "() => typeof window.axe === 'object'"


def outcome(results) -> dict:
    response = results.response
    return {kind: sorted(rule["id"] for rule in response[kind]) for kind in ("passes", "violations", "incomplete")}


def test_axe_sent_once_per_context_checks_every_rule_the_library_does_and_finds_a_fault_on_each_page(phone):
    axe = Axe()
    phone.goto("/")
    assert not phone.evaluate(AXE_LOADED)
    first = axe.run(phone)
    assert outcome(first) == outcome(LibraryAxe().run(phone))
    assert len(first.response["passes"]) > 20

    phone.goto("/guide/")
    assert phone.evaluate(AXE_LOADED), "a page opened after the first check starts with axe-core loaded"
    assert outcome(axe.run(phone)) == outcome(LibraryAxe().run(phone))
    phone.evaluate(UNLABELLED_IMAGE)
    violations = {violation["id"]: violation["impact"] for violation in axe.run(phone).response["violations"]}
    assert violations == {"image-alt": "critical"}

    phone.goto("/accounts/login/")
    phone.evaluate(UNLABELLED_IMAGE)
    assert [violation["id"] for violation in Axe().run(phone).response["violations"]] == ["image-alt"]
