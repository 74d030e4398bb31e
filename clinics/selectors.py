"""Who may see a patient now: the one answer admin scoping, photo files, exports and alert e-mails use.

A staff member sees every patient with an active (consented, not withdrawn) link to a clinic they work at,
as a dermatologist or a clinic manager; photos only where the patient chose to share them. Superusers see
everyone. Withdrawing consent ends the link, so every reader stops at once.
"""

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, QuerySet

from clinics.models import (
    CareLink,
    Clinic,
    Invitation,
    JoinRequest,
    Membership,
    ShareLink,
    StaffInvitation,
    normalise_code,
)
from clinics.tokens import digest_of_link
from prepared import prepared


def patients_visible_to(user: AbstractBaseUser, *, photos: bool = False) -> QuerySet:
    """The user ids of the patients `user` may see now (their photos too, with photos=True)."""
    User = get_user_model()
    if not user.is_authenticated or not user.is_staff:
        return User.objects.none().values("pk")
    if user.is_superuser:
        return User.objects.values("pk")
    return patients_of_member(user_id=user.pk, photos=photos)


def patients_of_member(*, user_id: int, photos: bool = False) -> QuerySet:
    """The user ids of the patients a staff member (not a superuser) may see now: `patients_visible_to`'s rule for
    them, by the member's id (a prepared read passes it as its argument)."""
    return _links_of_member(user_id=user_id, photos=photos).values("patient_id")


def member_sees(*, user_id: int, patient_user_id: int | OuterRef, photos: bool = False) -> Exists:
    """`patients_of_member`'s rule asked of one patient (by user id, or an OuterRef to a query's patient user id):
    a few index probes, where `patient_user_id IN patients_of_member(...)` lists every patient of the member's
    clinics first. For a read of one patient or of a few rows; a list of many patients reads faster with the IN."""
    return Exists(_links_of_member(user_id=user_id, photos=photos).filter(patient_id=patient_user_id))


def _links_of_member(*, user_id: int, photos: bool) -> QuerySet[CareLink]:
    links = CareLink.objects.active().filter(clinic__memberships__user_id=user_id)
    if photos:
        links = links.filter(shares_photos=True)
    return links


def may_view_patient(*, user: AbstractBaseUser, patient_user: AbstractBaseUser, photos: bool = False) -> bool:
    """Whether `user` may see this patient's diary (or photos) now; the patient always may."""
    if user.is_authenticated and user.pk == patient_user.pk:
        return True
    if user.is_authenticated and user.is_staff and not user.is_superuser:  # the usual case: a prepared read
        member_sees = _member_sees_photos if photos else _member_sees
        return bool(member_sees(user_id=user.pk, patient_user_id=patient_user.pk))
    visible = patients_visible_to(user, photos=photos)
    return get_user_model().objects.filter(pk=patient_user.pk, pk__in=visible).exists()


@prepared
def _member_sees(*, user_id: int, patient_user_id: int):
    sees = member_sees(user_id=user_id, patient_user_id=OuterRef("pk"))
    return get_user_model().objects.filter(sees, pk=patient_user_id).values_list("pk")[:1]


@prepared
def _member_sees_photos(*, user_id: int, patient_user_id: int):
    sees = member_sees(user_id=user_id, patient_user_id=OuterRef("pk"), photos=True)
    return get_user_model().objects.filter(sees, pk=patient_user_id).values_list("pk")[:1]


def alert_recipients(*, patient_user: AbstractBaseUser) -> list[str]:
    """Where a patient's urgent alerts go: each linked clinic's assigned dermatologist (while still a
    dermatologist there) and the clinic's on-duty inbox; nobody once consent is withdrawn."""
    links = CareLink.objects.active().filter(patient=patient_user).select_related("clinic", "dermatologist")
    still_member = Membership.objects.filter(
        clinic=OuterRef("clinic"), user=OuterRef("dermatologist"), role=Membership.Role.DERMATOLOGIST
    )
    addresses: list[str] = []
    for link in links.annotate(dermatologist_is_member=Exists(still_member)):
        if link.dermatologist and link.dermatologist_is_member and link.dermatologist.email:
            addresses.append(link.dermatologist.email)
        if link.clinic.alert_email:
            addresses.append(link.clinic.alert_email)
    return sorted(set(addresses))


