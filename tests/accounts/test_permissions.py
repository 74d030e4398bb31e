"""A staff member's permissions read in one prepared statement for Django's ModelBackend (accounts.permissions): the
same permissions as ModelBackend's own two queries for every kind of account, Django's code left to decide for a
superuser and an inactive account, and nothing kept beyond the request's user object."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.permissions import ALL_CACHE, GROUP_CACHE, USER_CACHE, read_permissions
from diary.permissions import ensure_dermatologists_group
from tests.factories import ClinicFactory, StaffFactory, clinic_staff


def fresh(user):
    """The user as a new request reads them (the permission caches live on the object)."""
    return get_user_model().objects.get(pk=user.pk)


def permission(label: str) -> Permission:
    app_label, codename = label.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@pytest.fixture
def people(db):
    staff = clinic_staff(ClinicFactory(name="Northside"))
    staff["inactive"].user_permissions.add(permission("clinics.view_clinic"))
    direct = StaffFactory(username="direct")
    direct.user_permissions.add(permission("clinics.view_clinic"), permission("diary.view_flag"))
    both = StaffFactory(username="both")  # a permission held directly and through a group too
    both.groups.add(ensure_dermatologists_group())
    both.user_permissions.add(permission("diary.view_flag"), permission("clinics.change_clinic"))
    return {
        **staff,
        "direct": direct,
        "both": both,
        "superuser": StaffFactory(username="root", is_superuser=True),
        "bare_staff": StaffFactory(username="bare"),
    }


def test_every_kind_of_account_has_the_permissions_modelbackend_reads(people):
    backend = ModelBackend()
    for name, user in people.items():
        ours, djangos = fresh(user), fresh(user)
        read_permissions(ours)
        assert ours.get_all_permissions() == djangos.get_all_permissions(), name
        assert backend.get_user_permissions(ours) == backend.get_user_permissions(fresh(user)), name
        assert backend.get_group_permissions(ours) == backend.get_group_permissions(fresh(user)), name
        for label in ("diary.view_flag", "clinics.view_clinic", "clinics.change_clinic", "auth.view_user"):
            assert ours.has_perm(label) == fresh(user).has_perm(label), (name, label)
    assert fresh(people["derm"]).get_all_permissions()  # the comparison is not between empty sets
    assert "clinics.change_clinic" in fresh(people["both"]).get_all_permissions()


def test_one_statement_and_then_modelbackend_asks_nothing(people):
    user, djangos = fresh(people["both"]), fresh(people["both"]).get_all_permissions()
    with CaptureQueriesContext(connection) as read:
        read_permissions(user)
    assert len(read) == 1
    with CaptureQueriesContext(connection) as asked:
        assert user.has_perm("diary.view_flag")
        assert user.get_all_permissions() == djangos
        assert not user.has_perm("auth.view_user")
    assert len(asked) == 0
    assert getattr(user, USER_CACHE) == {"diary.view_flag", "clinics.change_clinic"}
    assert "diary.view_flag" in getattr(user, GROUP_CACHE)


def test_superusers_and_inactive_accounts_are_left_to_djangos_code(people):
    for name in ("superuser", "inactive"):
        user = fresh(people[name])
        with CaptureQueriesContext(connection) as read:
            read_permissions(user)
        assert len(read) == 0, name
        assert not any(hasattr(user, cache) for cache in (USER_CACHE, GROUP_CACHE, ALL_CACHE)), name
    assert fresh(people["inactive"]).get_all_permissions() == set()


def test_permissions_modelbackend_has_read_already_are_not_read_again(people):
    user = fresh(people["derm"])
    user.get_all_permissions()  # ModelBackend's own read
    with CaptureQueriesContext(connection) as read:
        read_permissions(user)
    assert len(read) == 0


def test_an_admin_page_reads_the_permissions_in_one_statement(client, people):
    client.force_login(people["derm"])
    with CaptureQueriesContext(connection) as page:
        response = client.get(reverse("admin:clinics_clinic_changelist"))
    assert response.status_code == 200
    permission_reads = [query["sql"] for query in page.captured_queries if '"auth_permission"' in query["sql"]]
    assert len(permission_reads) == 1
    assert "UNION ALL" in permission_reads[0]


def test_a_permission_granted_or_withdrawn_shows_on_the_next_request(client, people):
    user = people["bare_staff"]
    client.force_login(user)
    clinics = reverse("admin:clinics_clinic_changelist")
    assert client.get(clinics).status_code == 403
    user.user_permissions.add(permission("clinics.view_clinic"))
    assert client.get(clinics).status_code == 200
    user.user_permissions.clear()
    assert client.get(clinics).status_code == 403


def test_a_group_joined_or_left_shows_on_the_next_request(client, people):
    user, group = people["bare_staff"], Group.objects.create(name="Readers")
    client.force_login(user)
    flags = reverse("admin:diary_flag_changelist")
    assert client.get(flags).status_code == 403
    user.groups.add(group)
    assert client.get(flags).status_code == 403  # the group grants nothing yet
    group.permissions.add(permission("diary.view_flag"))
    assert client.get(flags).status_code == 200
    user.groups.remove(group)
    assert client.get(flags).status_code == 403
