"""The day page reads the patient's courses once: the day's courses are chosen from them in Python
(`Treatment.is_active_on`), and the reaction form's course select lists them all."""

import datetime

import pytest
from django.urls import reverse

from diary import selectors
from diary.models import Treatment
from tests.factories import DrugFactory, TreatmentFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 10)


@pytest.fixture
def courses(patient, face):
    drug = DrugFactory(slug="emollient", generic_name="Emollient")
    spans = [
        (DAY - datetime.timedelta(days=40), DAY - datetime.timedelta(days=1)),  # ended the day before
        (DAY, None),  # starts that day
        (DAY - datetime.timedelta(days=5), DAY),  # ends that day
        (DAY + datetime.timedelta(days=1), None),  # starts the day after
        (DAY - datetime.timedelta(days=5), None),  # the same start as another: by id
        (DAY - datetime.timedelta(days=90), DAY + datetime.timedelta(days=90)),
    ]
    return [
        TreatmentFactory(patient=patient, drug=drug, body_areas=[face], started_on=start, ended_on=end)
        for start, end in spans
    ]


def test_the_days_courses_are_those_the_database_finds_running_in_the_same_order(patient, courses, other_patient):
    TreatmentFactory(patient=other_patient, started_on=DAY - datetime.timedelta(days=3))
    expected = list(Treatment.objects.filter(patient=patient).active_on(DAY).order_by("started_on", "id"))

    read_here = selectors.active_courses(patient=patient, day=DAY)
    given = selectors.active_courses(patient=patient, day=DAY, courses=selectors.courses_of(patient_id=patient.pk))

    assert read_here == given == expected
    assert len(expected) == 4
    assert [area.code for area in given[0].body_areas.all()] == ["face"]


def test_the_course_select_lists_every_course_of_the_patient_and_no_other(client, patient, course, other_course):
    ended = TreatmentFactory(
        patient=patient, drug=course.drug, started_on=datetime.date(2025, 1, 1), ended_on=datetime.date(2025, 2, 1)
    )
    client.force_login(patient.user)

    page = client.get(reverse("home")).content.decode()
    select = page[page.index('name="treatment"', page.index('id="reactions"')) :]
    select = select[: select.index("</select>")]

    assert f'value="{course.pk}"' in select
    assert f'value="{ended.pk}"' in select
    assert f'value="{other_course.pk}"' not in select
