"""Progress and the visit summary (HTML and PDF) over six weeks of one patient's diary.

The diary is made once per module on each worker (about 5 s on SQLite, 8 s on PostgreSQL through the services,
which re-evaluate the flags on every write) inside a transaction that is rolled back after the last test here.
Each test runs in a savepoint inside it, as any pytest-django test does, so what a test writes is undone before
the next one and every test still sees exactly the six weeks.
"""

import datetime
import io

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from pypdf import PdfReader

from diary import services
from diary.models import Entry, Flag, Patient
from tests.diary.test_progress_views import days_ago
from tests.factories import BodyAreaFactory, PatientFactory, PhotoFactory, SymptomFactory, TreatmentFactory

pytestmark = pytest.mark.django_db


def pdf_text(response) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(response.content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def six_weeks_of_diary() -> Patient:
    """Six weeks of diary: a tacrolimus course, peak itch and a symptom every day, POEM weekly, photos, a flag."""
    patient = PatientFactory(user__username="alice", time_zone="Europe/London")
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


@pytest.fixture(scope="module")
def _six_weeks(django_db_setup, django_db_blocker, tmp_path_factory):
    """The six weeks' patient (its primary key) and the folder of its photos, for every test of this module."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(MEDIA_ROOT=media):
                pk = six_weeks_of_diary().pk
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield pk, media
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _private_media_root(settings, _six_weeks):
    """The photos of the six weeks, in the module's throwaway folder (never the developer's media folder)."""
    settings.MEDIA_ROOT = _six_weeks[1]


@pytest.fixture
def diary(_six_weeks, db) -> Patient:
    """The six weeks' patient, read afresh for each test."""
    return Patient.objects.get(pk=_six_weeks[0])


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
