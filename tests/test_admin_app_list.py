"""The admin's app list (every page's sidebar and the index), kept per distinct set of permissions
(diary.admin_nav.app_list): each user gets the list Django builds for them, and a change of permissions or of the
clinics a manager manages shows on the next page."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse

from clinics.models import Membership
from diary import admin_nav
from diary.permissions import ensure_clinic_managers_group
from tests.factories import ClinicFactory, StaffFactory, clinic_staff


@pytest.fixture(autouse=True)
def _empty_app_list_cache():
    admin_nav._apps_kept.clear()
    yield
    admin_nav._apps_kept.clear()


def fresh(user):
    """The user as a new request reads them (Django keeps the permission set on the user object)."""
    return get_user_model().objects.get(pk=user.pk)


def request_of(user, path="/admin/"):
    request = RequestFactory().get(path)
    request.user = fresh(user)
    return request


def djangos_app_list(user, app_label=None):
    return admin.AdminSite.get_app_list(admin.site, request_of(user), app_label)


def ours(user, app_label=None):
    return admin.site.get_app_list(request_of(user), app_label)


def model_names(app_list) -> set[str]:
    return {model["object_name"] for app in app_list for model in app["models"]}


@pytest.fixture
def people(db):
    no_clinic_manager = StaffFactory(username="manager-without-a-clinic")
    no_clinic_manager.groups.add(ensure_clinic_managers_group())
    return {
        **clinic_staff(ClinicFactory(name="Northside")),
        "no_clinic_manager": no_clinic_manager,
        "superuser": StaffFactory(username="root", is_superuser=True),
        "bare_staff": StaffFactory(username="bare"),
    }


def test_each_user_gets_the_list_django_builds_for_them_built_and_then_kept(people):
    for _ in range(2):  # built, then from the cache
        for name, user in people.items():
            assert ours(user) == djangos_app_list(user), name
            assert ours(user, "clinics") == djangos_app_list(user, "clinics"), name
    assert len(admin_nav._apps_kept) == 2 * len(people)
    assert "StaffInvitation" in model_names(ours(people["manager"]))
    assert "StaffInvitation" not in model_names(ours(people["no_clinic_manager"]))
    assert "User" in model_names(ours(people["superuser"]))
    assert "User" not in model_names(ours(people["derm"]))
    assert ours(people["inactive"]) == []


def test_a_manager_who_stops_managing_a_clinic_loses_its_pages_at_once(people):
    manager = people["manager"]
    assert "StaffInvitation" in model_names(ours(manager))
    Membership.objects.filter(user=manager).update(role=Membership.Role.DERMATOLOGIST)
    assert "StaffInvitation" not in model_names(ours(manager))
    assert ours(manager) == djangos_app_list(manager)


def test_a_permission_granted_or_withdrawn_shows_on_the_next_page(people, client):
    derm = people["derm"]
    client.force_login(derm)
    users = reverse("admin:auth_user_changelist")
    assert users not in client.get(reverse("admin:index")).text
    derm.user_permissions.add(Permission.objects.get(codename="view_user"))
    assert users in client.get(reverse("admin:index")).text
    assert ours(derm) == djangos_app_list(derm)
    derm.user_permissions.clear()
    assert users not in client.get(reverse("admin:index")).text


def test_a_caller_that_changes_its_list_does_not_change_the_next_one(people):
    derm = people["derm"]
    first = ours(derm)
    first[0]["models"].clear()
    first[0]["models"].append({"name": "tampered"})
    first.append({"name": "extra"})
    assert ours(derm) == djangos_app_list(derm)


def test_the_index_page_lists_what_django_lists(people, client):
    for user in (people["derm"], people["manager"], people["superuser"]):
        client.force_login(user)
        page = client.get(reverse("admin:index"))
        assert page.status_code == 200
        assert page.context["app_list"] == djangos_app_list(user)
        assert page.context["available_apps"] == djangos_app_list(user)
