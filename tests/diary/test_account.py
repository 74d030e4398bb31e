"""A patient's rights over their data: download everything, delete the account."""

import datetime
import io
import json
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from diary import flag_services, services
from diary.models import Entry, Flag, Patient, Photo
from diary.storage import photo_storage
from drugs.models import Symptom
from tests.factories import PASSWORD, EntryFactory, PhotoFactory, ReactionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def diary(reference, patient, dermatologist):
    """A day with a note, a reaction that raised a reviewed flag, and a photo."""
    day = patient.today() - datetime.timedelta(days=1)
    services.entry_update(patient=patient, date=day, itch=6, notes="=HYPERLINK(evil) itchy after the gym")
    services.reaction_create(patient=patient, date=day, symptom=Symptom.objects.get(code="hives"), severity=2)
    flag = Flag.objects.get(patient=patient)
    flag_services.flag_resolve(flag=flag, reviewer=dermatologist, note="Seen: fine.")
    photo = PhotoFactory(entry=Entry.objects.get(patient=patient, date=day), caption="left cheek")
    return photo


def download(client) -> zipfile.ZipFile:
    response = client.get(reverse("diary:account-export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="skin-diary-')
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_a_patient_downloads_everything_they_logged(client, patient, diary):
    client.force_login(patient.user)

    archive = download(client)

    data = json.loads(archive.read("diary.json"))
    day = data["days"][0]
    assert day["notes"] == "=HYPERLINK(evil) itchy after the gym"
    assert day["reactions"][0]["symptom"] == "Hives (welts)"
    assert data["alerts"][0]["review_note"] == "Seen: fine."
    photo_name = day["photos"][0]["file"]
    with photo_storage().open(diary.image) as stored:
        assert archive.read(photo_name) == stored.read()
    csv_text = archive.read("diary.csv").decode()
    assert "Hives (welts)" in csv_text
    assert "'=HYPERLINK(evil)" in csv_text  # a formula is neutralised for spreadsheets


def test_the_download_holds_nothing_of_another_patient(client, patient, other_patient, diary):
    ReactionFactory(entry=EntryFactory(patient=other_patient), symptom=Symptom.objects.get(code="burning"))
    client.force_login(other_patient.user)

    data = json.loads(download(client).read("diary.json"))

    assert data["patient"]["username"] == "bob"
    assert "itchy after the gym" not in json.dumps(data)
    assert data["alerts"] == []


def test_an_anonymous_visitor_cannot_download_a_diary(client, diary):
    response = client.get(reverse("diary:account-export"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_deleting_the_account_needs_the_password_and_the_confirmation(client, patient, diary):
    client.force_login(patient.user)

    wrong = client.post(reverse("diary:account-delete"), {"password": "not-it", "confirm": "on"})
    unconfirmed = client.post(reverse("diary:account-delete"), {"password": PASSWORD})

    assert "That is not your password." in wrong.content.decode()
    assert "This field is required." in unconfirmed.content.decode()
    assert Patient.objects.filter(pk=patient.pk).exists()


def test_the_delete_page_says_reviewed_alerts_go_too(client, patient, diary):
    client.force_login(patient.user)

    page = client.get(reverse("diary:account-delete")).content.decode()

    assert "including the 1 your dermatologist already reviewed" in page


def test_deleting_the_account_removes_the_diary_photos_and_flags_and_signs_out(
    client, patient, other_patient, diary, django_capture_on_commit_callbacks
):
    EntryFactory(patient=other_patient)
    client.force_login(patient.user)
    files = [diary.image, diary.thumbnail]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("diary:account-delete"), {"password": PASSWORD, "confirm": "on"}, follow=True)

    assert "Your account and your diary have been deleted." in response.content.decode()
    assert not response.context["user"].is_authenticated
    assert not get_user_model().objects.filter(username="alice").exists()
    assert not Entry.objects.filter(patient_id=patient.pk).exists()
    assert not Flag.objects.filter(patient_id=patient.pk).exists()
    assert not Photo.objects.exists()
    assert not any(photo_storage().exists(name) for name in files)
    assert Entry.objects.filter(patient=other_patient).exists()
