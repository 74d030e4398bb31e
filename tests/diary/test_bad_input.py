"""Hostile or absurd input gets a clear answer (a form error, a message or a 400), never a 500 or a 503."""

import pytest
from django.test import Client
from django.urls import reverse

from diary.models import Flag, Treatment
from tests.diary.test_admin import make_flag
from tests.factories import ApplicationFactory, EntryFactory, UserFactory

pytestmark = pytest.mark.django_db

HUGE_ID = "99999999999999999999999999"


@pytest.fixture
def superuser_client(db):
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def course_form(drug, area, **changes):
    return {
        "drug": drug.pk,
        "strength": drug.strength_list[0] if drug.strength_list else "",
        "body_areas": [area.pk],
        "schedule_times": 1,
        "schedule_kind": "daily",
        "usual_amount": "1",
        "usual_unit": "ftu",
        "instructions": "",
        **changes,
    }


@pytest.mark.parametrize(
    ("started_on", "message"),
    [
        ("0001-01-01", "Choose a start from 1900 on."),
        ("0001-01-20", "Choose a start from 1900 on."),
        ("0002-01-01", "Choose a start from 1900 on."),
        ("1899-12-31", "Choose a start from 1900 on."),
        ("9999-12-31", "A course can start at most a year from today."),
    ],
)
def test_a_course_start_out_of_bounds_is_a_form_error(client, patient, tacrolimus, face, started_on, message):
    client.force_login(patient.user)

    response = client.post(reverse("diary:treatment-add"), course_form(tacrolimus, face, started_on=started_on))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert started_on in response.content.decode()  # what was typed stays on the form
    assert not Treatment.objects.exists()


def test_a_course_end_too_far_ahead_is_a_form_error(client, patient, tacrolimus, face):
    client.force_login(patient.user)
    form = course_form(tacrolimus, face, started_on=str(patient.today()), ended_on="9999-12-31")

    response = client.post(reverse("diary:treatment-add"), form)

    assert response.status_code == 200
    assert "A course can end at most" in response.content.decode()
    assert not Treatment.objects.exists()


def test_a_course_from_today_is_still_accepted(client, patient, tacrolimus, face):
    client.force_login(patient.user)

    response = client.post(reverse("diary:treatment-add"), course_form(tacrolimus, face, started_on=patient.today()))

    assert response.status_code == 302
    assert Treatment.objects.filter(patient=patient).exists()


def test_a_huge_body_area_id_on_the_course_form_is_a_form_error(client, patient, tacrolimus, face):
    client.force_login(patient.user)
    form = course_form(tacrolimus, face, started_on=patient.today(), body_areas=[HUGE_ID])

    response = client.post(reverse("diary:treatment-add"), form)

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Treatment.objects.exists()


def test_a_huge_body_area_id_on_the_application_form_is_a_form_error(client, patient, course, face):
    application = ApplicationFactory(entry=EntryFactory(patient=patient), treatment=course, body_areas=[face])
    client.force_login(patient.user)
    form = {"treatment": course.pk, "time": "08:00", "body_areas": [HUGE_ID], "amount": "1", "unit": "ftu"}

    response = client.post(reverse("diary:application-edit", args=[application.pk]), form)

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert list(application.body_areas.all()) == [face]


@pytest.mark.parametrize("query", ["?start=9999-12-31", "?start=9999-12-30&end=9999-12-31", "?end=0001-01-01"])
def test_the_admin_timeline_with_dates_out_of_range_says_so(superuser_client, patient, query):
    response = superuser_client.get(reverse("admin:diary_patient_timeline", args=[patient.pk]) + query)

    assert response.status_code == 200
    assert "Those dates could not be used" in response.content.decode()


def test_an_admin_action_on_a_garbled_selection_answers_with_a_message(superuser_client, patient):
    flag = make_flag(patient)

    response = superuser_client.post(
        reverse("admin:diary_flag_changelist"),
        {"action": "acknowledge", "_selected_action": ["abc"]},
        follow=True,
    )

    assert response.status_code == 200
    assert "not a valid selection" in response.content.decode()
    flag.refresh_from_db()
    assert flag.status == Flag.Status.OPEN


@pytest.mark.parametrize(
    "path",
    ["/guide/?q=%00", "/guide/?q=rash%00", "/admin/diary/entry/?notes__contains=%00", "/diary/history/?drug=%00"],
)
def test_a_nul_byte_in_a_query_string_is_bad_input_not_an_outage(superuser_client, patient, path):
    response = superuser_client.get(path)

    assert response.status_code == 400


def test_a_nul_byte_in_a_posted_field_is_bad_input(client, patient):
    client.force_login(patient.user)

    response = client.post(reverse("diary:entry-save", args=[patient.today()]), {"notes": "itchy\x00", "itch": "3"})

    assert response.status_code in (200, 400)
    assert not patient.entries.filter(notes__contains="itchy").exists()
