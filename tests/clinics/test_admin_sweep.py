"""A sweep over every admin URL: clinic A's staff see nothing of clinic B (lists, object pages, custom pages)."""

import pytest
from django.contrib import admin
from django.urls import reverse

from clinics import services
from clinics.models import CareLink, Invitation, JoinRequest, Membership, ShareLink
from diary.models import Application, Flag, Patient
from diary.permissions import ensure_clinic_managers_group, ensure_dermatologists_group
from tests.factories import (
    ApplicationFactory,
    ClinicFactory,
    PatientFactory,
    PhotoFactory,
    ReactionFactory,
    StaffFactory,
    TreatmentFactory,
    assign,
    join_clinic,
)

pytestmark = pytest.mark.django_db

# Strings that belong to clinic B only: none may appear on any admin page clinic A's staff open.
SECRETS = ["zed-secret", "Zed Secretperson", "Southside Dermatology", "dr-white", "Ann Whitecoat", "hidden-invitee"]


def full_diary(patient):
    course = TreatmentFactory(patient=patient)
    application = ApplicationFactory(entry__patient=patient, treatment=course)
    reaction = ReactionFactory(entry=application.entry)
    photo = PhotoFactory(entry=application.entry)
    flag = Flag.objects.create(
        patient=patient,
        entry=application.entry,
        urgency=3,
        first_seen=application.entry.date,
        last_seen=application.entry.date,
        rule_text="Cold sores",
        advice="Contact your clinician today.",
    )
    return [patient, course, application.entry, application, reaction, photo, flag]


@pytest.fixture
def two_clinics(db):
    a, b = ClinicFactory(name="Northside Skin Clinic"), ClinicFactory(name="Southside Dermatology")
    derm_a = StaffFactory(username="dr-grey", first_name="Meredith", last_name="Grey")
    manager_a = StaffFactory(username="mgr-a", first_name="Pat", last_name="Manager")
    derm_b = StaffFactory(username="dr-white", first_name="Ann", last_name="Whitecoat")
    derm_a.groups.add(ensure_dermatologists_group())
    derm_b.groups.add(ensure_dermatologists_group())
    manager_a.groups.add(ensure_clinic_managers_group())
    join_clinic(manager_a, a, Membership.Role.MANAGER)
    boss_b = StaffFactory(username="dr-white-boss", is_superuser=True)
    mine = PatientFactory(user__username="alice", user__first_name="Alice", user__last_name="Example")
    theirs = PatientFactory(user__username="zed-secret", user__first_name="Zed", user__last_name="Secretperson")
    assign(mine, derm_a, clinic=a)
    assign(theirs, derm_b, clinic=b)
    b_rows = full_diary(theirs)
    full_diary(mine)
    b_rows += [
        services.invitation_send(clinic=b, email="hidden-invitee@example.org", dermatologist=derm_b, invited_by=derm_b),
        services.join_request_create(clinic=b, patient_user=PatientFactory().user, shares_photos=False),
        services.staff_invitation_send(
            clinic=b, email="hidden-invitee.staff@example.org", role=Membership.Role.MANAGER, invited_by=boss_b
        ),
        Membership.objects.get(user=derm_b),
        CareLink.objects.get(clinic=b),
        b,
    ]
    services.share_link_create(
        patient_user=theirs.user, start=theirs.today(), end=theirs.today(), days=1, include_photos=True
    )
    b_rows.append(ShareLink.objects.get())
    return {"staff": [derm_a, manager_a], "b_rows": b_rows, "patient_b": theirs}


def admin_urls_of(obj) -> list[str]:
    info = (obj._meta.app_label, obj._meta.model_name)
    urls = [reverse(f"admin:{info[0]}_{info[1]}_{view}", args=[obj.pk]) for view in ("change", "history", "delete")]
    if isinstance(obj, Patient):
        urls += [
            reverse("admin:diary_patient_timeline", args=[obj.pk]),
            reverse("admin:diary_patient_export", args=[obj.pk]),
        ]
    return urls


def refused(response) -> bool:
    """404, 403, or the admin's "does not exist" redirect to its index."""
    if response.status_code == 302:
        return response.url in (reverse("admin:index"), "/admin/")
    return response.status_code in (403, 404)


def test_every_admin_list_of_every_registered_model_shows_clinic_a_nothing_of_clinic_b(client, two_clinics):
    changelists = [reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist") for m in admin.site._registry]
    for user in two_clinics["staff"]:
        client.force_login(user)
        for url in [reverse("admin:index"), *changelists]:
            response = client.get(url)
            assert response.status_code in (200, 403), url
            leaked = [secret for secret in SECRETS if secret in response.content.decode()]
            assert leaked == [], f"{user} saw {leaked} on {url}"


def test_every_object_page_and_custom_page_of_clinic_b_is_refused_to_clinic_a(client, two_clinics):
    rows = [row for row in two_clinics["b_rows"] if type(row) in admin.site._registry]
    assert {type(row) for row in rows} >= {Patient, Flag, Application, CareLink, Invitation, JoinRequest, Membership}
    photo_b = next(row for row in rows if row._meta.model_name == "photo")
    flag_b = next(row for row in rows if isinstance(row, Flag))
    for user in two_clinics["staff"]:
        client.force_login(user)
        for row in rows:
            for url in admin_urls_of(row):
                assert refused(client.get(url)), f"{user} opened {url}"
        for kind in ("image", "thumb"):
            assert client.get(reverse("diary:photo-file", args=[photo_b.pk, kind])).status_code == 404
        review = client.post(reverse("admin:diary_flag_review", args=[flag_b.pk]), {"decision": "acknowledge"})
        assert review.status_code == 404
        assert Flag.objects.get(pk=flag_b.pk).status == Flag.Status.OPEN


def test_list_filters_and_searches_offer_nothing_of_clinic_b(client, two_clinics):
    for user in two_clinics["staff"]:
        client.force_login(user)
        for url in [
            reverse("admin:diary_flag_changelist") + "?status=all&q=zed",
            reverse("admin:diary_entry_changelist") + f"?patient={two_clinics['patient_b'].pk}",
            reverse("admin:clinics_carelink_changelist") + "?q=Secret",
            reverse("admin:clinics_invitation_changelist") + "?q=hidden",
        ]:
            text = client.get(url).content.decode()
            assert not [secret for secret in SECRETS if secret in text], url
