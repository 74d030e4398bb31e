"""The header and menu every page shows: their addresses are worked out once, and stay right."""

import re

import pytest
from django.urls import reverse, set_script_prefix

from diary.context_processors import navigation

pytestmark = pytest.mark.django_db

MENU = ["home", "diary:history", "diary:progress", "diary:treatment-list", "diary:photo-gallery", "diary:alert-list"]


def _links(response) -> list[str]:
    return re.findall(r'href="([^"]+)"', response.content.decode())


def test_a_patients_menu_links_to_each_page_and_marks_the_current_one(client, patient):
    client.force_login(patient.user)
    response = client.get(reverse("diary:history"))
    links = _links(response)
    for name in [*MENU, "diary:settings", "drugs:drug-list", "password_change", "manifest"]:
        assert reverse(name) in links
    assert f'aria-current="page" href="{reverse("diary:history")}"' in response.content.decode()
    assert f'action="{reverse("logout")}"' in response.content.decode()


def test_a_visitor_sees_log_in_and_sign_up_and_no_diary_pages(client):
    links = _links(client.get(reverse("drugs:drug-list")))
    assert reverse("login") in links and reverse("signup") in links
    assert reverse("diary:history") not in links


def test_the_menu_follows_the_prefix_the_site_is_served_under(rf):
    before = navigation(rf.get("/"))["nav"]  # worked out first without a prefix, then under one
    set_script_prefix("/skin/")
    try:
        under = navigation(rf.get("/"))["nav"]
    finally:
        set_script_prefix("/")
    assert (before["history"], under["history"]) == ("/diary/history/", "/skin/diary/history/")
    assert under["home"] == "/skin/" and navigation(rf.get("/"))["nav"]["home"] == "/"
