"""The visit summary from the dermatologist's side: reached from the timeline, scoped, audited, HTML and PDF."""

import datetime
import io

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from pypdf import PdfReader

from diary import services
from diary.models import Patient
from diary.permissions import ensure_dermatologists_group
from tests.factories import BodyAreaFactory, TreatmentFactory, assign

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(patient, dermatologist):
    dermatologist.groups.add(ensure_dermatologists_group())
    assign(patient, dermatologist)
    course = TreatmentFactory(patient=patient, body_areas=[BodyAreaFactory()], started_on=patient.today())
    services.application_create(patient=patient, treatment=course)
    services.entry_update(patient=patient, date=patient.today(), itch=6, sleep_loss=2, notes="private thought")
    services.poem_score_update(patient=patient, date=patient.today(), answers=[2] * 7)
    return patient


def views_of(patient) -> list[str]:
    entries = LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS,
        content_type=ContentType.objects.get_for_model(Patient),
        object_pk=str(patient.pk),
    ).order_by("pk")
    return [entry.additional_data["viewed"] for entry in entries]


def test_the_timeline_links_to_the_summary_and_its_pdf(client, assigned, dermatologist):
    client.force_login(dermatologist)
    html = client.get(reverse("admin:diary_patient_timeline", args=[assigned.pk])).content.decode()
    assert reverse("admin:diary_patient_summary", args=[assigned.pk]) in html
    assert reverse("admin:diary_patient_summary_pdf", args=[assigned.pk]) in html


def test_the_dermatologist_reads_the_summary_without_the_notes_the_patient_kept_out(client, assigned, dermatologist):
    client.force_login(dermatologist)
    html = client.get(reverse("admin:diary_patient_summary", args=[assigned.pk])).content.decode()
    assert "Visit summary" in html and "POEM" in html and "14" in html
    assert "private thought" not in html
    assert views_of(assigned)[-1].startswith("visit summary ")


def test_the_dermatologist_downloads_the_pdf_and_the_download_is_recorded(client, assigned, dermatologist):
    client.force_login(dermatologist)
    today = assigned.today()
    start = today - datetime.timedelta(days=27)
    response = client.get(reverse("admin:diary_patient_summary_pdf", args=[assigned.pk]), {"paper": "a4"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="visit-summary-{start}-to-{today}.pdf"'
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Visit summary" in text
    assert views_of(assigned)[-1] == f"visit summary PDF {start} to {today}"


@pytest.mark.parametrize("name", ["admin:diary_patient_summary", "admin:diary_patient_summary_pdf"])
def test_another_dermatologists_patient_is_404_and_nothing_is_recorded(client, assigned, other_dermatologist, name):
    other_dermatologist.groups.add(ensure_dermatologists_group())
    client.force_login(other_dermatologist)
    assert client.get(reverse(name, args=[assigned.pk])).status_code == 404
    assert views_of(assigned) == []


@pytest.mark.parametrize("name", ["admin:diary_patient_summary", "admin:diary_patient_summary_pdf"])
def test_a_patient_cannot_open_the_admin_summary(client, assigned, name):
    client.force_login(assigned.user)
    response = client.get(reverse(name, args=[assigned.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]
