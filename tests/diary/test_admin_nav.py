"""The admin's sidebar: Django's app list, rendered once per distinct content (diary.admin_nav) and kept per
process; each user, page and language gets the sidebar Django would render for them."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.template import engines
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import reverse, set_script_prefix

from diary import admin_nav
from diary.permissions import ensure_dermatologists_group
from tests.factories import StaffFactory

SIDEBAR = re.compile(r'<nav class="sticky" id="nav-sidebar".*?</nav>', re.S)


@pytest.fixture(autouse=True)
def _empty_sidebar_cache():
    admin_nav.forget()
    yield
    admin_nav.forget()


@pytest.fixture
def derm(dermatologist):
    dermatologist.groups.add(ensure_dermatologists_group())
    return dermatologist


def sidebar_of(page) -> str:
    return SIDEBAR.search(page.text).group(0)


def djangos_sidebar(page) -> str:
    """What Django's own `admin/app_list.html` renders in the sidebar for this page's context."""
    return render_to_string(
        "admin/app_list.html",
        {"app_list": page.context["available_apps"], "show_changelinks": False, "request": page.wsgi_request},
    )


PAGES = ["admin:diary_flag_changelist", "admin:diary_patient_changelist", "admin:clinics_clinic_changelist"]


@pytest.mark.parametrize("who", ["derm", "superuser"])
def test_the_sidebar_is_what_django_renders_on_each_page_and_marks_the_current_one(request, client, db, who):
    user = request.getfixturevalue(who) if who == "derm" else StaffFactory(username="root", is_superuser=True)
    client.force_login(user)
    for _ in range(2):  # rendered, then from the cache
        for name in PAGES:
            page = client.get(reverse(name))
            assert page.status_code == 200
            assert djangos_sidebar(page) in sidebar_of(page), name
    flags = sidebar_of(client.get(reverse("admin:diary_flag_changelist")))
    assert f'<a href="{reverse("admin:diary_flag_changelist")}" aria-current="page">' in flags
    patients = sidebar_of(client.get(reverse("admin:diary_patient_changelist")))
    assert f'<a href="{reverse("admin:diary_flag_changelist")}" aria-current="page">' not in patients
    assert f'<a href="{reverse("admin:diary_patient_changelist")}" aria-current="page">' in patients


def test_another_user_with_other_permissions_gets_their_own_sidebar(client, derm):
    client.force_login(derm)
    derm_sidebar = sidebar_of(client.get(reverse("admin:diary_flag_changelist")))
    assert reverse("admin:auth_user_changelist") not in derm_sidebar
    client.force_login(StaffFactory(username="root", is_superuser=True))
    root_sidebar = sidebar_of(client.get(reverse("admin:diary_flag_changelist")))
    assert reverse("admin:auth_user_changelist") in root_sidebar
    client.force_login(derm)
    assert sidebar_of(client.get(reverse("admin:diary_flag_changelist"))) == derm_sidebar


def test_a_change_of_permissions_shows_in_the_next_page_s_sidebar(client, derm):
    client.force_login(derm)
    assert reverse("admin:auth_user_changelist") not in sidebar_of(client.get(reverse("admin:diary_entry_changelist")))
    derm.user_permissions.add(Permission.objects.get(codename="view_user"))
    assert reverse("admin:auth_user_changelist") in sidebar_of(client.get(reverse("admin:diary_entry_changelist")))
    derm.user_permissions.clear()
    assert reverse("admin:auth_user_changelist") not in sidebar_of(client.get(reverse("admin:diary_entry_changelist")))


def test_the_sidebar_follows_the_address_s_script_prefix_and_the_language(client, derm):
    client.force_login(derm)
    english = sidebar_of(client.get(reverse("admin:diary_flag_changelist")))
    set_script_prefix("/clinic/")
    try:
        prefixed = client.get("/admin/diary/flag/")
    finally:
        set_script_prefix("/")
    assert 'href="/clinic/admin/diary/flag/"' in sidebar_of(prefixed)
    assert djangos_sidebar(prefixed) in sidebar_of(prefixed)
    kept = len(admin_nav._kept)
    with override_settings(LANGUAGE_CODE="fr"):  # another language's sidebar is kept apart (the site runs in one)
        french = client.get(reverse("admin:diary_flag_changelist"))
        assert djangos_sidebar(french) in sidebar_of(french)
    assert len(admin_nav._kept) == kept + 1
    assert sidebar_of(client.get(reverse("admin:diary_flag_changelist"))) == english


# The header's links: Django's `userlinks` block, rendered once per distinct content with each request's CSRF token.
USER_TOOLS = re.compile(r'<div id="user-tools">.*?</form>.*?</button>', re.S)


def djangos_user_tools(page) -> str:
    """The header's user tools as Django's own `admin/base.html` renders them for this page's context."""
    html = (
        engines["django"]
        .from_string('{% extends "admin/base.html" %}')
        .render(
            {
                "user": page.context["user"],
                "site_url": page.context["site_url"],
                "has_permission": page.context["has_permission"],
                "csrf_token": page.context["csrf_token"],
            },
            page.wsgi_request,
        )
    )
    return USER_TOOLS.search(html).group(0)


def test_the_header_links_are_djangos_for_each_kind_of_user_with_each_requests_token(client, db, derm):
    no_password = StaffFactory(username="passkey-only")
    no_password.set_unusable_password()
    no_password.save()
    no_password.groups.add(ensure_dermatologists_group())
    seen = {}
    for _ in range(2):  # rendered, then from the cache
        for user in (derm, no_password, StaffFactory(username="root", is_superuser=True)):
            client.force_login(user)
            for name in ("admin:index", *PAGES):
                page = client.get(reverse(name))
                assert page.status_code == 200
                tools = USER_TOOLS.search(page.text).group(0)
                assert tools == djangos_user_tools(page), (user.username, name)
                seen.setdefault(user.username, set()).add(str(page.context["csrf_token"]))
    assert 'name="csrfmiddlewaretoken"' in tools
    assert len(admin_nav._links_kept) == 2  # with and without a usable password
    assert all(len(tokens) > 1 for tokens in seen.values())  # a new token each sign-in, each on its page


def test_a_page_without_a_password_link_and_one_with_it_do_not_share_the_header(client, db, derm):
    client.force_login(derm)
    assert "Change password" in client.get(reverse("admin:index")).text
    derm.set_unusable_password()
    derm.save()
    client.force_login(derm)
    page = client.get(reverse("admin:index"))
    assert "Change password" not in USER_TOOLS.search(page.text).group(0)


def test_the_header_links_follow_the_script_prefix_and_the_language(client, db, derm):
    client.force_login(derm)
    client.get(reverse("admin:index"))  # the links under "/" kept
    set_script_prefix("/clinic/")
    try:
        prefixed = client.get("/admin/")
        assert 'action="/clinic/admin/logout/"' in prefixed.text
        assert USER_TOOLS.search(prefixed.text).group(0) == djangos_user_tools(prefixed)
    finally:
        set_script_prefix("/")
    with override_settings(LANGUAGE_CODE="fr"):  # another language's links are kept apart (the site runs in one)
        french = client.get(reverse("admin:index"))
        assert USER_TOOLS.search(french.text).group(0) == djangos_user_tools(french)
    english = client.get(reverse("admin:index"))
    assert 'action="/admin/logout/"' in english.text
    assert USER_TOOLS.search(english.text).group(0) == djangos_user_tools(english)
