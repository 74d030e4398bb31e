"""A patient's account from start to end: sign up, log in and out, change and reset a password,
download everything they logged, delete the account."""

import datetime
import io
import json
import re
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from clinics.services import share_link_create
from diary import flag_services, services
from diary.models import Entry, Flag, Patient, Photo, PoemScore
from diary.storage import photo_storage
from drugs.models import Drug, Symptom
from reminders import services as reminders
from reminders.models import ReminderSchedule
from tests.factories import PASSWORD, EntryFactory, PhotoFactory, ReactionFactory, TreatmentFactory, assign

pytestmark = pytest.mark.django_db

GOOD_SIGNUP = {
    "username": "carol",
    "email": "carol@example.org",
    "time_zone": "Pacific/Auckland",
    "password1": "a-long-and-unusual-passphrase",
    "password2": "a-long-and-unusual-passphrase",
}


def test_the_landing_page_tells_a_visitor_what_the_app_is_for(client):
    response = client.get("/")

    assert response.status_code == 200
    text = response.content.decode()
    assert "A daily diary for your skin treatment" in text
    assert "tacrolimus" in text
    assert "not medical advice" in text
    assert reverse("signup") in text


def test_signing_up_creates_a_patient_in_their_time_zone_and_signs_them_in_from_the_e_mailed_link(client):
    sent = client.post(reverse("signup"), GOOD_SIGNUP, follow=True)
    assert "Check your e-mail" in sent.content.decode()
    link = re.search(r"http://testserver(/accounts/signup/confirm/\S+)", mail.outbox[0].body).group(1)

    response = client.get(link, follow=True)

    user = get_user_model().objects.get(username="carol")
    assert user.patient.time_zone == "Pacific/Auckland"
    assert user.email == "carol@example.org"
    assert response.context["user"] == user
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Today" in response.content.decode()


def test_a_taken_username_is_refused_and_the_rest_of_the_form_is_kept(client, patient):
    response = client.post(reverse("signup"), {**GOOD_SIGNUP, "username": "alice"})

    assert response.status_code == 200
    text = response.content.decode()
    assert "A user with that username already exists." in text
    assert 'value="carol@example.org"' in text
    assert '<option value="Pacific/Auckland" selected>' in text
    assert "a-long-and-unusual-passphrase" not in text
    assert Patient.objects.count() == 1


def test_a_weak_password_is_refused_with_a_reason(client):
    response = client.post(reverse("signup"), {**GOOD_SIGNUP, "password1": "12345678", "password2": "12345678"})

    text = response.content.decode()
    assert "This password is too short" in text
    assert "This password is entirely numeric" in text
    assert 'value="carol"' in text
    assert not get_user_model().objects.filter(username="carol").exists()


def test_an_email_address_already_in_use_gets_an_e_mail_and_no_second_account(client, patient):
    response = client.post(reverse("signup"), {**GOOD_SIGNUP, "email": "ALICE@example.org"}, follow=True)

    assert "Check your e-mail" in response.content.decode()
    assert "you already have one" in mail.outbox[0].body
    assert not get_user_model().objects.filter(username="carol").exists()


def test_an_unknown_time_zone_is_refused(client):
    response = client.post(reverse("signup"), {**GOOD_SIGNUP, "time_zone": "Mars/Olympus_Mons"})

    assert "Choose your time zone from the list" in response.content.decode()
    assert not get_user_model().objects.filter(username="carol").exists()


def test_a_signed_in_patient_is_sent_home_from_the_signup_page(client, patient):
    client.force_login(patient.user)

    response = client.get(reverse("signup"))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_a_patient_logs_in_and_out(client, patient):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD}, follow=True)
    assert response.context["user"] == patient.user
    assert "Log out" in response.content.decode()

    response = client.post(reverse("logout"), follow=True)
    assert not response.context["user"].is_authenticated
    assert "A daily diary for your skin treatment" in response.content.decode()


