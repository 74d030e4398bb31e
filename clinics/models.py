"""The care team: clinics, their staff, the patients who consented to share with them, and the ways in
(invitations, join requests by clinic code) and out (withdrawal). Also the patient's temporary share links.

This app knows people as user accounts and never imports the diary: the diary asks it who may see a patient.
"""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinics.validators import validate_phone_number

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud at a desk
CODE_LENGTH = 6
INVITATION_DAYS = 14
SHARE_LINK_MAX_DAYS = 7


def new_clinic_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(value: str) -> str:
    return "".join(value.split()).replace("-", "").upper()


class ClinicQuerySet(models.QuerySet):
    def of_member(self, user) -> "ClinicQuerySet":
        """Clinics the user works at (all of them for a superuser). Each comes once without DISTINCT, as a user has
        at most one membership a clinic (`membership_once_per_clinic`): counting them (an admin list's count) counts
        rows and leaves out the columns a caller annotates."""
        return self if user.is_superuser else self.of_member_id(user.pk)

    def of_member_id(self, user_id: int) -> "ClinicQuerySet":
        """Clinics the user with this id works at (`of_member` for anyone but a superuser)."""
        return self.filter(memberships__user_id=user_id)


class Clinic(models.Model):
    name = models.CharField(max_length=200, unique=True)
    code = models.CharField(
        max_length=CODE_LENGTH,
        unique=True,
        default=new_clinic_code,
        help_text="Patients type this under Settings to ask to join. Rotate it if it was shared too widely.",
    )
    alert_email = models.EmailField(
        "on-duty inbox",
        blank=True,
        help_text="Receives every 'today' and 'emergency' alert of the clinic's patients, besides the assigned "
        "dermatologist. Leave empty to e-mail only the assigned dermatologist.",
    )
    phone = models.CharField(
        max_length=30,
        blank=True,
        validators=[validate_phone_number],
        help_text="Offered to the patients sharing with the clinic as a call button on alerts that ask them to "
        "contact a clinician today. Leave empty to offer no button.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = ClinicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = []

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A staff account working at a clinic."""

    class Role(models.TextChoices):
        DERMATOLOGIST = "dermatologist", "Dermatologist"
        MANAGER = "manager", "Clinic manager"

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="clinic_memberships",
        limit_choices_to={"is_staff": True},
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.DERMATOLOGIST)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["clinic__name", "role", "user__username"]
        constraints = [models.UniqueConstraint(fields=["clinic", "user"], name="membership_once_per_clinic")]

    def __str__(self):
        return f"{display_name(self.user)}, {self.get_role_display().lower()} at {self.clinic}"


# The permission group each role's staff belong to (its permissions: diary.permissions).
ROLE_GROUPS = {Membership.Role.DERMATOLOGIST: "Dermatologists", Membership.Role.MANAGER: "Clinic managers"}


def display_name(user) -> str:
    """How a person is shown to others: their name, or their username if they gave none."""
    return name_shown(first_name=user.first_name, last_name=user.last_name, username=user.get_username())


def name_shown(*, first_name: str, last_name: str, username: str) -> str:
    """`display_name` from a user's name columns, for lists that read them as values, not as users (the full name
    as Django's `AbstractUser.get_full_name` makes it)."""
    return f"{first_name} {last_name}".strip() or username


class CareLinkQuerySet(models.QuerySet):
    def active(self) -> "CareLinkQuerySet":
        return self.filter(withdrawn_at__isnull=True)


class CareLink(models.Model):
    """A patient's consent to share their diary with a clinic, from consent to withdrawal (rows are kept)."""

    class Source(models.TextChoices):
        INVITATION = "invitation", "invitation accepted by the patient"
        JOIN_REQUEST = "join_request", "clinic code, request accepted by the clinic"
        ASSIGNMENT = "assignment", "assignment by a superuser before consent was recorded"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="care_links")
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_links")
    dermatologist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="care_links_assigned",
        help_text="The dermatologist of the clinic who reviews this diary and receives its alert e-mails.",
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    consent_version = models.CharField(max_length=20)
    consented_at = models.DateTimeField()
    shares_photos = models.BooleanField(default=False)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    record_number = models.CharField("clinic record number", max_length=40, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = CareLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-consented_at", "-id"]
        verbose_name = "patient link"
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "patient"], condition=Q(withdrawn_at__isnull=True), name="carelink_one_active"
            )
        ]

    def __str__(self):
        return f"{display_name(self.patient)} at {self.clinic}"

    def clean(self):
        _check_dermatologist_of_clinic(self)

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


