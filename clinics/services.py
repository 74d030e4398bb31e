"""Every write of the care team: invitations, join requests, consent and its withdrawal, share links.

E-mails sent from here carry no health data and no patient name: a sentence and a link to sign in.
"""

import datetime
import logging

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clinics import selectors
from clinics.consent import CONSENT_VERSION
from clinics.models import (
    INVITATION_DAYS,
    ROLE_GROUPS,
    SHARE_LINK_MAX_DAYS,
    CareLink,
    Clinic,
    Invitation,
    JoinRequest,
    LinkInvitation,
    Membership,
    ShareLink,
    StaffInvitation,
    new_clinic_code,
)
from clinics.tokens import new_token

logger = logging.getLogger(__name__)

# One message for every link that cannot be used, so a link never tells more than "not usable".
INVITATION_UNUSABLE = "This invitation link cannot be used: it has expired, was already used, or was withdrawn."


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _send(subject: str, body: str, to: str) -> None:
    """Send one e-mail; a transport failure becomes a ValidationError the caller's page shows."""
    try:
        send_mail(f"[Skin diary] {subject}", body, None, [to])
    except Exception as error:  # any transport error: the write rolls back and the page says so
        logger.exception("Could not send a care-team e-mail")
        raise ValidationError("The e-mail could not be sent. Nothing was saved; please try again.") from error


# --- Clinics ---------------------------------------------------------------------------------


@transaction.atomic
def clinic_rotate_code(*, clinic: Clinic) -> Clinic:
    """Give the clinic a new code; the old one stops working at once (pending requests stay)."""
    code = new_clinic_code()
    while Clinic.objects.filter(code=code).exists():
        code = new_clinic_code()
    clinic.code = code
    clinic.save(update_fields=["code", "updated"])
    return clinic


# --- Invitations (patients and staff) --------------------------------------------------------


def _invitation_email(link_token: str, clinic: Clinic) -> tuple[str, str]:
    url = _absolute(reverse("clinics:invitation", args=[link_token]))
    body = (
        f"{clinic.name} invites you to keep your skin treatment diary with them.\n\n"
        f"Open this link to read what the clinic would see and decide (it works once, for {INVITATION_DAYS} "
        f"days):\n{url}\n\n"
        "If you did not expect this e-mail, ignore it: nothing is shared unless you agree.\n"
    )
    return "An invitation from your clinic", body


def _staff_invitation_email(link_token: str, invitation: StaffInvitation) -> tuple[str, str]:
    url = _absolute(reverse("clinics:staff-invitation", args=[link_token]))
    body = (
        f"{invitation.clinic.name} invites you to join its team on the skin diary's clinician site, as "
        f"{invitation.get_role_display().lower()}.\n\n"
        f"Open this link to choose your username and password, or to accept with your staff account (it works "
        f"once, for {INVITATION_DAYS} days):\n{url}\n\n"
        "You will then set up two-step sign-in with an authenticator app before the site opens.\n"
        "If you did not expect this e-mail, ignore it: nothing happens unless you accept.\n"
    )
    return "An invitation to join your clinic's team", body


def _email_of(invitation: LinkInvitation, link_token: str) -> tuple[str, str]:
    if isinstance(invitation, StaffInvitation):
        return _staff_invitation_email(link_token, invitation)
    return _invitation_email(link_token, invitation.clinic)


def _issue_link(invitation: LinkInvitation) -> str:
    """Give the invitation a fresh link (any older one stops working) valid INVITATION_DAYS days from now."""
    link_token, digest = new_token(invitation.LINK_PURPOSE)
    invitation.token_digest = digest
    invitation.sent_at = timezone.now()
    invitation.expires_at = invitation.sent_at + datetime.timedelta(days=INVITATION_DAYS)
    return link_token


def _send_new(invitation: LinkInvitation) -> LinkInvitation:
    """Check and store a new invitation of either kind, then e-mail its link."""
    link_token = _issue_link(invitation)
    invitation.full_clean()
    invitation.save()
    _send(*_email_of(invitation, link_token), to=invitation.email)
    return invitation


@transaction.atomic
def invitation_send(*, clinic: Clinic, email: str, dermatologist, invited_by) -> Invitation:
    """Create an invitation and e-mail its single-use link (valid INVITATION_DAYS days)."""
    return _send_new(Invitation(clinic=clinic, email=email, dermatologist=dermatologist, invited_by=invited_by))


