"""A patient's progress on a phone: POEM from Today, the Progress page, the visit summary; the dermatologist
downloads the summary's PDF from the timeline. Every page passes axe-core and reflows at 320 px (PageChecks);
with SCREENSHOTS=1 the PDF's first page is also rendered to screenshots/ with pdftoppm."""

import datetime
import io
import subprocess

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from diary import services
from diary.models import PoemScore
from diary.permissions import ensure_dermatologists_group
from drugs.models import BodyArea, Symptom
from tests.browser.journeys import SCREENSHOTS, TAKE_SCREENSHOTS, PageChecks, follow, take_screenshot
from tests.browser.test_journeys import DESKTOP, check_everything, journey_report, open_page, start_course  # noqa: F401 - the journeys' fixtures, shared
from tests.conftest import PHONE, sign_in
from tests.factories import PatientFactory, StaffFactory, jpeg_bytes

pytestmark = pytest.mark.browser


def four_weeks_of_diary(patient):
    face = BodyArea.objects.get(code="face_neck")
    course = start_course(patient, "tacrolimus-ointment", "face_neck", started_days_ago=30)
    dryness = Symptom.objects.get(code="dryness_flaking")
    today = patient.today()
    for n in range(27, 0, -1):
        day = today - datetime.timedelta(days=n)
        services.application_create(patient=patient, treatment=course, date=day)
        services.entry_update(patient=patient, date=day, itch=max(1, 8 - n // 4), sleep_loss=n % 4, notes="")
        if n % 3 == 0:
            services.reaction_create(patient=patient, date=day, symptom=dryness, severity=1 + n % 2, body_area=face)
        if n % 7 == 0:
            services.poem_score_update(patient=patient, date=day, answers=[1 + (n // 7) % 3] * 7)
    for n, colour in ((27, (220, 90, 80)), (1, (225, 170, 150))):
        upload = io.BytesIO(jpeg_bytes(colour, size=(640, 480)))
        services.photo_create(patient=patient, date=today - datetime.timedelta(days=n), upload=upload, body_area=face)


@pytest.mark.long
def test_a_patient_answers_poem_sees_progress_and_the_summary_and_the_dermatologist_downloads_the_pdf(
    open_page,  # noqa: F811
    live_server,
    reference,
    journey_report,  # noqa: F811
):
    dermatologist = StaffFactory(username="dr-grey")
    dermatologist.groups.add(ensure_dermatologists_group())
    patient = PatientFactory(user__username="fran", dermatologist=dermatologist, time_zone="Europe/London")
    four_weeks_of_diary(patient)

    phone = open_page(PHONE).page
    checks = PageChecks("progress", open_page, PHONE, screenshots=True)
    sign_in(phone, live_server, patient.user)

    # Today asks for this week's POEM; the patient answers six questions and leaves one blank.
    phone.goto("/")
    follow(phone, phone.get_by_role("link", name="Answer POEM"))
    checks.page(phone, "POEM", screenshot="12-poem")
    for number, answer in enumerate(["5-6 days", "3-4 days", "No days", "1-2 days", "3-4 days", "Every day"], 1):
        question = phone.get_by_role("group", name=f"{number}. Over the last week")
        question.get_by_text(answer, exact=True).click()
    phone.get_by_role("button", name="Save my answers").click()
    expect(phone.get_by_role("status").first).to_contain_text("your POEM score is saved")
    assert PoemScore.objects.get(patient=patient, date=patient.today()).total == 3 + 2 + 0 + 1 + 2 + 4

    # Progress: the new score, its band, the charts with their tables.
    expect(phone.get_by_text("12 (moderate)", exact=True)).to_be_visible()
    expect(phone.locator("svg.trend-chart")).to_have_count(5)  # itch, POEM, symptoms, adherence, grams
    checks.page(phone, "progress", screenshot="13-progress")
    follow(phone, phone.get_by_role("link", name="1 year"))
    checks.page(phone, "progress, a year")

    # The visit summary, with the first and last photo of the face.
    follow(phone, phone.get_by_role("link", name="Visit summary for your appointment"))
    expect(phone.get_by_role("heading", name="Visit summary")).to_be_visible()
    expect(phone.locator(".summary-photos img")).to_have_count(2)
    checks.page(phone, "visit summary", screenshot="14-visit-summary")
    check_everything(checks, phone, journey_report)

    # The dermatologist downloads the same summary as a PDF from the timeline.
    admin = open_page(DESKTOP).page
    sign_in(admin, live_server, dermatologist)
    admin.goto(f"/admin/diary/patient/{patient.pk}/timeline/")
    expect(admin.get_by_role("heading", name="Diary of fran")).to_be_visible()
    with admin.expect_download(timeout=60_000) as download:  # the PDF is made on a shared, busy test machine
        admin.get_by_role("link", name="Visit summary (PDF)").click()
    path = download.value.path()
    reader = PdfReader(path)
    assert 1 <= len(reader.pages) <= 4
    assert "Visit summary" in reader.pages[0].extract_text()
    take_screenshot(admin, "15-dermatologist-timeline-with-summary")
    if TAKE_SCREENSHOTS:
        SCREENSHOTS.mkdir(exist_ok=True)
        target = SCREENSHOTS / "16-visit-summary-pdf-page-1"
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", path, target], check=True)
        assert target.with_suffix(".png").stat().st_size > 0
