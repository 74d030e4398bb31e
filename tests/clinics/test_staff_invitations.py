"""A clinic's manager invites a new dermatologist (or manager) by e-mail; the invitee creates a staff account, or
accepts with the one they have, and sets up two-step sign-in before admin opens. Removing someone ends their access."""

import datetime
import re
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clinics import services
from clinics.models import CareLink, Membership, StaffInvitation
from diary.models import Flag
from diary.permissions import CLINIC_MANAGERS, DERMATOLOGISTS, ensure_clinic_managers_group
from tests.accounts.test_two_factor import enrol
from tests.clinics.conftest import raise_today_flag
from tests.factories import StaffFactory, UserFactory, assign, join_clinic

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/care/staff-invitation/(\S+)/")
PASSWORD = "a-long-and-unusual-passphrase"
UNUSABLE = "This invitation link cannot be used"


def invite(client, manager, clinic, email="new.doctor@example.org", role=Membership.Role.DERMATOLOGIST) -> str:
    """Invite through the admin form as `manager`; the path of the link the e-mail carries."""
    client.force_login(manager)
    response = client.post(
        reverse("admin:clinics_staffinvitation_add"), {"clinic": clinic.pk, "email": email, "role": role}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    return link_in(mail.outbox[-1].body)


def link_in(body: str) -> str:
    return reverse("clinics:staff-invitation", args=[LINK.search(body).group(1)])


def without_secrets(page: str, path: str) -> str:
    """The page without its own link and its form's CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.replace(quote(path, safe=""), ""))


def sign_up(client, path, username="dr-new", **extra):
    data = {"username": username, "name": "Cristina Yang", "password1": PASSWORD, "password2": PASSWORD, **extra}
    return client.post(path, data)


def test_a_manager_invites_a_dermatologist_by_email_with_a_link_and_no_health_data(
    client, manager, derm, clinic, patient, reference
):
    assign(patient, derm, clinic=clinic)
    raise_today_flag(patient)
    mail.outbox.clear()

    path = invite(client, manager, clinic)

    invitation = StaffInvitation.objects.get()
    message = mail.outbox[0]
    assert message.to == ["new.doctor@example.org"]
    assert clinic.name in message.body and "dermatologist" in message.body
    assert "two-step sign-in" in message.body
    assert path.split("/")[-2] not in invitation.token_digest  # only a digest of the token is stored
    assert (invitation.status, invitation.role, invitation.invited_by) == ("sent", "dermatologist", manager)
    assert invitation.expires_at - invitation.sent_at == datetime.timedelta(days=14)
    for private in (patient.user.username, "Grey", "Cold sores", "tacrolimus"):
        assert private.lower() not in message.body.lower()


def test_the_invitee_creates_a_staff_account_and_sets_up_two_step_sign_in_before_admin_opens(
    client, manager, derm, clinic, patient
):
    assign(patient, derm, clinic=clinic)
    path = invite(client, manager, clinic)

    page = client.get(path)
    assert page.status_code == 200
    assert "Join Northside Skin Clinic as dermatologist" in page.text
    response = sign_up(client, path)

    user = get_user_model().objects.get(username="dr-new")
    assert (user.email, user.first_name, user.is_staff, user.is_superuser) == (
        "new.doctor@example.org",
        "Cristina Yang",
        True,
        False,
    )
    assert list(user.groups.values_list("name", flat=True)) == [DERMATOLOGISTS]
    assert Membership.objects.get(user=user).clinic == clinic
    assert response["Location"].startswith(reverse("two-factor-setup"))
    # Admin stays shut until the authenticator is set up.
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("two-factor-setup"))
    enrol(client)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:diary_patient_change", args=[patient.pk])).status_code == 200
    invitation = StaffInvitation.objects.get()
    assert (invitation.status, invitation.accepted_by) == ("accepted", user)


def test_an_invited_manager_gets_the_managers_group(client, manager, clinic):
    path = invite(client, manager, clinic, role=Membership.Role.MANAGER)

    sign_up(client, path)

    user = get_user_model().objects.get(username="dr-new")
    assert list(user.groups.values_list("name", flat=True)) == [CLINIC_MANAGERS]
    assert Membership.objects.get(user=user).role == Membership.Role.MANAGER


def test_a_signed_in_staff_member_accepts_into_this_clinic_and_keeps_their_other_clinic(
    client, manager, clinic, other_derm, other_clinic
):
    path = invite(client, manager, clinic, email="white@example.org")
    client.force_login(other_derm)

    page = client.get(path)
    assert "Join Northside Skin Clinic as dermatologist?" in page.text
    response = client.post(path)

    assert response["Location"] == reverse("admin:index")
    assert set(Membership.objects.filter(user=other_derm).values_list("clinic__name", flat=True)) == {
        clinic.name,
        other_clinic.name,
    }
    assert client.get(path).status_code == 404  # used up


def test_a_patient_signed_in_cannot_accept_and_is_told_to_log_out(client, manager, clinic, patient):
    path = invite(client, manager, clinic)
    client.force_login(patient.user)

    for response in (client.get(path), client.post(path)):
        assert response.status_code == 404
        assert "signed in with a diary account" in response.text
    patient.user.refresh_from_db()
    assert not patient.user.is_staff and not Membership.objects.filter(user=patient.user).exists()
    assert StaffInvitation.objects.get().status == StaffInvitation.Status.SENT


def test_a_mistake_in_the_form_says_so_and_keeps_what_was_typed(client, manager, clinic):
    UserFactory(username="taken")
    path = invite(client, manager, clinic)

    taken = sign_up(client, path, username="taken")
    mismatch = sign_up(client, path, password2="something-else-entirely")

    assert taken.status_code == mismatch.status_code == 200
    assert "already exists" in taken.text and 'value="Cristina Yang"' in taken.text
    assert "The two password fields didn" in mismatch.text and 'value="dr-new"' in mismatch.text
    assert not get_user_model().objects.filter(is_staff=True, username="dr-new").exists()
    assert StaffInvitation.objects.get().status == StaffInvitation.Status.SENT


def test_the_page_is_the_same_whether_or_not_the_address_has_an_account(client, manager, clinic):
    UserFactory(username="known", email="known@example.org")
    known = invite(client, manager, clinic, email="known@example.org")
    unknown = invite(client, manager, clinic, email="unknown@example.org")

    a, b = client.get(known), client.get(unknown)

    assert a.status_code == b.status_code == 200
    assert without_secrets(a.text, known) == without_secrets(b.text, unknown)


def test_used_expired_revoked_resent_and_forged_links_all_give_the_same_plain_page(client, manager, clinic):
    used, expired, revoked, resent = (invite(client, manager, clinic, email=f"{n}@example.org") for n in "abcd")
    sign_up(client, used)
    client.logout()
    invitations = StaffInvitation.objects.order_by("pk")
    StaffInvitation.objects.filter(pk=invitations[1].pk).update(expires_at=timezone.now())
    services.invitation_revoke(invitation=invitations[2])
    services.invitation_resend(invitation=invitations[3])
    forged = resent[:-3] + "xyz/"

    pages = [client.get(path) for path in (used, expired, revoked, resent, forged, "/care/staff-invitation/junk/")]

    assert {page.status_code for page in pages} == {404}
    assert all(UNUSABLE in page.text for page in pages)
    assert len({page.text for page in pages}) == 1
    assert client.get(link_in(mail.outbox[-1].body)).status_code == 200  # the new link works
    assert [i.status for i in StaffInvitation.objects.order_by("pk")] == ["accepted", "expired", "revoked", "sent"]
    # The admin's status filter (SQL) agrees with each invitation's status.
    by_filter = {s: [i.status for i in StaffInvitation.objects.with_status(s)] for s in StaffInvitation.Status.values}
    assert by_filter == {s: [s] for s in StaffInvitation.Status.values}


def test_a_used_link_cannot_make_a_second_account(client, manager, clinic):
    path = invite(client, manager, clinic)
    sign_up(client, path)
    client.logout()

    response = sign_up(client, path, username="dr-second")

    assert response.status_code == 404
    assert not get_user_model().objects.filter(username="dr-second").exists()


def test_the_admin_lists_staff_invitations_with_status_and_resends_and_revokes(client, manager, clinic):
    invite(client, manager, clinic, email="a@example.org")
    invite(client, manager, clinic, email="b@example.org")
    a, b = StaffInvitation.objects.order_by("email")
    client.force_login(manager)
    changelist = reverse("admin:clinics_staffinvitation_changelist")

    client.post(changelist, {"action": "resend", "_selected_action": [a.pk]})
    client.post(changelist, {"action": "revoke", "_selected_action": [b.pk]})

    assert mail.outbox[-1].to == ["a@example.org"]
    page = client.get(changelist).text
    assert "a@example.org" in page and "b@example.org" in page and "revoked" in page
    assert "a@example.org" not in client.get(changelist, {"status": "revoked"}).text
    b.refresh_from_db()
    assert b.status == StaffInvitation.Status.REVOKED


def test_managers_see_and_act_on_only_their_clinics_staff_invitations(client, manager, clinic, other_clinic):
    boss = StaffFactory(username="mgr-south")
    boss.groups.add(ensure_clinic_managers_group())
    join_clinic(boss, other_clinic, Membership.Role.MANAGER)
    invite(client, boss, other_clinic, email="south@example.org")
    theirs = StaffInvitation.objects.get()
    sent = len(mail.outbox)
    client.force_login(manager)

    assert "south@example.org" not in client.get(reverse("admin:clinics_staffinvitation_changelist")).text
    change = client.get(reverse("admin:clinics_staffinvitation_change", args=[theirs.pk]))
    assert change.status_code == 404 or change["Location"] == reverse("admin:index")
    client.post(
        reverse("admin:clinics_staffinvitation_changelist"), {"action": "revoke", "_selected_action": [theirs.pk]}
    )
    client.post(
        reverse("admin:clinics_staffinvitation_changelist"), {"action": "resend", "_selected_action": [theirs.pk]}
    )
    add = client.post(
        reverse("admin:clinics_staffinvitation_add"),
        {"clinic": other_clinic.pk, "email": "x@example.org", "role": "manager"},
    )

    assert add.status_code == 200 and "Select a valid choice" in add.text
    assert 'value="x@example.org"' in add.text  # nothing typed is lost
    theirs.refresh_from_db()
    assert theirs.status == StaffInvitation.Status.SENT and len(mail.outbox) == sent
    assert StaffInvitation.objects.count() == 1


def test_a_dermatologist_cannot_invite_staff(client, derm, clinic):
    client.force_login(derm)

    assert client.get(reverse("admin:clinics_staffinvitation_changelist")).status_code == 403
    assert (
        client.post(
            reverse("admin:clinics_staffinvitation_add"),
            {"clinic": clinic.pk, "email": "x@example.org", "role": "manager"},
        ).status_code
        == 403
    )
    assert "Staff invitations" not in client.get(reverse("admin:index")).text
    with pytest.raises(ValidationError):
        services.staff_invitation_send(clinic=clinic, email="x@example.org", role="manager", invited_by=derm)
    assert not StaffInvitation.objects.exists() and mail.outbox == []


def test_a_superuser_invites_for_any_clinic(client, clinic, other_clinic):
    root = StaffFactory(username="root", is_superuser=True)

    invite(client, root, other_clinic, email="south@example.org")

    assert StaffInvitation.objects.get().clinic == other_clinic


def test_a_bad_address_says_so_and_sends_nothing(client, manager, clinic):
    client.force_login(manager)

    response = client.post(
        reverse("admin:clinics_staffinvitation_add"),
        {"clinic": clinic.pk, "email": "not-an-address", "role": "manager"},
    )

    assert response.status_code == 200 and "Enter a valid email address" in response.text
    assert not StaffInvitation.objects.exists() and mail.outbox == []


def test_an_anonymous_visitor_is_never_let_into_the_admin_list(client):
    response = client.get(reverse("admin:clinics_staffinvitation_changelist"))

    assert response.status_code == 302 and "login" in response["Location"]


# --- Removing someone from the clinic -----------------------------------------------------------


def remove(client, manager, staff):
    client.force_login(manager)
    membership = Membership.objects.get(user=staff)
    response = client.post(reverse("admin:clinics_membership_delete", args=[membership.pk]), {"post": "yes"})
    assert response.status_code == 302


def test_a_removed_dermatologist_loses_the_clinics_patients_at_once(client, manager, derm, clinic, patient):
    assign(patient, derm, clinic=clinic)
    client.force_login(derm)
    patient_page = reverse("admin:diary_patient_change", args=[patient.pk])
    assert client.get(patient_page).status_code == 200

    remove(client, manager, derm)

    client.force_login(derm)
    response = client.get(patient_page)
    assert response.status_code == 404 or response["Location"] == reverse("admin:index")
    assert patient.user.username not in client.get(reverse("admin:diary_patient_changelist")).text
    assert CareLink.objects.get().is_active  # the patient still shares with the clinic


def test_after_removal_the_patients_alerts_go_to_the_clinics_on_duty_inbox_only(
    client, manager, derm, clinic, patient, reference, django_capture_on_commit_callbacks
):
    assign(patient, derm, clinic=clinic)
    remove(client, manager, derm)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        raise_today_flag(patient)

    assert [message.to for message in mail.outbox] == [["duty@northside.example"]]


def test_after_removal_without_an_inbox_the_alert_waits_for_a_new_dermatologist(
    client, manager, derm, clinic, patient, reference, django_capture_on_commit_callbacks
):
    clinic.alert_email = ""
    clinic.save()
    assign(patient, derm, clinic=clinic)
    remove(client, manager, derm)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        raise_today_flag(patient)

    assert mail.outbox == []
    assert Flag.objects.get().notification == Flag.Notification.PENDING