@transaction.atomic
def invitation_resend(*, invitation: LinkInvitation) -> LinkInvitation:
    """A new link (the old one stops working) with a fresh expiry; accepted or revoked invitations are final."""
    if invitation.status in (Invitation.Status.ACCEPTED, Invitation.Status.REVOKED):
        raise ValidationError(f"This invitation was {invitation.status}; send a new one instead.")
    link_token = _issue_link(invitation)
    invitation.save(update_fields=["token_digest", "sent_at", "expires_at"])
    _send(*_email_of(invitation, link_token), to=invitation.email)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: LinkInvitation) -> LinkInvitation:
    """The link stops working; an accepted invitation cannot be revoked (the patient withdraws, or the clinic
    removes the person, instead)."""
    if invitation.status == Invitation.Status.ACCEPTED:
        raise ValidationError("This invitation was already accepted, so it can no longer be revoked.")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


@transaction.atomic
def staff_invitation_send(*, clinic: Clinic, email: str, role: str, invited_by) -> StaffInvitation:
    """A clinic's manager (or a superuser) invites someone to work at the clinic in `role`, by e-mailed link."""
    if not selectors.managed_clinics(invited_by).filter(pk=clinic.pk).exists():
        raise ValidationError("Only the clinic's managers can invite people to work there.")
    return _send_new(StaffInvitation(clinic=clinic, email=email, role=role, invited_by=invited_by))


@transaction.atomic
def staff_invitation_accept(*, invitation: StaffInvitation, user) -> Membership:
    """A staff account takes up the invitation: it works at the clinic in the invited role (and holds that
    role's permission group); the link is used up."""
    invitation = StaffInvitation.objects.select_for_update().select_related("clinic").get(pk=invitation.pk)
    if not invitation.is_open:
        raise ValidationError(INVITATION_UNUSABLE)
    if not user.is_staff:
        raise ValidationError("A patient's account cannot join a clinic's team: log out and create a staff account.")
    membership = membership_add(clinic=invitation.clinic, user=user, role=invitation.role)
    group, _ = Group.objects.get_or_create(name=ROLE_GROUPS[invitation.role])
    user.groups.add(group)
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def staff_invitation_register(*, invitation: StaffInvitation, username: str, password: str, name: str = ""):
    """The invitee creates their staff account from the link (with the invited address) and takes up the invitation.

    The account has no second factor yet: two-step sign-in (accounts.middleware) makes them enrol one first."""
    user = get_user_model().objects.create_user(
        username=username, email=invitation.email, password=password, first_name=name.strip(), is_staff=True
    )
    staff_invitation_accept(invitation=invitation, user=user)
    return user


@transaction.atomic
def care_link_consent(
    *, clinic: Clinic, patient_user, dermatologist, source: str, shares_photos: bool, consented_at=None
) -> CareLink:
    """The patient's active link to the clinic with this consent (a repeated consent replaces the terms)."""
    link = CareLink.objects.active().select_for_update().filter(clinic=clinic, patient=patient_user).first()
    if link is None:
        link = CareLink(clinic=clinic, patient=patient_user, source=source)
    if dermatologist is not None:
        link.dermatologist = dermatologist
    link.consent_version = CONSENT_VERSION
    link.consented_at = consented_at or timezone.now()
    link.shares_photos = shares_photos
    link.full_clean()
    link.save()
    return link


