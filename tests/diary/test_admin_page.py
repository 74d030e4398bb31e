"""A changelist's `content` block written in Python (diary.admin_page): Django's own block, character for character,
for every list, user and address; Django's rendering wherever a template of the list's own says otherwise."""

import copy
import re

import pytest
from django.conf import settings
from django.contrib import admin as django_admin
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diary import admin_page
from diary.admin import FlagAdmin, PatientAdmin
from diary.models import Flag, Patient
from diary.permissions import ensure_dermatologists_group
from drugs.models import Urgency
from tests.diary.test_admin import diary_for, make_flag
from tests.factories import DrugFactory, PatientFactory, StaffFactory, assign, clinic_of, clinic_staff

QUEUE = "/admin/diary/flag/"
PATIENTS = "/admin/diary/patient/"

# Addresses of the queue and the patient list: pages (first, middle, last, out of range), sort orders (one column,
# several, reversed), filters (each kind, with facets shown), searches (matching, markup, nothing found), all rows.
ADDRESSES = [
    (QUEUE, {}),
    (QUEUE, {"p": "2"}),
    (QUEUE, {"p": "4"}),
    (QUEUE, {"p": "abc"}),
    (QUEUE, {"e": "1"}),
    (QUEUE, {"o": "2.-5"}),
    (QUEUE, {"o": "-3.1.6"}),
    (QUEUE, {"status": "all"}),
    (QUEUE, {"status": "resolved"}),
    (QUEUE, {"urgency__exact": str(Urgency.EMERGENCY)}),
    (QUEUE, {"drug__isnull": "True"}),
    (QUEUE, {"patient": "999999"}),
    (QUEUE, {"_facets": "True"}),
    (QUEUE, {"_facets": "True", "status": "open"}),
    (QUEUE, {"q": "burning"}),
    (QUEUE, {"q": '<b>"x" & y</b>'}),
    (QUEUE, {"q": "nobody at all"}),
    (QUEUE, {"all": ""}),
    (PATIENTS, {}),
    (PATIENTS, {"p": "2"}),
    (PATIENTS, {"o": "-3.1"}),
    (PATIENTS, {"o": "2"}),
    (PATIENTS, {"q": "amy"}),
    (PATIENTS, {"q": "<i>'"}),
    (PATIENTS, {"all": ""}),
]


@pytest.fixture
def people(dermatologist, patient):
    """A dermatologist with five patients and seven flags (one emergency, one resolved, one of any medicine), a
    manager of their clinic and a superuser; a list page holds two rows."""
    derm = dermatologist
    derm.groups.add(ensure_dermatologists_group())
    assign(patient, derm)
    diary_for(patient)
    drug = DrugFactory()
    for number in range(4):
        other = PatientFactory(user__first_name=f"Amy <{number}>", user__last_name="O'Neil")
        assign(other, derm)
        make_flag(other, drug=drug if number % 2 else None, urgency=Urgency.EMERGENCY if number == 1 else Urgency.SOON)
    make_flag(patient, status=Flag.Status.RESOLVED)
    make_flag(patient, rule_text="Burning <b>again</b> & more")
    staff = clinic_staff(clinic_of(derm))
    return {"derm": derm, "manager": staff["manager"], "superuser": StaffFactory(is_superuser=True)}


@pytest.fixture(autouse=True)
def _short_pages(monkeypatch):
    monkeypatch.setattr(FlagAdmin, "list_per_page", 2)
    monkeypatch.setattr(PatientAdmin, "list_per_page", 2)


