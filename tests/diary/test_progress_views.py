"""The Progress page, the weekly POEM and the visit summary (HTML and PDF), as the patient uses them."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diary import services, summary
from diary.models import Entry, Patient, PoemScore
from tests.factories import BodyAreaFactory, EntryFactory, PhotoFactory, TreatmentFactory, jpeg_bytes

pytestmark = pytest.mark.django_db

PAGES = ["diary:progress", "diary:poem", "diary:summary", "diary:summary-pdf"]


def days_ago(patient, n: int) -> datetime.date:
    return patient.today() - datetime.timedelta(days=n)


@pytest.mark.parametrize("name", PAGES)
def test_an_anonymous_visitor_is_sent_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", PAGES)
def test_a_user_without_a_diary_gets_a_404(client, dermatologist, name):
    client.force_login(dermatologist)
    assert client.get(reverse(name)).status_code == 404


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
