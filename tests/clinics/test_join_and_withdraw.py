"""Joining a clinic with its code, the clinic's answer, and withdrawing consent (which takes effect everywhere)."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from clinics import services
from clinics.models import CareLink, JoinRequest
from diary.models import Flag, Patient
from tests.clinics.conftest import raise_today_flag
from tests.factories import PhotoFactory, ReactionFactory, TreatmentFactory, assign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def ask_to_join(client, patient, code, photos=False):
    client.force_login(patient.user)
    first = client.post(reverse("clinics:join"), {"code": code})
    assert "What Northside Skin Clinic will see" in first.text
    data = {"code": code, "step": "consent", "agree": "on"}
    if photos:
        data["photos"] = "on"
    return client.post(reverse("clinics:join"), data)


def test_a_patient_asks_to_join_with_the_code_and_sees_the_request_waiting(client, patient, clinic):
    response = ask_to_join(client, patient, clinic.code.lower(), photos=True)

    assert response.status_code == 302
    request = JoinRequest.objects.get()
    assert (request.clinic, request.patient, request.status, request.shares_photos) == (
        clinic,
        patient.user,
        JoinRequest.Status.PENDING,
        True,
    )
    assert "waiting for the clinic" in client.get(reverse("clinics:join")).text
    assert not CareLink.objects.exists()


def test_a_wrong_code_says_so_and_keeps_what_was_typed(client, patient, clinic):
    client.force_login(patient.user)

    response = client.post(reverse("clinics:join"), {"code": "NOPE42"})

    assert response.status_code == 200
    assert "No clinic has this code" in response.text
    assert 'value="NOPE42"' in response.text


def test_guessing_codes_is_rate_limited(client, patient, clinic, ratelimit_clock):
    client.force_login(patient.user)
    for _ in range(20):
        client.post(reverse("clinics:join"), {"code": "NOPE42"})

    response = client.post(reverse("clinics:join"), {"code": clinic.code})

    assert response.status_code == 429
    assert "Too many codes tried" in response.text


def test_joining_without_agreeing_creates_nothing(client, patient, clinic):
    client.force_login(patient.user)

    response = client.post(reverse("clinics:join"), {"code": clinic.code, "step": "consent"})

    assert "Tick the box to agree" in response.text
    assert not JoinRequest.objects.exists()


def test_the_clinic_accepts_choosing_the_dermatologist_and_the_patient_is_told_without_details(
    client, patient, clinic, derm, manager
):
    ask_to_join(client, patient, clinic.code)
    request = JoinRequest.objects.get()
    client.force_login(manager)

    page = client.get(reverse("admin:clinics_joinrequest_change", args=[request.pk]))
    assert "Meredith Grey" in page.text
    response = client.post(
        reverse("admin:clinics_joinrequest_change", args=[request.pk]), {"decision": "accept", "dermatologist": derm.pk}
    )

    assert response.status_code == 302
    link = CareLink.objects.get()
    assert (link.clinic, link.dermatologist, link.source) == (clinic, derm, CareLink.Source.JOIN_REQUEST)
    assert link.consented_at == request.consented_at
    assert mail.outbox[-1].to == [patient.user.email]
    assert "answered" in mail.outbox[-1].body and "Grey" not in mail.outbox[-1].body
    client.force_login(patient.user)
    assert "accepted" in client.get(reverse("clinics:join")).text


def test_accepting_needs_a_dermatologist_of_that_clinic(client, patient, clinic, manager, other_derm):
    ask_to_join(client, patient, clinic.code)
    request = JoinRequest.objects.get()
    client.force_login(manager)

    missing = client.post(reverse("admin:clinics_joinrequest_change", args=[request.pk]), {"decision": "accept"})
    foreign = client.post(
        reverse("admin:clinics_joinrequest_change", args=[request.pk]),
        {"decision": "accept", "dermatologist": other_derm.pk},
    )

    assert "Choose the dermatologist who will review this diary." in missing.text
    assert "Select a valid choice" in foreign.text
    assert not CareLink.objects.exists()


def test_the_clinic_declines_and_the_patient_sees_it_and_may_ask_again(client, patient, clinic, manager):
    ask_to_join(client, patient, clinic.code)
    client.force_login(manager)
    client.post(
        reverse("admin:clinics_joinrequest_change", args=[JoinRequest.objects.get().pk]), {"decision": "decline"}
    )

    assert JoinRequest.objects.get().status == JoinRequest.Status.DECLINED
    assert not CareLink.objects.exists()
    client.force_login(patient.user)
    assert "declined" in client.get(reverse("clinics:join")).text
    assert ask_to_join(client, patient, clinic.code).status_code == 302


def test_a_rotated_code_stops_working(client, patient, clinic):
    old = clinic.code
    services.clinic_rotate_code(clinic=clinic)
    client.force_login(patient.user)

    response = client.post(reverse("clinics:join"), {"code": old})

    assert clinic.code != old
    assert "No clinic has this code" in response.text


def test_a_patient_cancels_a_request_and_another_patient_cannot(client, patient, other_patient, clinic):
    ask_to_join(client, patient, clinic.code)
    request = JoinRequest.objects.get()

    client.force_login(other_patient.user)
    assert client.post(reverse("clinics:join-cancel", args=[request.pk])).status_code == 404
    client.force_login(patient.user)
    client.post(reverse("clinics:join-cancel", args=[request.pk]))

    assert JoinRequest.objects.get().status == JoinRequest.Status.CANCELLED


def test_the_join_page_needs_a_signed_in_patient(client, derm):
    assert client.get(reverse("clinics:join")).status_code == 302
    client.force_login(derm)
    assert client.get(reverse("clinics:join")).status_code == 404


# --- Withdrawal --------------------------------------------------------------------------------------------


@pytest.fixture
def shared_diary(patient, derm, clinic):
    """A patient sharing everything with the clinic: a course, a reaction, a photo and a flag."""
    link = assign(patient, derm, clinic=clinic)
    course = TreatmentFactory(patient=patient)
    reaction = ReactionFactory(entry__patient=patient)
    photo = PhotoFactory(entry=reaction.entry)
    flag = Flag.objects.create(
        patient=patient,
        entry=reaction.entry,
        urgency=3,
        first_seen=reaction.entry.date,
        last_seen=reaction.entry.date,
        rule_text="Cold sores",
        advice="Contact your clinician today.",
    )
    return {"link": link, "course": course, "reaction": reaction, "photo": photo, "flag": flag}


def patient_urls(patient: Patient, rows: dict) -> list[str]:
    entry = rows["reaction"].entry
    return [
        reverse("admin:diary_patient_change", args=[patient.pk]),
        reverse("admin:diary_patient_timeline", args=[patient.pk]),
        reverse("admin:diary_patient_export", args=[patient.pk]),
        reverse("admin:diary_treatment_change", args=[rows["course"].pk]),
        reverse("admin:diary_entry_change", args=[entry.pk]),
        reverse("admin:diary_reaction_change", args=[rows["reaction"].pk]),
        reverse("admin:diary_photo_change", args=[rows["photo"].pk]),
        reverse("admin:diary_flag_change", args=[rows["flag"].pk]),
        reverse("diary:photo-file", args=[rows["photo"].pk, "image"]),
        reverse("diary:photo-file", args=[rows["photo"].pk, "thumb"]),
    ]


def _status(client, url) -> int:
    response = client.get(url)
    return 404 if response.status_code == 302 and "/admin/" in response.url else response.status_code


def test_after_withdrawal_every_admin_page_export_and_photo_of_the_patient_is_404_for_the_clinic(
    client, patient, derm, manager, shared_diary
):
    urls = patient_urls(patient, shared_diary)
    client.force_login(derm)
    assert [client.get(url).status_code for url in urls] == [200] * len(urls)

    client.force_login(patient.user)
    client.post(reverse("clinics:withdraw", args=[shared_diary["link"].pk]))

    for staff in (derm, manager):
        client.force_login(staff)
        assert {url: _status(client, url) for url in urls} == dict.fromkeys(urls, 404)
        for changelist in ["patient", "flag", "entry", "photo"]:
            assert patient.user.username not in client.get(reverse(f"admin:diary_{changelist}_changelist")).text


def test_after_withdrawal_no_alert_email_follows(
    client, patient, derm, clinic, reference, django_capture_on_commit_callbacks
):
    link = assign(patient, derm, clinic=clinic)
    services.care_link_withdraw(link=link)

    with django_capture_on_commit_callbacks(execute=True):
        raise_today_flag(patient)

    assert mail.outbox == []
    assert Flag.objects.get().notification == Flag.Notification.PENDING


def test_withdrawal_is_asked_once_and_only_by_the_patient(client, patient, other_patient, derm, clinic):
    link = assign(patient, derm, clinic=clinic)
    url = reverse("clinics:withdraw", args=[link.pk])

    client.force_login(other_patient.user)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    client.logout()
    assert client.post(url).status_code == 302 and CareLink.objects.active().exists()
    client.force_login(patient.user)
    assert "Stop sharing with Northside Skin Clinic?" in client.get(url).text
    assert CareLink.objects.active().exists()
    client.post(url)

    assert not CareLink.objects.active().exists()
    assert CareLink.objects.get().withdrawn_at is not None


def test_reviewed_flags_stay_in_the_patients_diary_after_withdrawal(client, patient, derm, shared_diary):
    from diary import flag_services

    flag = shared_diary["flag"]
    flag_services.flag_resolve(flag=flag, reviewer=derm, note="Seen; carry on.")
    services.care_link_withdraw(link=shared_diary["link"])
    client.force_login(patient.user)

    page = client.get(reverse("diary:alert-detail", args=[flag.pk]))

    assert "Seen; carry on." in page.text


def test_a_patient_can_join_again_after_withdrawing(client, patient, derm, clinic):
    link = assign(patient, derm, clinic=clinic)
    services.care_link_withdraw(link=link)

    ask_to_join(client, patient, clinic.code)
    services.join_request_accept(join_request=JoinRequest.objects.get(), dermatologist=derm, decided_by=derm)

    assert CareLink.objects.active().count() == 1
    assert CareLink.objects.count() == 2


def test_photos_need_their_own_consent(client, patient, derm, clinic):
    assign(patient, derm, clinic=clinic, photos=False)
    photo = PhotoFactory(entry__patient=patient)
    client.force_login(derm)

    assert client.get(reverse("admin:diary_patient_change", args=[patient.pk])).status_code == 200
    assert client.get(reverse("diary:photo-file", args=[photo.pk, "thumb"])).status_code == 404
    assert _status(client, reverse("admin:diary_photo_change", args=[photo.pk])) == 404
