"""The Progress page, the weekly POEM and the visit summary (HTML and PDF), as the patient uses them."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from diary import services, summary
from diary.models import Entry, Flag, Patient, PoemScore
from tests.factories import BodyAreaFactory, EntryFactory, PhotoFactory, SymptomFactory, TreatmentFactory, jpeg_bytes

pytestmark = pytest.mark.django_db

PAGES = ["diary:progress", "diary:poem", "diary:summary", "diary:summary-pdf"]


def days_ago(patient, n: int) -> datetime.date:
    return patient.today() - datetime.timedelta(days=n)


def pdf_text(response) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(response.content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def diary(patient):
    """Six weeks of diary: a tacrolimus course, peak itch and a symptom every day, POEM weekly, photos, a flag."""
    face = BodyAreaFactory(code="face", name="Face")
    burning = SymptomFactory(code="burning", name="Burning")
    course = TreatmentFactory(patient=patient, body_areas=[face], started_on=days_ago(patient, 60))
    for n in range(42):
        entry = services.entry_update(
            patient=patient, date=days_ago(patient, n), itch=n % 8, sleep_loss=n % 5, notes=f"note of day {n}"
        )
        services.application_create(patient=patient, treatment=course, date=entry.date)
        services.reaction_create(patient=patient, date=entry.date, symptom=burning, severity=1 + n % 3, body_area=face)
    for week in range(6):
        services.poem_score_update(patient=patient, date=days_ago(patient, 7 * week), answers=[week % 5] * 7)
    for n in (27, 14, 0):
        PhotoFactory(entry=Entry.objects.get(patient=patient, date=days_ago(patient, n)), body_area=face)
    return patient


@pytest.mark.parametrize("name", PAGES)
def test_an_anonymous_visitor_is_sent_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", PAGES)
def test_a_user_without_a_diary_gets_a_404(client, dermatologist, name):
    client.force_login(dermatologist)
    assert client.get(reverse(name)).status_code == 404


@pytest.mark.parametrize("period", ["2w", "3m", "1y"])
def test_progress_shows_each_chart_with_a_summary_and_a_table(client, diary, period):
    client.force_login(diary.user)
    response = client.get(reverse("diary:progress"), {"period": period})
    html = response.content.decode()
    assert response.status_code == 200
    for heading in ("Peak itch and sleep loss", "Eczema score (POEM)", "Symptoms", "Applications done as planned"):
        assert f">{heading}</h2>" in html
        assert f"<summary>{heading} as a table</summary>" in html
    assert html.count('<svg class="trend-chart"') >= 4
    assert "Latest POEM 0 (clear or almost clear)" in html
    assert "POEM © University of Nottingham" in html


def test_progress_shows_only_the_owners_diary(client, diary, other_patient):
    client.force_login(other_patient.user)
    html = client.get(reverse("diary:progress")).content.decode()
    assert "Latest POEM" not in html.split("No POEM")[0] or "none yet" in html
    assert "none yet" in html


def test_an_unknown_period_says_so_and_shows_three_months(client, diary):
    client.force_login(diary.user)
    response = client.get(reverse("diary:progress"), {"period": "10y"}, follow=True)
    assert response.status_code == 200
    assert "That period is not one of the choices" in response.content.decode()


def test_answering_poem_saves_the_score_and_shows_it_on_progress(client, patient):
    client.force_login(patient.user)
    answers = {"q1": "4", "q2": "3", "q3": "0", "q4": "1", "q5": "2", "q6": "2"}  # q7 left blank
    response = client.post(reverse("diary:poem"), answers, follow=True)
    poem = PoemScore.objects.get(patient=patient)
    assert (poem.date, poem.total) == (patient.today(), 12)
    assert "Latest POEM 12 (moderate)" in response.content.decode()


def test_a_bad_poem_answer_gets_a_clear_message_and_keeps_the_other_answers(client, patient):
    client.force_login(patient.user)
    response = client.post(reverse("diary:poem"), {"q1": "4", "q2": "9"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose one of the answers, or leave the question blank." in html
    assert 'value="4" class="btn-check" required id="id_q1_4" checked' in html or 'id="id_q1_4" checked' in html
    assert not PoemScore.objects.exists()


def test_today_offers_poem_to_a_patient_with_an_eczema_course_until_it_is_answered(client, patient):
    TreatmentFactory(patient=patient, drug__slug="tacrolimus-ointment", started_on=days_ago(patient, 3))
    client.force_login(patient.user)
    assert "Answer POEM" in client.get(reverse("diary:progress")).content.decode()
    services.poem_score_update(patient=patient, date=patient.today(), answers=[1] * 7)
    assert "This week's eczema questions" not in client.get(reverse("diary:progress")).content.decode()


def test_a_patient_can_turn_poem_off(client, patient):
    TreatmentFactory(patient=patient, drug__slug="tacrolimus-ointment", started_on=days_ago(patient, 3))
    client.force_login(patient.user)
    client.post(reverse("diary:score-prefs"), {"poem": "off"})
    assert Patient.objects.get(pk=patient.pk).poem == "off"
    assert "This week's eczema questions" not in client.get(reverse("diary:progress")).content.decode()


def test_the_peak_itch_score_states_its_recall_period_and_refuses_eleven_keeping_the_notes(client, patient):
    client.force_login(patient.user)
    day = patient.today()
    response = client.post(reverse("diary:entry-save", args=[day]), {"itch": "11", "sleep_loss": "4", "notes": "kept"})
    html = response.content.decode()
    assert "worst in the past 24 hours" in html or "at its worst in the past 24 hours" in html
    assert "Choose a number from 0 to 10, or leave it not scored." in html
    assert "kept</textarea>" in html
    assert not Entry.objects.filter(patient=patient, itch__isnull=False).exists()


def test_peak_itch_and_sleep_loss_are_saved(client, patient):
    client.force_login(patient.user)
    client.post(reverse("diary:entry-save", args=[patient.today()]), {"itch": "7", "sleep_loss": "3", "notes": ""})
    entry = Entry.objects.get(patient=patient)
    assert (entry.itch, entry.sleep_loss) == (7, 3)


# --- The visit summary -------------------------------------------------------------------------


def test_the_summary_covers_the_last_four_weeks_by_default(client, diary):
    client.force_login(diary.user)
    html = client.get(reverse("diary:summary")).content.decode()
    start = days_ago(diary, 27)
    assert f"{start.day} {start:%b %Y} to" in html
    assert "Courses and adherence" in html and "Flags and their outcomes" in html
    assert "note of day" not in html  # notes stay out until the patient includes them


def test_the_summary_starts_at_the_last_reviewed_flag_when_that_is_earlier(client, diary, dermatologist):
    Flag.objects.create(
        patient=diary,
        urgency=1,
        first_seen=days_ago(diary, 40),
        last_seen=days_ago(diary, 40),
        rule_text="r",
        advice="a",
        status=Flag.Status.RESOLVED,
        reviewer=dermatologist,
        review_note="ok",
        reviewed_at=datetime.datetime.combine(days_ago(diary, 35), datetime.time(12), tzinfo=datetime.UTC),
    )
    client.force_login(diary.user)
    start = days_ago(diary, 35)
    assert f"{start.day} {start:%b %Y} to" in client.get(reverse("diary:summary")).content.decode()


def test_notes_appear_in_the_summary_only_once_the_patient_includes_them(client, diary):
    client.force_login(diary.user)
    client.post(reverse("diary:score-prefs"), {"poem": "auto", "summary_notes": "on", "next": "summary"})
    assert "note of day 3" in client.get(reverse("diary:summary")).content.decode()


def test_bad_summary_dates_get_a_clear_message_and_the_default_period(client, diary):
    client.force_login(diary.user)
    future = diary.today() + datetime.timedelta(days=3)
    response = client.get(reverse("diary:summary"), {"start": "2026-02-30", "end": future.isoformat()})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Those dates could not be used" in html
    assert 'value="2026-02-30"' in html or "2026-02-30" in html


def test_the_summary_pdf_parses_covers_the_period_and_fits_four_weeks_on_four_pages(client, diary):
    client.force_login(diary.user)
    start, end = days_ago(diary, 27), diary.today()
    response = client.get(reverse("diary:summary-pdf"), {"start": start, "end": end, "paper": "letter"})
    assert response["Content-Type"] == "application/pdf"
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    pages, text = pdf_text(response)
    assert pages <= 4
    assert f"{start.day} {start:%b %Y} to {end.day} {end:%b %Y}" in text
    assert "POEM © University of Nottingham" in text


def test_the_pdf_embeds_the_patients_photos_and_nothing_remote(diary):
    from diary import summary, summary_pdf

    data = summary.visit_summary(patient=diary, start=days_ago(diary, 27), end=diary.today())
    fetcher = summary_pdf.SummaryFetcher(data.photo_list)
    with pytest.raises(ValueError, match="no remote resource"):
        fetcher.fetch("https://example.com/tracker.png")
    with pytest.raises(ValueError, match="may embed"):
        fetcher.fetch(summary_pdf.PDF_BASE_URL + "photos/999999/thumb/")
    photo = data.photo_list[0]
    body = fetcher.fetch(summary_pdf.PDF_BASE_URL + reverse("diary:photo-file", args=[photo.pk, "thumb"])[1:]).read()
    assert body[:2] == b"\xff\xd8"  # a JPEG
    reader = PdfReader(io.BytesIO(summary_pdf.summary_pdf(data)))
    # WeasyPrint shares one resource dictionary between pages: count distinct images.
    images = {image.name for page in reader.pages for image in page.images}
    assert len(images) == 2  # the face at the start and at the end of the period


def _queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["diary:progress", "diary:summary"])
def test_progress_and_summary_cost_the_same_queries_for_a_short_and_a_long_diary(client, patient, name):
    face = BodyAreaFactory(code="face", name="Face")
    course = TreatmentFactory(patient=patient, body_areas=[face], started_on=days_ago(patient, 400))
    client.force_login(patient.user)
    params = {"period": "1y"} if name == "diary:progress" else {"start": days_ago(patient, 300), "end": patient.today()}

    def grow(days: range):
        for n in days:
            entry = EntryFactory(patient=patient, date=days_ago(patient, n), itch=5)
            services.application_create(patient=patient, treatment=course, date=entry.date)
            PoemScore.objects.create(patient=patient, date=entry.date, total=n % 28, q1=1)
            PhotoFactory(entry=entry, body_area=face)

    grow(range(0, 3))
    short = _queries(client, reverse(name), **params)
    grow(range(3, 60))
    assert _queries(client, reverse(name), **params) == short


def test_making_a_pdf_does_not_let_truncated_photo_uploads_through(patient):
    from django.core.exceptions import ValidationError

    from diary import imaging, summary_pdf  # importing WeasyPrint changes a Pillow setting for the whole process

    summary_pdf.summary_pdf(summary.visit_summary(patient=patient, start=patient.today(), end=patient.today()))
    whole = jpeg_bytes((200, 120, 100), size=(640, 480))
    with pytest.raises(ValidationError):
        imaging.process_upload(io.BytesIO(whole[: len(whole) // 2]))