def _invitation_expiry() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=INVITATION_DAYS)


class LinkInvitationQuerySet(models.QuerySet):
    def with_status(self, status: str) -> "LinkInvitationQuerySet":
        """The invitations in this state now (the SQL twin of LinkInvitation.status, next to it)."""
        now = timezone.now()
        unused = Q(accepted_at__isnull=True, revoked_at__isnull=True)
        return self.filter(
            {
                LinkInvitation.Status.REVOKED: Q(revoked_at__isnull=False),
                LinkInvitation.Status.ACCEPTED: Q(accepted_at__isnull=False, revoked_at__isnull=True),
                LinkInvitation.Status.EXPIRED: unused & Q(expires_at__lte=now),
                LinkInvitation.Status.SENT: unused & Q(expires_at__gt=now),
            }[status]
        )


class LinkInvitation(models.Model):
    """What every invitation by e-mailed link shares: a single-use link valid INVITATION_DAYS days that can be sent
    again (a new link) or revoked; only the digest of its token is stored (clinics.tokens)."""

    class Status(models.TextChoices):
        SENT = "sent", "sent"
        ACCEPTED = "accepted", "accepted"
        EXPIRED = "expired", "expired"
        REVOKED = "revoked", "revoked"

    LINK_PURPOSE: str  # the signing salt of its links, one per kind of invitation

    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = LinkInvitationQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-sent_at", "-id"]

    @property
    def status(self) -> str:
        if self.revoked_at:
            return self.Status.REVOKED
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.SENT

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.SENT


class Invitation(LinkInvitation):
    """A single-use link e-mailed to a patient; only the token's digest is stored."""

    LINK_PURPOSE = "invitation"

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(help_text="The patient's e-mail address. The e-mail holds only a link.")
    dermatologist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(LinkInvitation.Meta):
        pass

    def __str__(self):
        return f"Invitation to {self.clinic} for {self.email}"

    def clean(self):
        _check_dermatologist_of_clinic(self)


class StaffInvitation(LinkInvitation):
    """A single-use link e-mailed to a new dermatologist or clinic manager by the clinic's manager."""

    LINK_PURPOSE = "staff-invitation"

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="staff_invitations")
    email = models.EmailField(help_text="Their work e-mail address. The e-mail holds only a link.")
    role = models.CharField(max_length=20, choices=Membership.Role.choices, default=Membership.Role.DERMATOLOGIST)

    class Meta(LinkInvitation.Meta):
        verbose_name = "staff invitation"

    def __str__(self):
        return f"Staff invitation to {self.clinic} for {self.email}"


class JoinRequest(models.Model):
    """A patient's request to join a clinic by its code, with the consent they gave when asking."""

    class Status(models.TextChoices):
        PENDING = "pending", "waiting for the clinic"
        ACCEPTED = "accepted", "accepted"
        DECLINED = "declined", "declined"
        CANCELLED = "cancelled", "cancelled by the patient"

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="join_requests")
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    consent_version = models.CharField(max_length=20)
    consented_at = models.DateTimeField()
    shares_photos = models.BooleanField(default=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "patient"], condition=Q(status="pending"), name="joinrequest_one_pending"
            )
        ]

    def __str__(self):
        return f"{display_name(self.patient)} asks to join {self.clinic}"


class ShareLinkQuerySet(models.QuerySet):
    def usable(self) -> "ShareLinkQuerySet":
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ShareLink(models.Model):
    """A read-only link to a summary of a period of the patient's diary, for a one-off visit elsewhere."""

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_links")
    label = models.CharField(max_length=80, blank=True, help_text="Who it is for, to recognise it later.")
    start = models.DateField()
    end = models.DateField()
    include_photos = models.BooleanField(default=False)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="sharelink_end_after_start"),
        ]

    def __str__(self):
        return f"Share link {self.pk} ({self.start} to {self.end})"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


def _check_dermatologist_of_clinic(obj: "CareLink | Invitation") -> None:
    """The dermatologist named on a patient link or an invitation works at that clinic."""
    if (
        obj.dermatologist_id
        and obj.clinic_id
        and not Membership.objects.filter(
            clinic_id=obj.clinic_id, user_id=obj.dermatologist_id, role=Membership.Role.DERMATOLOGIST
        ).exists()
    ):
        raise ValidationError({"dermatologist": "Choose a dermatologist of this clinic."})