@transaction.atomic
def invitation_accept(*, invitation: Invitation, patient_user, shares_photos: bool) -> CareLink:
    """The patient consents through the invitation: linked to its clinic and dermatologist; the link is used up."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise ValidationError(INVITATION_UNUSABLE)
    if patient_user.is_staff:
        raise ValidationError("Sign in with a patient account to accept an invitation.")
    now = timezone.now()
    link = care_link_consent(
        clinic=invitation.clinic,
        patient_user=patient_user,
        dermatologist=invitation.dermatologist,
        source=CareLink.Source.INVITATION,
        shares_photos=shares_photos,
        consented_at=now,
    )
    invitation.accepted_at = now
    invitation.accepted_by = patient_user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return link


# --- Join requests by clinic code ------------------------------------------------------------


@transaction.atomic
def join_request_create(*, clinic: Clinic, patient_user, shares_photos: bool) -> JoinRequest:
    """The patient asks to join, consenting now; the clinic accepts or declines."""
    if CareLink.objects.active().filter(clinic=clinic, patient=patient_user).exists():
        raise ValidationError(f"Your diary is already shared with {clinic.name}.")
    if JoinRequest.objects.filter(clinic=clinic, patient=patient_user, status=JoinRequest.Status.PENDING).exists():
        raise ValidationError(f"You already asked to join {clinic.name}; the clinic has not answered yet.")
    return JoinRequest.objects.create(
        clinic=clinic,
        patient=patient_user,
        consent_version=CONSENT_VERSION,
        consented_at=timezone.now(),
        shares_photos=shares_photos,
    )


def _answer_email(join_request: JoinRequest) -> tuple[str, str]:
    url = _absolute(reverse("clinics:join"))
    body = (
        f"{join_request.clinic.name} has answered your request to join.\n\n"
        f"Sign in to see the answer:\n{url}\n\n"
        "For privacy this e-mail contains no details.\n"
    )
    return "Your clinic has answered", body


def _pending(join_request: JoinRequest) -> JoinRequest:
    join_request = JoinRequest.objects.select_for_update().select_related("clinic", "patient").get(pk=join_request.pk)
    if join_request.status != JoinRequest.Status.PENDING:
        raise ValidationError(f"This request was already {join_request.get_status_display()}.")
    return join_request


@transaction.atomic
def join_request_accept(*, join_request: JoinRequest, dermatologist, decided_by) -> CareLink:
    """Link the patient with the consent they gave when asking, to the chosen dermatologist; tell them."""
    join_request = _pending(join_request)
    link = care_link_consent(
        clinic=join_request.clinic,
        patient_user=join_request.patient,
        dermatologist=dermatologist,
        source=CareLink.Source.JOIN_REQUEST,
        shares_photos=join_request.shares_photos,
        consented_at=join_request.consented_at,
    )
    join_request.status = JoinRequest.Status.ACCEPTED
    join_request.decided_at, join_request.decided_by = timezone.now(), decided_by
    join_request.save(update_fields=["status", "decided_at", "decided_by"])
    if join_request.patient.email:
        _send(*_answer_email(join_request), to=join_request.patient.email)
    return link


@transaction.atomic
def join_request_decline(*, join_request: JoinRequest, decided_by) -> JoinRequest:
    """Nothing is shared; the patient sees "declined" and may ask again."""
    join_request = _pending(join_request)
    join_request.status = JoinRequest.Status.DECLINED
    join_request.decided_at, join_request.decided_by = timezone.now(), decided_by
    join_request.save(update_fields=["status", "decided_at", "decided_by"])
    if join_request.patient.email:
        _send(*_answer_email(join_request), to=join_request.patient.email)
    return join_request


@transaction.atomic
def join_request_cancel(*, join_request: JoinRequest) -> JoinRequest:
    join_request = _pending(join_request)
    join_request.status = JoinRequest.Status.CANCELLED
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "decided_at"])
    return join_request


# --- Consent ----------------------------------------------------------------------------------


@transaction.atomic
def care_link_withdraw(*, link: CareLink) -> CareLink:
    """The patient stops sharing with a clinic: from now its staff see nothing and get no alert e-mails.

    Flags already reviewed stay in the patient's diary with the clinic's notes; the clinic no longer sees them.
    """
    if link.withdrawn_at is None:
        link.withdrawn_at = timezone.now()
        link.save(update_fields=["withdrawn_at", "updated"])
    return link


@transaction.atomic
def membership_add(*, clinic: Clinic, user, role: str = Membership.Role.DERMATOLOGIST) -> Membership:
    """A staff account joins a clinic (or changes role there)."""
    if not user.is_staff:
        raise ValidationError("Only staff accounts can work at a clinic.")
    membership, _ = Membership.objects.update_or_create(clinic=clinic, user=user, defaults={"role": role})
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """A person leaves a clinic; the patients assigned to them there keep their link, unassigned."""
    CareLink.objects.filter(clinic=membership.clinic, dermatologist=membership.user).update(dermatologist=None)
    membership.delete()


# --- Share links --------------------------------------------------------------------------------


@transaction.atomic
def share_link_create(
    *,
    patient_user,
    start: datetime.date,
    end: datetime.date,
    days: int,
    include_photos: bool,
    label: str = "",
) -> tuple[ShareLink, str]:
    """A read-only link to the period's summary, valid `days` days (at most SHARE_LINK_MAX_DAYS)."""
    if not 1 <= days <= SHARE_LINK_MAX_DAYS:
        raise ValidationError({"days": f"A link can last 1 to {SHARE_LINK_MAX_DAYS} days."})
    if start > end:
        raise ValidationError({"end": "The end of the period must be on or after its start."})
    link_token, digest = new_token("share")
    link = ShareLink.objects.create(
        patient=patient_user,
        label=label,
        start=start,
        end=end,
        include_photos=include_photos,
        token_digest=digest,
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    return link, link_token


@transaction.atomic
def share_link_revoke(*, share_link: ShareLink) -> ShareLink:
    if share_link.revoked_at is None:
        share_link.revoked_at = timezone.now()
        share_link.save(update_fields=["revoked_at"])
    return share_link


def share_link_record_opening(*, share_link: ShareLink, request, what: str = "summary") -> None:
    """Each opening of a share link is an access entry in the audit trail (shown to the patient)."""
    LogEntry.objects.log_create(
        share_link,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        actor=None,
        additional_data={"viewed": f"share link {what}"},
    )
