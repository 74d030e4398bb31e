"""Whole journeys in Debian's Chromium against the live server: a patient's first week on a phone and on a
desktop, the dermatologist's review, and a patient poking at another patient's addresses.

Every page visited is checked with axe-core, weighed on a cold cache, and laid out at 320 CSS px and at
200% zoom (tests/browser/journeys.py); every context fails on a request to another origin or a CSP violation.
`make screenshots` (SCREENSHOTS=1) also saves the key screens into screenshots/.
"""

import datetime
import io
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from diary import services
from diary.models import Application, Entry, Flag, Patient, Photo, Reaction
from diary.permissions import ensure_dermatologists_group
from drugs.models import BodyArea, Drug, Symptom
from tests.browser.journeys import BUDGET, LAYOUTS, PageChecks, Visit, follow, open_main_menu, take_screenshot
from tests.browser.test_admin import current_code
from tests.conftest import BROWSER_TIMEOUT_MS, PHONE, RecordedPage, sign_in
from tests.diary.test_admin import diary_for
from tests.factories import PASSWORD, PatientFactory, StaffFactory, jpeg_bytes

pytestmark = pytest.mark.browser

# The width an image has once its bytes arrived and decoded (waits for the download; fails if broken).
LOADED_WIDTH = "img => img.decode().then(() => img.naturalWidth)"

DESKTOP = {"width": 1280, "height": 800}
TACROLIMUS = "tacrolimus (topical ointment)"
CALCIPOTRIENE = "calcipotriene (calcipotriol) - single agent"
# Burning on the face, day by day over the first week: it gets worse until it is severe.
BURNING = ["Mild", "Mild", "Moderate", "Moderate", "Moderate", "Moderate", "Severe"]


@pytest.fixture
def open_page(browser, live_server, transactional_db):
    """Opens browser contexts on the live server; afterwards none may have asked another origin or broken the CSP."""
    opened: list[RecordedPage] = []

    def open_(viewport: dict, **options) -> RecordedPage:
        context = browser.new_context(viewport=viewport, base_url=live_server.url, **options)
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        recorded = RecordedPage(context.new_page(), live_server.url)
        opened.append(recorded)
        return recorded

    yield open_
    for recorded in opened:
        recorded.page.context.close()
    assert [url for recorded in opened for url in recorded.foreign_requests()] == [], "pages requested another origin"
    assert [text for recorded in opened for text in recorded.csp_violations] == [], "pages broke the CSP"


@pytest.fixture
def journey_report(request):
    """Lines for the end of the test run (see pytest_terminal_summary in tests/conftest.py)."""
    from tests.conftest import REPORT_PROPERTY

    lines: list[str] = []
    yield lines
    request.node.user_properties.extend((REPORT_PROPERTY, line) for line in lines)


def open_menu(page, link: str) -> None:
    """Follow a link of the main menu, opening it first where it is folded (phones)."""
    open_main_menu(page)
    follow(page, page.get_by_role("navigation", name="Main").get_by_role("link", name=link, exact=True))


def add_course(page, medicine: str, strength: str, area: str, times: int, started_on: datetime.date) -> None:
    page.get_by_role("link", name="Add a treatment").click()
    page.get_by_label("Medicine").select_option(label=medicine)
    page.get_by_label("Strength").select_option(strength)
    page.get_by_label(area).check()
    page.get_by_label("How often").fill(str(times))
    page.get_by_label("times a day").check()
    page.get_by_label("Started on").fill(started_on.isoformat())
    page.get_by_role("button", name="Add treatment").click()
    expect(page.get_by_role("status")).to_contain_text(f"Added {medicine}")


