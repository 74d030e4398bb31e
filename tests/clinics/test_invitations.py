"""A dermatologist invites a patient from admin; the patient follows the link, consents and is linked."""

import datetime
import re
from unittest import mock
from urllib.parse import quote

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clinics import services
from clinics.consent import CONSENT_VERSION
from clinics.models import CareLink, Invitation
from diary.models import Flag, Patient
from tests.clinics.conftest import raise_today_flag
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/care/invitation/(\S+)/")


def invite(client, derm, clinic, email="new.patient@example.org") -> str:
    """Invite through the admin form as `derm`; the path of the link the e-mail carries."""
    client.force_login(derm)
    response = client.post(
        reverse("admin:clinics_invitation_add"), {"clinic": clinic.pk, "email": email, "dermatologist": derm.pk}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    return reverse("clinics:invitation", args=[LINK.search(mail.outbox[-1].body).group(1)])


def test_a_dermatologist_invites_a_patient_by_email_with_a_link_and_no_health_data(client, derm, clinic):
    path = invite(client, derm, clinic)

    invitation = Invitation.objects.get()
    message = mail.outbox[0]
    assert message.to == ["new.patient@example.org"]
    assert clinic.name in message.body
    assert path.split("/")[-2] not in invitation.token_digest  # only a digest of the token is stored
    assert invitation.status == Invitation.Status.SENT
    assert invitation.expires_at - invitation.sent_at == datetime.timedelta(days=14)
    assert "Grey" not in message.body and "diary entry" not in message.body


def test_a_visitor_is_asked_to_sign_up_or_log_in_and_the_page_says_nothing_about_existing_accounts(
    client, derm, clinic
):
    path = invite(client, derm, clinic, email="known@example.org")
    other_path = invite(client, derm, clinic, email="unknown@example.org")
    UserFactory(username="known", email="known@example.org")

    known, unknown = client.get(path), client.get(other_path)

    assert known.status_code == unknown.status_code == 200
    assert "Create an account" in known.text and "Log in" in known.text
    assert known.text.replace(quote(path, safe=""), "") == unknown.text.replace(quote(other_path, safe=""), "")


def test_the_patient_reads_the_consent_and_is_linked_to_the_clinic_and_dermatologist(client, derm, clinic, patient):
    path = invite(client, derm, clinic)
    client.force_login(patient.user)

    page = client.get(path)
    assert "What Northside Skin Clinic will see" in page.text
    assert f"version {CONSENT_VERSION}" in page.text
    response = client.post(path, {"agree": "on", "photos": "on"})

    assert response.status_code == 302
    link = CareLink.objects.get()
    assert (link.clinic, link.patient, link.dermatologist) == (clinic, patient.user, derm)
    assert link.consent_version == CONSENT_VERSION and link.shares_photos
    assert timezone.now() - link.consented_at < datetime.timedelta(minutes=1)
    assert Invitation.objects.get().status == Invitation.Status.ACCEPTED


def test_without_ticking_agree_nothing_is_shared_and_the_photo_choice_is_kept(client, derm, clinic, patient):
    path = invite(client, derm, clinic)
    client.force_login(patient.user)

    response = client.post(path, {"photos": "on"})

    assert response.status_code == 200
    assert "Tick the box to agree" in response.text
    assert re.search(r'name="photos"[^>]*checked', response.text)
    assert not CareLink.objects.exists()
    assert Invitation.objects.get().status == Invitation.Status.SENT


def test_after_accepting_the_dermatologist_sees_the_diary_and_gets_alert_emails(
    client, derm, clinic, patient, reference, django_capture_on_commit_callbacks
):
    path = invite(client, derm, clinic)
    client.force_login(patient.user)
    client.post(path, {"agree": "on"})
    client.force_login(derm)
    assert client.get(reverse("admin:diary_patient_change", args=[patient.pk])).status_code == 200

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        raise_today_flag(patient)

    assert Flag.objects.get().notification == Flag.Notification.SENT
    assert mail.outbox[0].to == sorted([derm.email, clinic.alert_email])


# --- Links that cannot be used ----------------------------------------------------------------------------


def _unusable(response) -> bool:
    return response.status_code == 404 and "This invitation link cannot be used" in response.text


def test_a_used_link_cannot_be_used_again_by_anyone(client, derm, clinic, patient, other_patient):
    path = invite(client, derm, clinic)
    client.force_login(patient.user)
    client.post(path, {"agree": "on"})

    client.force_login(other_patient.user)
    assert _unusable(client.get(path))
    assert _unusable(client.post(path, {"agree": "on"}))
    client.logout()
    assert _unusable(client.get(path))
    assert list(CareLink.objects.values_list("patient", flat=True)) == [patient.user_id]


def test_an_expired_link_gives_the_plain_page(client, derm, clinic, patient):
    path = invite(client, derm, clinic)
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    client.force_login(patient.user)

    assert _unusable(client.get(path))
    assert _unusable(client.post(path, {"agree": "on"}))
    assert not CareLink.objects.exists()


def test_a_revoked_link_gives_the_plain_page(client, derm, clinic, patient):
    path = invite(client, derm, clinic)
    services.invitation_revoke(invitation=Invitation.objects.get())
    client.force_login(patient.user)

    assert _unusable(client.get(path))


@pytest.mark.parametrize("tamper", ["flip-last", "no-signature", "garbage", "other-signer"])
def test_a_forged_or_damaged_link_gives_the_plain_page_never_an_error(client, derm, clinic, patient, tamper):
    path = invite(client, derm, clinic)
    token = path.split("/")[-2]
    forged = {
        "flip-last": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "no-signature": token.split(":")[0],
        "garbage": "%00%ff<script>",
        "other-signer": token.split(":")[0] + ":" + "x" * 27,
    }[tamper]
    client.force_login(patient.user)

    response = client.get(f"/care/invitation/{forged}/")

    assert _unusable(response)


def test_resending_makes_a_new_link_and_the_old_one_stops_working(client, derm, clinic, patient):
    old = invite(client, derm, clinic)
    client.force_login(derm)
    client.post(
        reverse("admin:clinics_invitation_changelist"),
        {"action": "resend", "_selected_action": [Invitation.objects.get().pk]},
    )
    new = reverse("clinics:invitation", args=[LINK.search(mail.outbox[-1].body).group(1)])
    client.force_login(patient.user)

    assert new != old
    assert _unusable(client.get(old))
    assert client.get(new).status_code == 200


def test_a_staff_account_cannot_accept_an_invitation(client, derm, clinic):
    path = invite(client, derm, clinic)
    client.force_login(derm)

    response = client.get(path)

    assert response.status_code == 404
    assert "Invitations are for patients" in response.text


def test_the_invitation_list_shows_each_status(client, derm, clinic):
    for email in ["a@example.org", "b@example.org", "c@example.org", "d@example.org"]:
        services.invitation_send(clinic=clinic, email=email, dermatologist=derm, invited_by=derm)
    a, b, c, _ = Invitation.objects.order_by("email")
    services.invitation_revoke(invitation=a)
    Invitation.objects.filter(pk=b.pk).update(expires_at=timezone.now() - datetime.timedelta(days=1))
    services.invitation_accept(invitation=c, patient_user=PatientFactory().user, shares_photos=False)
    client.force_login(derm)

    page = client.get(reverse("admin:clinics_invitation_changelist")).text

    for status in ["revoked", "expired", "accepted", "sent"]:
        assert f'<td class="field-status_display">{status}</td>' in page


def test_a_new_account_made_from_the_invitation_comes_back_to_it(client, derm, clinic):
    path = invite(client, derm, clinic)
    response = client.post(
        reverse("signup") + f"?next={path}",
        {
            "username": "newbie",
            "email": "newbie@example.org",
            "password1": "a-long-enough-passphrase-2026",
            "password2": "a-long-enough-passphrase-2026",
            "time_zone": "Europe/London",
            "next": path,
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("signup-sent")  # the address is confirmed by e-mail first
    assert Patient.objects.filter(user__username="newbie").exists()

    # The e-mailed link (opened in the same browser) opens the account and comes back to the invitation.
    confirm = re.search(r"http://testserver(/accounts/signup/confirm/\S+)", mail.outbox[-1].body).group(1)
    response = client.get(confirm)

    assert response.status_code == 302
    assert response.url == path


def test_when_the_email_cannot_be_sent_nothing_is_saved_and_admin_says_so(client, derm, clinic):
    client.force_login(derm)
    with mock.patch("clinics.services.send_mail", side_effect=ConnectionRefusedError("smtp down")):
        response = client.post(
            reverse("admin:clinics_invitation_add"),
            {"clinic": clinic.pk, "email": "x@example.org", "dermatologist": derm.pk},
            follow=True,
        )

    assert "The e-mail could not be sent. Nothing was saved" in response.text
    assert not Invitation.objects.exists()


def test_an_invitation_names_a_dermatologist_of_that_clinic_only(client, derm, clinic, other_derm):
    client.force_login(derm)

    response = client.post(
        reverse("admin:clinics_invitation_add"),
        {"clinic": clinic.pk, "email": "x@example.org", "dermatologist": other_derm.pk},
    )

    assert response.status_code == 200
    assert 'value="x@example.org"' in response.text
    assert not Invitation.objects.exists() and mail.outbox == []
