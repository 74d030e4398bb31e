"""A dermatologist works through the review queue in Django admin, in Debian's Chromium at 1280x800."""

import base64
import datetime

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from diary.models import Flag
from diary.permissions import ensure_dermatologists_group
from drugs.models import Urgency
from tests.browser.journeys import take_screenshot
from tests.conftest import BROWSER_TIMEOUT_MS
from tests.diary.test_admin import diary_for, make_flag
from tests.factories import PASSWORD, PatientFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.real_two_factor]


def current_code(base32_secret: str) -> str:
    """What an authenticator app shows now for this secret (RFC 6238, 30 s steps, 6 digits)."""
    return f"{totp(base64.b32decode(base32_secret)):06d}"


DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def desktop(browser, live_server, transactional_db):
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    yield page
    context.close()
    assert [url for url in requests if not url.startswith(live_server.url + "/")] == []


def serious_axe_violations(axe, page) -> list:
    """axe-core's serious and critical violations on the page the browser shows now."""
    violations = axe.run(page).response["violations"]
    return [
        (v["id"], v["impact"], [n["html"][:80] for n in v["nodes"]])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.long
def test_a_dermatologist_resolves_a_flag_from_the_queue_and_reads_the_patients_timeline(desktop):
    from tests.browser.journeys import Axe

    axe, problems = Axe(), {}

    def check(name: str) -> None:
        found = serious_axe_violations(axe, page)
        if found:
            problems[name] = found

    page = desktop
    dermatologist = StaffFactory(username="dr-grey")
    # Transactional tests start from a flushed database: the group comes back through the same helper.
    dermatologist.groups.add(ensure_dermatologists_group())
    patient = PatientFactory(user__username="alice", dermatologist=dermatologist, time_zone="Europe/London")
    rows = diary_for(patient)
    make_flag(
        patient,
        urgency=Urgency.EMERGENCY,
        rule_text="Any medicine: swelling of the face",
        advice="Call emergency services now.",
        first_seen=patient.today() - datetime.timedelta(days=1),
    )
    someone_else = PatientFactory(user__username="bob", dermatologist=StaffFactory(username="dr-white"))
    make_flag(someone_else, rule_text="Bob's flag")

    page.goto("/admin/")
    page.get_by_label("Username").fill("dr-grey")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # First visit: admin needs two-step sign-in, enrolled with a real authenticator code.
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    secret = page.locator(".qr-code code").inner_text().replace(" ", "")
    page.get_by_label("Code").fill(current_code(secret))
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have saved my codes").click()
    expect(page.get_by_role("heading", name="Open flags of your patients")).to_be_visible()
    expect(page.get_by_role("link", name="Emergency: 1")).to_be_visible()
    check("admin index")
    take_screenshot(page, "admin-index")
    page.get_by_role("link", name="Open the review queue").click()
    check("review queue")

    # The queue: emergency first, nobody else's flags.
    results = page.locator("#result_list tbody tr")
    expect(results).to_have_count(2)
    expect(results.first).to_contain_text("Any medicine: swelling of the face")
    expect(page.locator("#result_list")).not_to_contain_text("Bob's flag")

    page.get_by_role("link", name=rows[Flag].rule_text).click()
    expect(page.get_by_text("Stop using it and contact your clinician within a few days.")).to_be_visible()
    expect(page.locator("table.evidence")).to_contain_text("Burning (Face)")
    expect(page.get_by_role("button", name="Resolve")).to_be_visible()
    check("flag page")
    page.go_back()

    results.nth(1).get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option("resolve_with_note")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_role("heading", name="Resolve flags with a note")).to_be_visible()
    expect(page.get_by_text("The patient reads this note word for word")).to_be_visible()
    check("resolve with a note")
    page.get_by_label("Note for the patient").fill("Seen in clinic; settling with emollients.")
    page.get_by_role("button", name="Resolve 1 flag").click()
    expect(page.locator(".messagelist")).to_contain_text("Resolved 1 flag.")
    expect(results).to_have_count(1)
    flag = Flag.objects.get(pk=rows[Flag].pk)
    assert (flag.status, flag.review_note) == (Flag.Status.RESOLVED, "Seen in clinic; settling with emollients.")

    page.get_by_role("link", name="Patients").first.click()
    check("patient list")
    page.get_by_role("link", name="Timeline").click()
    expect(page.get_by_role("heading", name="Diary of alice")).to_be_visible()
    for name in ["Symptom severity per day", "Peak itch per day", "Applications done against the schedule"]:
        expect(page.get_by_role("img", name=name)).to_be_visible()
    expect(page.get_by_text("Notes of alice")).to_be_visible()
    check("timeline")
    assert problems == {}