def add_photo(page, colour: tuple[int, int, int], caption: str) -> None:
    page.get_by_label("Photo*", exact=True).set_input_files(
        {"name": "face.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(colour, size=(640, 480))}
    )
    page.get_by_label("Body area").select_option(label="Face and neck")
    page.get_by_label("Caption (optional)").fill(caption)
    page.get_by_role("button", name="Add a photo").click()
    expect(page.get_by_role("status")).to_contain_text("Added a photo of your face and neck")


def log_burning(page, severity: str) -> None:
    page.get_by_label("What did you notice?").select_option(label="Burning")
    page.get_by_label("Where").select_option(label="Face and neck")
    page.get_by_role("button", name=severity, exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"Logged {severity.lower()} burning")


def a_new_patients_first_week(page, checks: PageChecks) -> Patient:
    """Sign up, start two courses, log seven days and follow the alert that the last day raises."""
    page.goto("/")
    checks.page(page, "landing", screenshot="01-landing")
    follow(page, page.get_by_role("link", name="Start your diary"))
    checks.page(page, "sign-up", screenshot="02-sign-up")
    page.get_by_label("Username").fill("dana")
    page.get_by_label("Email").fill("dana@example.org")
    page.get_by_label("Time zone").select_option("Europe/London")
    page.locator("#id_password1").fill("a-long-and-unusual-passphrase")
    page.get_by_label("Password confirmation").fill("a-long-and-unusual-passphrase")
    page.get_by_role("button", name="Create my diary").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    page.goto(re.search(r"https?://[^/]+(/accounts/signup/confirm/\S+)", mail.outbox[-1].body).group(1))
    expect(page.get_by_role("status")).to_contain_text("Your diary is ready")
    patient = Patient.objects.get(user__username="dana")
    today = patient.today()
    week = [today - datetime.timedelta(days=n) for n in range(6, -1, -1)]

    open_menu(page, "Treatments")
    checks.page(page, "treatments")
    follow(page, page.get_by_role("link", name="Add a treatment"))
    checks.page(page, "add a treatment")
    page.go_back()
    add_course(page, TACROLIMUS, "0.1% ointment (1 mg/g)", "Face and neck", 2, week[0] - datetime.timedelta(days=1))
    open_menu(page, "Treatments")
    calcipotriene = Drug.objects.get(slug="calcipotriene")
    add_course(page, CALCIPOTRIENE, calcipotriene.strength_list[0], "Front of chest and abdomen", 1, week[0])
    checks.page(page, "treatments")

    for number, (day, severity) in enumerate(zip(week, BURNING, strict=True)):
        page.goto("/" if day == today else f"/diary/{day.isoformat()}/")
        for button in page.get_by_role("button", name=re.compile("^Applied")).all():
            button.click()
            expect(page.get_by_role("status")).to_contain_text("Recorded")
        log_burning(page, severity)
        if number == 2:
            page.get_by_label("How bad was your itch at its worst in the past 24 hours?").select_option("6")
            page.get_by_role("textbox", name="Notes").fill("Stings after the evening dose")
            page.get_by_role("button", name="Save itch, sleep and notes").click()
            expect(page.get_by_role("status")).to_contain_text("Saved")
        if number in (0, 6):
            add_photo(page, (200, 60, 60) if number == 0 else (230, 180, 170), f"Day {number + 1}")
            name = "today" if day == today else "day with a photo"
            checks.page(page, name, screenshot="04-day-with-a-photo" if number == 0 else None)
        else:
            checks.page(page, "day")

    # The severe burning of the last day matches a warning sign: the advice is at the top of Today.
    alert = page.locator("#alerts .flag-alert")
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text("Contact your clinician within 1")
    expect(alert).to_contain_text("burning")
    flag = Flag.objects.get(patient=patient)
    checks.page(page, "today", screenshot="03-today-with-an-alert")
    alert.get_by_role("link", name="Warning signs in the medicine guide").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(flag.drug.generic_name, ignore_case=True)
    expect(page.locator("#warning-signs")).to_contain_text("burning", ignore_case=True)
    checks.page(page, "medicine guide", screenshot="08-medicine-guide")
    follow(page, page.get_by_role("link", name="Medicine guide", exact=True).first)
    checks.page(page, "guide index")

    # The photos of the first and the last day, side by side.
    page.goto("/")
    page.get_by_role("link", name="Compare over time").click()
    expect(page.get_by_role("heading", name="Compare photos of your face and neck")).to_be_visible()
    expect(page.get_by_text("6 days apart")).to_be_visible()
    for label in ("Earlier", "Later"):
        image = page.get_by_role("img", name=re.compile(f"^{label}: Face and neck on "))
        expect(image).to_be_visible()
        assert image.evaluate(LOADED_WIDTH) == 640
    checks.page(page, "photo compare", screenshot="06-photo-compare")
    open_menu(page, "Photos")
    checks.page(page, "photos")
    follow(page, page.get_by_role("img", name=re.compile("^Face and neck on .*: Day 1$")))
    expect(page.get_by_role("img", name=re.compile("^Face and neck on .*: Day 1$"))).to_be_visible()
    checks.page(page, "photo")

    # Everything is in History, newest first.
    open_menu(page, "History")
    days = page.get_by_role("article")
    expect(days).to_have_count(7)
    expect(days.first).to_contain_text("Severe")
    expect(days.first).to_contain_text("Burning on face and neck")
    expect(days.first).to_contain_text(TACROLIMUS)
    expect(days.nth(4)).to_contain_text("Stings after the evening dose")
    expect(days.last).to_contain_text("Mild")
    checks.page(page, "history", screenshot="05-history")

    page.goto("/")
    follow(page, page.get_by_role("link", name="Edit Burning"))
    expect(page.get_by_role("radio", name="Severe")).to_be_checked()
    checks.page(page, "edit a reaction")
    page.go_back()
    follow(page, page.get_by_role("link", name=re.compile(f"^Edit {re.escape(TACROLIMUS)} at ")))
    checks.page(page, "edit an application")
    page.go_back()

    open_menu(page, "Alerts")
    expect(page.locator(".flag-alert")).to_have_count(1)
    checks.page(page, "my alerts", screenshot="07-my-alerts")
    follow(page, page.get_by_role("link", name="Details of this alert"))
    checks.page(page, "alert")
    open_menu(page, "Settings")
    checks.page(page, "settings")

    assert Entry.objects.filter(patient=patient).count() == 7
    # One tap a day on each course's button.
    assert Application.objects.filter(entry__patient=patient).count() == 7 * 2
    assert list(
        Reaction.objects.filter(entry__patient=patient).order_by("entry__date").values_list("severity", flat=True)
    ) == [
        1,
        1,
        2,
        2,
        2,
        2,
        3,
    ]
    assert sorted(Photo.objects.filter(entry__patient=patient).values_list("taken_on", flat=True)) == [week[0], today]
    return patient


def check_everything(checks: PageChecks, page, journey_report) -> None:
    checks.revisit(page.context.storage_state())
    check_accessibility(checks, journey_report)
    assert checks.layout_problems == {}, "pages that do not reflow at 320 px or lose text at 200% zoom"
    assert checks.over_budget() == {}, f"pages over {BUDGET // 1024} KB compressed"


def check_accessibility(checks: PageChecks, journey_report) -> None:
    checks.save()
    journey_report.extend(checks.summary_lines())
    assert checks.axe_problems == {}, "serious or critical accessibility violations"
    assert checks.axe_minor == {}, (
        "minor or moderate accessibility violations (the other browser tests allow none either)"
    )


def visited(visits: list[Visit]) -> list[tuple[str, bool]]:
    return [(visit.name, visit.signed_in) for visit in visits]


@pytest.mark.long
def test_a_new_patient_on_a_phone_logs_a_week_follows_an_alert_to_the_guide_and_finds_it_all_in_history(
    open_page, reference, journey_report
):
    recorded = open_page(PHONE)
    checks = PageChecks("phone", open_page, PHONE, screenshots=True)

    patient = a_new_patients_first_week(recorded.page, checks)

    check_accessibility(checks, journey_report)
    # The pages the first week's own tests weigh and lay out below, as this journey reached them.
    assert visited(checks.visits) == visited(first_week_pages(patient))


@pytest.mark.long
def test_a_new_patient_on_a_desktop_logs_a_week_follows_an_alert_to_the_guide_and_finds_it_all_in_history(
    open_page, reference, journey_report
):
    recorded = open_page(DESKTOP)
    checks = PageChecks("desktop", open_page, DESKTOP)

    patient = a_new_patients_first_week(recorded.page, checks)

    check_accessibility(checks, journey_report)
    assert visited(checks.visits) == visited(first_week_pages(patient))


# --- The first week's pages: weight on a cold cache, reflow and zoom --------------------------------------------------
# The same diary and pages as the journeys above, the diary made through the services rather than clicked through,
# so that these checks run as tests of their own (on either worker) instead of at the end of each journey.

SEVERITY = {"Mild": 1, "Moderate": 2, "Severe": 3}


@pytest.fixture
def first_week(reference) -> Patient:
    """The diary `a_new_patients_first_week` leaves: two courses, a week of taps and burning, notes, two photos."""
    patient = PatientFactory(user__username="dana", user__email="dana@example.org", time_zone="Europe/London")
    today = patient.today()
    week = [today - datetime.timedelta(days=n) for n in range(6, -1, -1)]
    face = BodyArea.objects.get(code="face_neck")
    calcipotriene = Drug.objects.get(slug="calcipotriene")
    courses = [
        services.treatment_create(
            patient=patient,
            drug=Drug.objects.get(slug="tacrolimus-ointment"),
            strength="0.1% ointment (1 mg/g)",
            body_areas=[face],
            schedule_kind="daily",
            schedule_times=2,
            started_on=week[0] - datetime.timedelta(days=1),
        ),
        services.treatment_create(
            patient=patient,
            drug=calcipotriene,
            strength=calcipotriene.strength_list[0],
            body_areas=[BodyArea.objects.get(code="trunk_front")],
            schedule_kind="daily",
            schedule_times=1,
            started_on=week[0],
        ),
    ]
    burning = Symptom.objects.get(code="burning")
    for number, (day, severity) in enumerate(zip(week, BURNING, strict=True)):
        for course in courses:
            services.application_create(patient=patient, treatment=course, date=day)
        services.reaction_create(
            patient=patient, date=day, symptom=burning, severity=SEVERITY[severity], body_area=face
        )
        if number == 2:
            services.entry_update(patient=patient, date=day, itch=6, notes="Stings after the evening dose")
        if number in (0, 6):
            colour = (200, 60, 60) if number == 0 else (230, 180, 170)
            services.photo_create(
                patient=patient,
                date=day,
                upload=io.BytesIO(jpeg_bytes(colour, size=(640, 480))),
                body_area=face,
                caption=f"Day {number + 1}",
            )
    return patient


def first_week_pages(patient: Patient) -> list[Visit]:
    """The pages `a_new_patients_first_week` visits, in its order, at the addresses of `patient`'s diary."""
    today = patient.today()
    entries = Entry.objects.filter(patient=patient)
    first_photo = Photo.objects.filter(entry__patient=patient).earliest("taken_on")
    severe = Reaction.objects.get(entry__patient=patient, entry__date=today)
    tacrolimus = Application.objects.get(
        entry__patient=patient, entry__date=today, treatment__drug__slug="tacrolimus-ointment"
    )
    flag = Flag.objects.get(patient=patient)
    days = [entry.date for entry in entries.exclude(date=today).order_by("date")]
    return [
        Visit("landing", "/", signed_in=False),
        Visit("sign-up", "/accounts/signup/", signed_in=False),
        Visit("treatments", "/diary/treatments/", signed_in=True),
        Visit("add a treatment", "/diary/treatments/add/", signed_in=True),
        Visit("day with a photo", f"/diary/{days[0].isoformat()}/", signed_in=True),
        *(Visit("day", f"/diary/{day.isoformat()}/", signed_in=True) for day in days[1:]),
        Visit("today", "/", signed_in=True),
        Visit("medicine guide", "/guide/tacrolimus-ointment/", signed_in=True),
        Visit("guide index", "/guide/", signed_in=True),
        Visit("photo compare", "/diary/photos/compare/", signed_in=True),
        Visit("photos", "/diary/photos/", signed_in=True),
        Visit("photo", f"/diary/photos/{first_photo.pk}/", signed_in=True),
        Visit("history", "/diary/history/", signed_in=True),
        Visit("edit a reaction", f"/diary/reactions/{severe.pk}/edit/", signed_in=True),
        Visit("edit an application", f"/diary/applications/{tacrolimus.pk}/edit/", signed_in=True),
        Visit("my alerts", "/diary/alerts/", signed_in=True),
        Visit("alert", f"/diary/alerts/{flag.pk}/", signed_in=True),
        Visit("settings", "/diary/settings/", signed_in=True),
    ]


def signed_in_state(open_page, live_server, user) -> dict:
    """The storage state (the session cookie) of `user` signed in, for the fresh contexts of a revisit."""
    page = open_page(PHONE).page
    sign_in(page, live_server, user)
    return page.context.storage_state()


@pytest.mark.long
@pytest.mark.parametrize(("label", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_every_page_of_the_first_week_transfers_under_200_kb_compressed_on_a_cold_cache(
    open_page, live_server, first_week, journey_report, label, viewport
):
    checks = PageChecks(label, open_page, viewport, visits=first_week_pages(first_week))

    checks.weigh(signed_in_state(open_page, live_server, first_week.user))

    checks.save()
    journey_report.extend(checks.summary_lines())
    assert len(checks.weights) == len(checks.visits) == 22
    assert checks.over_budget() == {}, f"pages over {BUDGET // 1024} KB compressed"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_page_of_the_first_week_reflows_at_320_px_and_keeps_its_text_at_200_percent_zoom(
    open_page, live_server, first_week, layout
):
    viewport = LAYOUTS[layout]["viewport"]
    checks = PageChecks(f"first-week-{layout}", open_page, viewport, visits=first_week_pages(first_week))

    checks.lay_out(signed_in_state(open_page, live_server, first_week.user), layout)

    checks.save()
    assert checks.layout_problems == {}, "pages that do not reflow at 320 px or lose text at 200% zoom"


# --- The daily log with the keyboard alone -------------------------------------------------------------------------


def tab_to(page, target, limit: int = 120) -> None:
    """Press Tab until `target` has the focus, as a keyboard user moves through the page."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


def start_course(patient, slug: str, area: str, started_days_ago: int = 10):
    return services.treatment_create(
        patient=patient,
        drug=Drug.objects.get(slug=slug),
        strength="",
        body_areas=[BodyArea.objects.get(code=area)],
        schedule_kind="daily",
        schedule_times=2,
        started_on=patient.today() - datetime.timedelta(days=started_days_ago),
    )


def test_the_daily_log_can_be_filled_in_with_the_keyboard_alone(open_page, live_server, reference):
    patient = PatientFactory(user__username="kim", time_zone="Europe/London")
    start_course(patient, "tacrolimus-ointment", "face_neck")
    page = open_page(PHONE).page
    sign_in(page, live_server, patient.user)
    page.goto("/")

    tab_to(page, page.get_by_role("button", name=re.compile("^Applied now")))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Recorded tacrolimus")

    # A select is chosen from the keyboard by typing the start of an option, as with any native select.
    symptom = page.get_by_label("What did you notice?")
    tab_to(page, symptom)
    page.keyboard.type("Burning")
    expect(symptom).to_have_value(str(Symptom.objects.get(code="burning").pk))
    where = page.get_by_label("Where")
    tab_to(page, where)
    page.keyboard.type("Face")
    expect(where).to_have_value(str(BodyArea.objects.get(code="face_neck").pk))
    tab_to(page, page.get_by_role("button", name="Moderate", exact=True))
    page.keyboard.press("Space")
    expect(page.get_by_role("status")).to_contain_text("Logged moderate burning")

    itch = page.get_by_label("How bad was your itch at its worst in the past 24 hours?")
    tab_to(page, itch)
    page.keyboard.type("7")
    expect(itch).to_have_value("7")
    tab_to(page, page.get_by_role("textbox", name="Notes"))
    page.keyboard.type("Dry patches on the cheeks")
    tab_to(page, page.get_by_role("button", name="Save itch, sleep and notes"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Saved")

    entry = Entry.objects.get(patient=patient, date=patient.today())
    assert (entry.itch, entry.notes) == (7, "Dry patches on the cheeks")
    assert entry.applications.get().treatment.drug.slug == "tacrolimus-ointment"
    reaction = entry.reactions.get()
    assert (reaction.symptom.code, reaction.body_area.code, reaction.severity) == ("burning", "face_neck", 2)


# --- Another patient's addresses -------------------------------------------------------------------------------------


def test_a_patient_finds_nothing_at_the_addresses_of_another_patients_entries_photos_and_alerts(open_page, live_server):
    me = PatientFactory(user__username="alice", time_zone="Europe/London")
    theirs = diary_for(PatientFactory(user__username="bob", time_zone="Europe/London"))
    page = open_page(PHONE).page
    sign_in(page, live_server, me.user)
    application, reaction, photo, flag = theirs[Application], theirs[Reaction], theirs[Photo], theirs[Flag]
    addresses = [
        f"/diary/applications/{application.pk}/edit/",
        f"/diary/applications/{application.pk}/delete/",
        f"/diary/reactions/{reaction.pk}/edit/",
        f"/diary/reactions/{reaction.pk}/delete/",
        f"/diary/photos/{photo.pk}/",
        f"/diary/photos/{photo.pk}/delete/",
        f"/diary/photos/{photo.pk}/image/",
        f"/diary/photos/{photo.pk}/thumb/",
        f"/diary/alerts/{flag.pk}/",
    ]

    answers = {}
    for address in addresses:
        response = page.goto(address)
        answers[address] = (response.status, page.get_by_role("heading", level=1).inner_text())
        expect(page.get_by_text("We could not find that page.")).to_be_visible()
    assert answers == {address: (404, "Page not found") for address in addresses}

    # The same day's address is the signed-in patient's own (empty) page: nothing of Bob's leaks.
    page.goto(f"/diary/{theirs[Entry].date.isoformat()}/")
    expect(page.locator("main")).not_to_contain_text("Notes of bob")
    expect(page.locator("#logged")).to_contain_text("Nothing yet.")
    assert Application.objects.filter(pk=application.pk).exists()


# --- The dermatologist's review -------------------------------------------------------------------------------------


@pytest.mark.long
@pytest.mark.real_two_factor
def test_a_dermatologist_reviews_the_flag_from_the_queue_with_the_timeline_and_a_photo_and_the_patient_sees_the_note(
    open_page, live_server, reference, journey_report
):
    dermatologist = StaffFactory(username="dr-grey")
    dermatologist.groups.add(ensure_dermatologists_group())
    patient = PatientFactory(user__username="erin", dermatologist=dermatologist, time_zone="Europe/London")
    face = BodyArea.objects.get(code="face_neck")
    course = start_course(patient, "tacrolimus-ointment", "face_neck")
    today = patient.today()
    for days_ago, severity in zip(range(6, -1, -1), [1, 1, 2, 2, 2, 3, 3], strict=True):
        day = today - datetime.timedelta(days=days_ago)
        services.application_create(patient=patient, treatment=course, date=day)
        services.reaction_create(
            patient=patient, date=day, symptom=Symptom.objects.get(code="burning"), severity=severity, body_area=face
        )
    photo = services.photo_create(
        patient=patient, date=today, upload=io.BytesIO(jpeg_bytes((220, 90, 80), size=(640, 480))), body_area=face
    )
    flag = Flag.objects.get(patient=patient)

    admin = open_page(DESKTOP).page
    admin.goto("/admin/")
    admin.get_by_label("Username").fill("dr-grey")
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Log in").click()
    expect(admin.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    admin.get_by_label("Code").fill(current_code(admin.locator(".qr-code code").inner_text().replace(" ", "")))
    admin.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(admin.locator(".recovery-codes li")).to_have_count(10)
    admin.get_by_role("link", name="I have saved my codes").click()

    # The queue leads to the patient's flag.
    admin.get_by_role("link", name="Open the review queue").click()
    queue = admin.locator("#result_list tbody tr")
    expect(queue).to_have_count(1)
    expect(queue.first).to_contain_text("erin")
    take_screenshot(admin, "09-dermatologist-queue")
    queue.first.get_by_role("link", name=flag.rule_text).click()
    expect(admin.locator("table.evidence")).to_contain_text("Burning")

    # The timeline of the diary and the photo on it.
    admin.get_by_role("link", name="Patients").first.click()
    admin.get_by_role("link", name="Timeline").click()
    expect(admin.get_by_role("heading", name="Diary of erin")).to_be_visible()
    take_screenshot(admin, "10-dermatologist-timeline")
    admin.get_by_role("img", name=re.compile("^Face and neck on ")).click()
    expect(admin).to_have_url(re.compile(rf"/admin/diary/photo/{photo.pk}/change/$"))
    full = admin.get_by_role("img", name=re.compile("Face and neck"))
    expect(full.first).to_be_visible()
    assert full.first.evaluate(LOADED_WIDTH) > 0

    # Back to the flag: resolved with a note.
    admin.goto(f"/admin/diary/flag/{flag.pk}/change/")
    admin.get_by_label("Note for the patient").fill("Seen in clinic: thinner layer, once a day for a week.")
    admin.get_by_role("button", name="Resolve").click()
    expect(admin.locator(".messagelist")).to_contain_text("Flag resolved.")
    flag.refresh_from_db()
    assert (flag.status, flag.reviewer, flag.review_note) == (
        Flag.Status.RESOLVED,
        dermatologist,
        "Seen in clinic: thinner layer, once a day for a week.",
    )

    # The patient, on their phone, reads the resolution and the note.
    phone = open_page(PHONE).page
    checks = PageChecks("review", open_page, PHONE, screenshots=True)
    sign_in(phone, live_server, patient.user)
    phone.goto("/diary/alerts/")
    expect(phone.get_by_text("No open alerts.")).to_be_visible()
    past = phone.get_by_role("region", name="Past")
    expect(past).to_contain_text("Resolved")
    expect(past).to_contain_text("Your dermatologist (dr-grey): Seen in clinic: thinner layer, once a day for a week.")
    checks.page(phone, "my alerts, resolved", screenshot="11-my-alerts-resolved")
    follow(phone, past.get_by_role("link", name=flag.rule_text))
    expect(phone.get_by_role("heading", name=re.compile("^Resolved by your dermatologist"))).to_be_visible()
    checks.page(phone, "resolved alert")
    phone.goto(f"/diary/photos/{photo.pk}/")
    checks.page(phone, "photo")
    check_everything(checks, phone, journey_report)
