"""The patient list in Django admin at 1280x800: every column visible, without scrolling sideways."""

import pytest
from playwright.sync_api import expect

from clinics.models import Membership
from diary.permissions import ensure_clinic_managers_group, ensure_dermatologists_group
from tests.browser.test_admin import DESKTOP
from tests.conftest import BROWSER_TIMEOUT_MS, sign_in
from tests.diary.test_admin import diary_for
from tests.factories import PatientFactory, StaffFactory, clinic_of, join_clinic

pytestmark = pytest.mark.browser


def _staff_page(browser, live_server, user):
    """A 1280x800 page signed in as `user` (two-step sign-in passed, as after a real code)."""
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, live_server, user)
    return context, page


def _people(transactional_db):
    dermatologist = StaffFactory(username="dr-grey", first_name="Meredith", last_name="Grey")
    dermatologist.groups.add(ensure_dermatologists_group())
    manager = StaffFactory(username="manager-bailey")
    manager.groups.add(ensure_clinic_managers_group())
    join_clinic(manager, clinic_of(dermatologist), role=Membership.Role.MANAGER)
    superuser = StaffFactory(username="root", is_superuser=True)
    for n, (first, last) in enumerate(
        [("Alexandra", "Montgomery-Featherstonehaugh"), ("Bo", "Li"), ("Chidi", "Okafor")]
    ):
        patient = PatientFactory(
            user__username=f"patient-with-a-long-user-name-{n}",
            user__first_name=first,
            user__last_name=last,
            user__email=f"{first.lower()}.{last.lower()}@example.org",
            dermatologist=dermatologist,
        )
        diary_for(patient)
    # No name given: the list shows the user name, one long word the browser cannot break at a space.
    diary_for(
        PatientFactory(
            user__username="alexandramontgomeryfeatherstonehaughfromtheclinicinleeds@example.org",
            user__first_name="",
            user__last_name="",
            dermatologist=dermatologist,
        )
    )
    return {"superuser": superuser, "dermatologist": dermatologist, "manager": manager}


@pytest.mark.parametrize("who", ["superuser", "dermatologist", "manager"])
def test_every_column_of_the_patient_list_is_visible_at_1280_by_800(browser, live_server, transactional_db, who):
    user = _people(transactional_db)[who]
    context, page = _staff_page(browser, live_server, user)
    try:
        page.goto("/admin/diary/patient/")
        rows = page.locator("#result_list tbody tr")
        expect(rows).to_have_count(4)

        headers = page.locator("#result_list thead th")
        last_cells = page.locator("#result_list tbody tr td:last-child")
        for locator in [headers.last, *[last_cells.nth(n) for n in range(4)]]:
            expect(locator).to_be_in_viewport()
            box = locator.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= DESKTOP["width"], (who, box)
        expect(headers.last).to_contain_text("Diary")
        assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
        assert page.evaluate("document.querySelector('#changelist .results').scrollWidth") <= page.evaluate(
            "document.querySelector('#changelist .results').clientWidth"
        )
    finally:
        context.close()
