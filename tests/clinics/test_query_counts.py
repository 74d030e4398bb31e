"""The care team's admin lists and the patient's sharing pages make the same queries however many patients,
clinics and invitations there are."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinics import services
from clinics.models import JoinRequest, Membership
from diary import admin_nav
from diary.permissions import ensure_clinic_managers_group, ensure_dermatologists_group
from tests.factories import ClinicFactory, PatientFactory, StaffFactory, assign, join_clinic

pytestmark = pytest.mark.django_db

ADMIN_LISTS = [
    "admin:clinics_clinic_changelist",
    "admin:clinics_membership_changelist",
    "admin:clinics_carelink_changelist",
    "admin:clinics_invitation_changelist",
    "admin:clinics_joinrequest_changelist",
    "admin:diary_patient_changelist",
    "admin:diary_flag_changelist",
    "admin:index",
]


def grow(n: int, derm, manager, patient_user):
    """n more clinics the staff work at, each with n patients, n invitations and a join request, and n
    share links of the patient, who shares with n more clinics; the same again at clinics they do not work at."""
    for k in range(n):
        for mine in (True, False):
            clinic = ClinicFactory()
            colleague = StaffFactory()
            join_clinic(colleague, clinic)
            if mine:
                join_clinic(derm, clinic)
                join_clinic(manager, clinic, Membership.Role.MANAGER)
            for _ in range(n):
                assign(PatientFactory(), colleague, clinic=clinic)
                services.invitation_send(
                    clinic=clinic, email=f"p{k}@example.org", dermatologist=colleague, invited_by=colleague
                )
            services.join_request_create(clinic=clinic, patient_user=PatientFactory().user, shares_photos=True)
            boss = manager if mine else StaffFactory(is_superuser=True)
            for role in Membership.Role.values:
                services.staff_invitation_send(clinic=clinic, email=f"s{k}@example.org", role=role, invited_by=boss)
        assign(patient_user.patient, colleague, clinic=clinic)
        services.share_link_create(
            patient_user=patient_user,
            start=patient_user.patient.today(),
            end=patient_user.patient.today(),
            days=1,
            include_photos=False,
        )


def queries(client, user, url) -> int:
    client.force_login(user)
    # Every page measured as a process's first view of the reference version: the reference-made parts and the
    # admin's app list made, not kept.
    caches["pages"].clear()
    caches["reference"].clear()
    admin_nav.forget()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def test_each_page_is_measured_as_a_first_view(client, db):
    """The admin's app list is kept per process (diary.admin_nav): a page counted after another test had built it
    made four queries fewer, and the growth test below failed or passed by the order the tests ran in."""
    manager = StaffFactory(username="mgr")
    manager.groups.add(ensure_clinic_managers_group())
    grow(1, StaffFactory(username="dr-grey"), manager, PatientFactory(user__username="alice").user)
    url = reverse("admin:clinics_clinic_changelist")

    assert queries(client, manager, url) == queries(client, manager, url)


def test_admin_lists_and_sharing_pages_cost_the_same_for_one_or_many(client, db):
    derm, manager = StaffFactory(username="dr-grey"), StaffFactory(username="mgr")
    derm.groups.add(ensure_dermatologists_group())
    manager.groups.add(ensure_clinic_managers_group())
    patient_user = PatientFactory(user__username="alice").user

    grow(1, derm, manager, patient_user)
    join_request = JoinRequest.objects.filter(clinic__memberships__user=manager).first()
    pages = [(user, reverse(name)) for user in (derm, manager) for name in ADMIN_LISTS]
    pages += [(manager, reverse("admin:clinics_joinrequest_change", args=[join_request.pk]))]
    pages += [(manager, reverse("admin:clinics_staffinvitation_changelist"))]
    pages += [(patient_user, reverse(name)) for name in ("diary:sharing", "clinics:join", "home")]
    small = [queries(client, user, url) for user, url in pages]

    grow(6, derm, manager, patient_user)
    big = [queries(client, user, url) for user, url in pages]

    assert dict(zip([url for _, url in pages], big, strict=True)) == dict(
        zip([url for _, url in pages], small, strict=True)
    )