def masked(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', response.text)


def both(client, path, query, monkeypatch):
    """The page with the blocks written here, then with Django's own blocks (its `change_list.html`: the content,
    the style links and the breadcrumbs), and the queries each made."""
    client.get(path, query, follow=True)  # the first page of a session reads what later pages find read
    written = []
    content_html = admin_page.content_html

    def recorded(*args, **kwargs):
        html = content_html(*args, **kwargs)
        written.append(html is not None)
        return html

    with monkeypatch.context() as patched, CaptureQueriesContext(connection) as ours:
        patched.setattr(admin_page, "content_html", recorded)
        page = client.get(path, query, follow=True)
    with monkeypatch.context() as patched, CaptureQueriesContext(connection) as djangos:
        for name in ("content_html", "extrastyle_html", "breadcrumbs_html"):
            patched.setattr(admin_page, name, lambda *args, **kwargs: None)
        expected = client.get(path, query, follow=True)
    return page, expected, written, len(ours), len(djangos)


@pytest.mark.parametrize("who", ["derm", "manager", "superuser"])
def test_the_queue_and_patient_list_are_djangos_page_at_every_address(client, people, who, monkeypatch):
    client.force_login(people[who])
    for path, query in ADDRESSES:
        page, expected, written, queries, djangos_queries = both(client, path, query, monkeypatch)
        assert page.status_code == expected.status_code == 200, (path, query)
        assert written == [True], (path, query)
        assert masked(page) == masked(expected), (path, query)
        assert queries <= djangos_queries, (path, query)


def test_the_pages_show_what_they_should(client, people, monkeypatch):
    # What the comparison above covers is there to be compared: the parts of the block, escaped.
    client.force_login(people["derm"])
    searched = client.get(QUEUE, {"q": '<b>"x"', "status": "all"}).text
    assert 'value="&lt;b&gt;&quot;x&quot;"' in searched and "Clear all filters" in searched
    sorted_page = client.get(QUEUE, {"o": "2.-5"}).text
    assert '<span class="sortpriority" title="Sorting priority: 1">1</span>' in sorted_page
    assert 'id="changelist-filter"' in sorted_page
    listing = client.get(QUEUE).text
    assert '<span class="this-page">1</span>' in listing and 'class="end">3</a>' in listing
    assert "Select all 6 flags" in listing and 'name="csrfmiddlewaretoken" value="' in listing
    assert 'class="showall"' in listing


def test_every_registered_list_is_djangos_page(client, people, monkeypatch):
    # Lists the block is not written for (an "add" link, a date hierarchy, third-party admins) get Django's.
    client.force_login(people["superuser"])
    written_for = set()
    for model in django_admin.site._registry:
        opts = model._meta
        path = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        page, expected, written, _, _ = both(client, path, {}, monkeypatch)
        assert page.status_code == expected.status_code == 200, model
        assert masked(page) == masked(expected), model
        if written == [True]:
            written_for.add(model)
    assert {Patient, Flag} <= written_for


def _templates_with(overrides: dict[str, str]) -> list[dict]:
    templates = copy.deepcopy(settings.TEMPLATES)
    django_engine = next(one for one in templates if one["BACKEND"].endswith("DjangoTemplates"))
    django_engine["APP_DIRS"] = False
    django_engine["OPTIONS"]["loaders"] = [
        ("django.template.loaders.locmem.Loader", overrides),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    return templates


@pytest.mark.parametrize(
    "overrides",
    [
        {
            "admin/diary/flag/change_list.html": (
                '{% extends "admin/change_list.html" %}{% block search %}<p>Our own search</p>{% endblock %}'
            )
        },
        {"admin/diary/flag/search_form.html": "<p>Our own search</p>"},
        {
            "admin/diary/flag/change_list.html": (
                '{% extends "admin/change_list.html" %}{% block breadcrumbs %}<p>Our own search</p>{% endblock %}'
                "{% block extrastyle %}{{ block.super }}<p>Our own search</p>{% endblock %}"
                "{% block object-tools-items %}<p>Our own search</p>{% endblock %}"
            )
        },
        {"admin/diary/pagination.html": "<p>Our own search</p>"},
        {"admin/filter.html": "<p>Our own search</p>"},
    ],
)
def test_a_list_with_a_template_of_its_own_gets_djangos_rendering(client, people, overrides, monkeypatch):
    client.force_login(people["derm"])
    with override_settings(TEMPLATES=_templates_with(overrides)):
        page, expected, written, _, _ = both(client, QUEUE, {}, monkeypatch)
    assert written == [False]
    assert "<p>Our own search</p>" in page.text
    assert masked(page) == masked(expected)
