"""A property-based sweep: hostile values in every form and every admin changelist query parameter never give
a 500 (a bug) or a 503 (reserved for a database that cannot be reached). Runs on SQLite here and on PostgreSQL
in CI (`make test-postgres`); examples are bounded to keep it to a few seconds."""

import datetime

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import (
    ApplicationFactory,
    BodyAreaFactory,
    DrugFactory,
    EntryFactory,
    ReactionFactory,
    SymptomFactory,
    TreatmentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SWEEP = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], derandomize=True
)

HOSTILE = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "abc",
            "\x00",
            "a\x00b",
            "1e309",
            "NaN",
            "99999999999999999999999999",
            "-99999999999999999999999999",
            "0001-01-01",
            "0002-01-01",
            "9999-12-31",
            "2026-02-30",
            "25:99",
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "\u202e\ufeff",
            "x" * 6000,
        ]
    ),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates(min_value=datetime.date(1, 1, 1)).map(str),
    st.text(max_size=20),
)


def _values(names):
    return st.fixed_dictionaries({name: st.one_of(HOSTILE, st.lists(HOSTILE, max_size=3)) for name in names})


@pytest.fixture
def patient_client(patient):
    client = Client(raise_request_exception=False)
    client.force_login(patient.user)
    return client


@pytest.fixture
def superuser_client(db):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def diary(patient):
    area, symptom = BodyAreaFactory(code="face", name="Face"), SymptomFactory(code="burning", name="Burning")
    course = TreatmentFactory(patient=patient, body_areas=[area], started_on=patient.today() - datetime.timedelta(9))
    entry = EntryFactory(patient=patient)
    application = ApplicationFactory(entry=entry, treatment=course, body_areas=[area])
    reaction = ReactionFactory(entry=entry, treatment=course, symptom=symptom, body_area=area)
    DrugFactory()
    return {"course": course, "application": application, "reaction": reaction, "day": entry.date}


def patient_forms(diary) -> list[tuple[str, list[str]]]:
    day = diary["day"]
    return [
        (
            reverse("diary:treatment-add"),
            [
                "drug",
                "strength",
                "body_areas",
                "schedule_times",
                "schedule_kind",
                "started_on",
                "ended_on",
                "usual_amount",
                "usual_unit",
                "instructions",
            ],
        ),
        (
            reverse("diary:treatment-edit", args=[diary["course"].pk]),
            ["drug", "body_areas", "started_on", "ended_on", "schedule_times", "usual_amount"],
        ),
        (reverse("diary:treatment-stop", args=[diary["course"].pk]), ["ended_on", "date"]),
        (reverse("diary:application-add", args=[day]), ["treatment", "time"]),
        (
            reverse("diary:application-edit", args=[diary["application"].pk]),
            ["treatment", "time", "body_areas", "amount", "unit"],
        ),
        (reverse("diary:reaction-add", args=[day]), ["symptom", "body_area", "treatment", "severity"]),
        (
            reverse("diary:reaction-edit", args=[diary["reaction"].pk]),
            ["symptom", "body_area", "treatment", "severity"],
        ),
        (reverse("diary:entry-save", args=[day]), ["itch", "notes"]),
        (reverse("diary:settings"), ["time_zone", "date_of_birth"]),
        (reverse("diary:day-pick"), ["date", "day"]),
        (reverse("diary:photo-compare"), ["before", "after", "area"]),
        (reverse("diary:history"), ["drug", "symptom", "before", "month", "page"]),
        (reverse("drugs:drug-list"), ["q", "page"]),
    ]


@SWEEP
@given(data=st.data())
def test_no_patient_form_or_page_gives_a_server_error(patient_client, diary, data):
    client = patient_client
    path, names = data.draw(st.sampled_from(patient_forms(diary)))
    values = data.draw(_values(names))
    method = data.draw(st.sampled_from(["get", "post"]))

    response = getattr(client, method)(path, values)

    assert response.status_code not in (500, 503), (method, path, values)


def changelists() -> list[tuple[str, list[str]]]:
    """Every admin changelist and the query parameters it understands: search, order, page, its filters, and
    lookups on its model's fields."""
    found = []
    for model in admin.site._registry:
        fields = [f.name for f in model._meta.get_fields() if f.concrete]
        params = ["q", "o", "p", "all", "e", "_popup", "status", "patient", "medicine"]
        params += [f"{name}{lookup}" for name in fields for lookup in ("", "__exact", "__contains", "__gte", "__in")]
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        found.append((url, params))
    return found


@SWEEP
@given(data=st.data())
def test_no_admin_changelist_query_gives_a_server_error(superuser_client, diary, data):
    client = superuser_client
    url, params = data.draw(st.sampled_from(changelists()))
    chosen = data.draw(st.lists(st.sampled_from(params), min_size=1, max_size=3, unique=True))
    values = data.draw(_values(chosen))

    response = client.get(url, values)

    assert response.status_code not in (500, 503), (url, values)