def clinics_of(user: AbstractBaseUser) -> QuerySet[Clinic]:
    return Clinic.objects.of_member(user)


def dermatologists_of(*, clinics: QuerySet[Clinic]) -> QuerySet:
    """Staff who are dermatologists at any of these clinics."""
    return (
        get_user_model()
        .objects.filter(clinic_memberships__clinic__in=clinics, clinic_memberships__role=Membership.Role.DERMATOLOGIST)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def managed_clinics(user: AbstractBaseUser) -> QuerySet[Clinic]:
    """Clinics whose people this user may manage (all for a superuser)."""
    if user.is_superuser:
        return Clinic.objects.all()
    return Clinic.objects.filter(memberships__user=user, memberships__role=Membership.Role.MANAGER)


@prepared
def _active_links(*, patient_user_id: int):
    return CareLink.objects.active().filter(patient_id=patient_user_id).select_related("clinic", "dermatologist")


def care_for(*, patient_user: AbstractBaseUser | int) -> list[CareLink]:
    """The patient's active links, with clinic and dermatologist, for pages that say who sees the diary (the user
    or their id)."""
    return _active_links(patient_user_id=patient_user if isinstance(patient_user, int) else patient_user.pk)


def care_history(*, patient_user: AbstractBaseUser) -> dict:
    """Everything the "who can see my diary" page lists: links (active and past), requests, share links."""
    links = CareLink.objects.filter(patient=patient_user).select_related("clinic", "dermatologist")
    staff = Membership.objects.select_related("user").order_by("role", "user__first_name", "user__username")
    active = list(links.active().prefetch_related(Prefetch("clinic__memberships", queryset=staff)))
    return {
        "active": active,
        "past": list(links.filter(withdrawn_at__isnull=False)),
        "requests": list(JoinRequest.objects.filter(patient=patient_user).select_related("clinic")[:20]),
        "share_links": list(ShareLink.objects.filter(patient=patient_user)[:20]),
    }


def invitation_by_link(link_token: str) -> Invitation | None:
    """The invitation a link stands for, whatever its state, or None for a forged or unknown link."""
    digest = digest_of_link(Invitation.LINK_PURPOSE, link_token)
    if digest is None:
        return None
    return Invitation.objects.select_related("clinic", "dermatologist").filter(token_digest=digest).first()


def staff_invitation_by_link(link_token: str) -> StaffInvitation | None:
    """The staff invitation a link stands for, whatever its state, or None for a forged or unknown link."""
    digest = digest_of_link(StaffInvitation.LINK_PURPOSE, link_token)
    if digest is None:
        return None
    return StaffInvitation.objects.select_related("clinic").filter(token_digest=digest).first()


def share_link_by_link(link_token: str) -> ShareLink | None:
    digest = digest_of_link("share", link_token)
    if digest is None:
        return None
    return ShareLink.objects.select_related("patient").filter(token_digest=digest).first()


def clinic_by_code(code: str) -> Clinic | None:
    return Clinic.objects.filter(code=normalise_code(code)).first()


def share_link_openings(links: list[ShareLink]) -> dict[int, tuple[int, object]]:
    """How often each share link was opened and when last (from the audit trail), by link id; one query."""
    rows = (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(ShareLink),
            object_id__in=[link.pk for link in links],
            action=LogEntry.Action.ACCESS,
        )
        .values("object_id")
        .annotate(times=Count("id"), last=Max("timestamp"))
    )
    return {row["object_id"]: (row["times"], row["last"]) for row in rows}
