"""The header and menu every page shows: their addresses are worked out once, and stay right."""

import datetime
import re

import pytest
from django.urls import reverse, set_script_prefix

from diary.context_processors import NAV_ROUTES, navigation
from diary.templatetags.diary_tags import fill
from tests.factories import ApplicationFactory, EntryFactory, ReactionFactory, TreatmentFactory

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


@pytest.mark.parametrize("path", [*MENU, "diary:settings", "diary:treatment-add"])
def test_the_menu_marks_the_page_shown_and_only_it(client, patient, path):
    client.force_login(patient.user)

    menu = client.get(reverse(path)).content.decode().split('<ul class="navbar-nav me-auto">', 1)[1].split("</ul>")[0]

    current = re.findall(r'class="nav-link active" aria-current="page" href="([^"]+)"', menu)
    assert current == ([] if path == "diary:treatment-add" else [reverse(path)])
    assert menu.count("aria-current") == len(current) and menu.count('class="nav-link"') == 8 - len(current)


def test_the_patients_menu_follows_the_prefix_and_marks_the_page_under_it(rf):
    set_script_prefix("/skin/")
    try:
        menu = navigation(rf.get("/skin/diary/history/"))["patient_menu"]
        unmarked = navigation(rf.get("/diary/history/"))["patient_menu"]
    finally:
        set_script_prefix("/")
    assert 'class="nav-link active" aria-current="page" href="/skin/diary/history/">History</a>' in menu
    assert 'href="/skin/">Today</a>' in menu and "aria-current" not in unmarked


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


DAY = datetime.date(2026, 3, 9)


def test_each_route_filled_with_a_day_or_a_row_is_the_address_reverse_gives(rf):
    routes = navigation(rf.get("/"))["nav"]["routes"]
    for key, (name, sample) in NAV_ROUTES.items():
        value = DAY if isinstance(sample, datetime.date) else 41
        assert fill(routes[key], value) == reverse(name, args=[value]), key
    assert fill(routes["photo_thumb"], 41) == reverse("diary:photo-file", args=[41, "thumb"])
    set_script_prefix("/skin/")
    try:
        under = navigation(rf.get("/"))["nav"]["routes"]
    finally:
        set_script_prefix("/")
    assert fill(under["day"], DAY) == "/skin" + reverse("diary:day", args=[DAY])


def test_the_day_pages_links_are_those_of_its_day_and_rows(client, patient):
    course = TreatmentFactory(patient=patient, started_on=DAY - datetime.timedelta(days=3))
    entry = EntryFactory(patient=patient, date=DAY)
    application = ApplicationFactory(entry=entry, treatment=course)
    reaction = ReactionFactory(entry=entry)
    client.force_login(patient.user)
    links = _links(client.get(reverse("diary:day", args=[DAY])))
    for name, args in [
        ("diary:day", [DAY - datetime.timedelta(days=1)]),
        ("diary:entry-delete", [DAY]),
        ("diary:application-edit", [application.pk]),
        ("diary:application-delete", [application.pk]),
        ("diary:reaction-edit", [reaction.pk]),
        ("diary:reaction-delete", [reaction.pk]),
        ("diary:photo-gallery", []),
    ]:
        assert reverse(name, args=args) in links, name
    page = client.get(reverse("diary:day", args=[DAY])).content.decode()
    for name in ["diary:application-add", "diary:reaction-add", "diary:entry-save"]:
        assert f'action="{reverse(name, args=[DAY])}' in page, name


def test_a_medicines_guide_route_filled_with_its_slug_is_the_medicines_own_address(rf, reference):
    from drugs.models import Drug

    routes = navigation(rf.get("/"))["nav"]["routes"]
    drugs = list(Drug.objects.all())
    assert drugs
    for drug in drugs:
        assert fill(routes["drug"], drug.slug) == drug.get_absolute_url()


HEAD = """  <link rel="stylesheet" href="{bootstrap_css}">
  <link rel="stylesheet" href="{app_css}">
  {extra_head}
  <link rel="icon" href="{icon}" type="image/svg+xml">
  <link rel="manifest" href="{manifest}">
  <link rel="apple-touch-icon" href="{touch_icon}">
  <meta name="theme-color" content="#0d6efd">
  <script src="{bootstrap_js}" defer></script>
  <script src="{app_js}" defer></script>
  <script src="{offline_js}" defer></script>
</head>"""


def _head(extra_head: str = "") -> str:
    from django.templatetags.static import static

    return HEAD.format(
        bootstrap_css=static("vendor/bootstrap/bootstrap.min.css"),
        app_css=static("css/app.css"),
        extra_head=extra_head,
        icon=static("img/icon.svg"),
        manifest=reverse("manifest"),
        touch_icon=static("img/icons/apple-touch-icon-180.png"),
        bootstrap_js=static("vendor/bootstrap/bootstrap.bundle.min.js"),
        app_js=static("js/app.js"),
        offline_js=static("js/offline.js"),
    )


def test_every_page_heads_style_sheets_icons_and_scripts_are_those_static_gives(client, patient, settings):
    client.force_login(patient.user)
    assert _head() in client.get(reverse("diary:history")).content.decode()
    summary_css = '<link rel="stylesheet" href="/static/css/summary.css">'  # a page's own, between the two
    assert _head(summary_css) in client.get(reverse("diary:summary")).content.decode()

    settings.STATIC_URL = "/assets/"  # another static address: the head follows it

    page = client.get(reverse("diary:history")).content.decode()
    assert _head() in page and 'href="/assets/css/app' in page