def test_a_wrong_password_gets_a_clear_message(client, patient):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_a_patient_changes_their_password(client, patient):
    client.force_login(patient.user)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-passphrase",
            "new_password2": "another-long-passphrase",
        },
    )

    assert response.status_code == 302
    patient.user.refresh_from_db()
    assert patient.user.check_password("another-long-passphrase")


def test_password_reset_sends_a_working_link_by_email(client, patient):
    client.post(reverse("password_reset"), {"email": "alice@example.org"})

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    link = re.search(r"http://testserver(/accounts/reset/\S+)", message.body).group(1)
    response = client.get(link, follow=True)
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"},
        follow=True,
    )
    assert "Your new password is set" in response.content.decode()
    patient.user.refresh_from_db()
    assert patient.user.check_password("a-brand-new-passphrase")


def test_password_reset_for_an_unknown_address_reveals_nothing(client, patient):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)

    assert mail.outbox == []
    assert "If an account uses that address" in response.content.decode()


def test_a_staff_account_without_a_diary_is_pointed_to_admin(client, dermatologist):
    client.force_login(dermatologist)

    response = client.get("/")

    assert "This account has no diary" in response.content.decode()
    assert reverse("admin:index") in response.content.decode()


def test_patient_pages_are_never_cached(client, patient):
    client.force_login(patient.user)

    response = client.get("/")

    assert "no-store" in response["Cache-Control"]


# --- The patient's data: download all of it, delete the account ------------------------------


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


def test_the_download_holds_questionnaires_clinics_share_links_and_reminders(
    client, patient, other_patient, dermatologist, diary
):
    """Everything the diary keeps about the patient, beyond the days: the weekly POEM, who it was shared with
    under which consent, share links, and reminder settings and devices (without the push secrets)."""
    today = patient.today()
    PoemScore.objects.create(patient=patient, date=today, q1=1, q2=2, q3=0, q4=0, q5=1, q6=0, q7=3, total=7)
    link = assign(patient, dermatologist, photos=False)
    share_link_create(patient_user=patient.user, start=today, end=today, days=3, include_photos=False, label="GP")
    course = TreatmentFactory(patient=patient, drug=Drug.objects.get(slug="tacrolimus-ointment"))
    reminders.reminder_settings_update(
        patient=patient,
        channel="email",
        quiet_start=None,
        quiet_end=None,
        check_in=True,
        check_in_time=datetime.time(20, 0),
    )
    schedule = ReminderSchedule.objects.get(treatment=course)
    reminders.reminder_schedule_update(patient=patient, schedule=schedule, times=[datetime.time(8, 0)], weekdays=[0, 3])
    reminders.push_subscription_save(
        patient=patient,
        endpoint="https://push.example/secret-endpoint",
        p256dh="key",
        auth="auth-secret",
        user_agent="Firefox on Android",
    )
    PoemScore.objects.create(patient=other_patient, date=today, q1=4, total=None)
    client.force_login(patient.user)

    data = json.loads(download(client).read("diary.json"))

    assert data["questionnaires"] == [{"date": today.isoformat(), "answers": [1, 2, 0, 0, 1, 0, 3], "total": 7}]
    assert [(c["clinic"], c["shares_photos"], c["withdrawn_at"]) for c in data["clinics"]] == [
        (link.clinic.name, False, None)
    ]
    assert data["clinics"][0]["consent_version"] == link.consent_version
    assert [(s["label"], s["period"]) for s in data["share_links"]] == [("GP", [today.isoformat()] * 2)]
    assert data["reminders"]["settings"]["channel"] == "E-mail"
    assert data["reminders"]["settings"]["daily_check_in"] == "20:00"
    assert data["reminders"]["courses"] == [
        {"medicine": str(course.drug), "times": ["08:00"], "days": "Monday, Thursday", "paused": False}
    ]
    assert data["reminders"]["devices"][0]["browser"] == "Firefox on Android"
    text = json.dumps(data)
    assert "secret-endpoint" not in text and "auth-secret" not in text


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

    assert "including the 1 a clinic already reviewed" in page


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
