"""An application beyond what the course's schedule counts on a day is stored only once the patient confirms."""

import datetime

import pytest
from django.urls import reverse

from diary.models import Application
from tests.diary.conftest import UTC, frozen
from tests.factories import ApplicationFactory, EntryFactory, TreatmentFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 10, 19, 30, tzinfo=UTC)
TODAY = datetime.date(2026, 3, 10)
EARLIER = datetime.date(2026, 3, 7)
KEY = "extra-dose-key-1"


@pytest.fixture(autouse=True)
def now():
    with frozen(NOW):
        yield NOW


@pytest.fixture
def twice_done(patient, course):
    """Both of today's doses of a twice-a-day course are logged."""
    entry = EntryFactory(patient=patient, date=TODAY)
    ApplicationFactory.create_batch(2, entry=entry, treatment=course)
    return course


def _apply(client, course, day=TODAY, **extra):
    return client.post(
        reverse("diary:application-add", args=[day]), {"treatment": course.pk, "idempotency_key": KEY, **extra}
    )


def test_a_third_application_in_a_day_asks_first_and_stores_nothing(client, patient, twice_done):
    client.force_login(patient.user)

    response = _apply(client, twice_done)

    assert response.status_code == 200
    text = response.content.decode()
    assert "You have already applied Tacrolimus ointment twice today, as prescribed. Log another application?" in text
    assert f'name="idempotency_key" value="{KEY}"' in text  # the confirmation posts the same key
    assert Application.objects.count() == 2


def test_confirming_stores_one_application_once(client, patient, twice_done):
    client.force_login(patient.user)

    response = _apply(client, twice_done, extra_dose="yes")
    repeated = _apply(client, twice_done, extra_dose="yes")

    assert response.status_code == 302
    assert Application.objects.count() == 3
    assert repeated.status_code == 302  # the same key again: the first result, nothing more
    assert Application.objects.count() == 3


def test_a_repeat_of_a_stored_post_is_not_asked_again(client, patient, course):
    """The second dose stored by a post, then the same post again (a retry): it is answered, not questioned."""
    ApplicationFactory(entry=EntryFactory(patient=patient, date=TODAY), treatment=course)
    client.force_login(patient.user)

    first, retry = _apply(client, course), _apply(client, course)

    assert (first.status_code, retry.status_code) == (302, 302)
    assert Application.objects.count() == 2


def test_the_second_of_two_doses_is_not_questioned(client, patient, course):
    ApplicationFactory(entry=EntryFactory(patient=patient, date=TODAY), treatment=course)
    client.force_login(patient.user)

    assert _apply(client, course).status_code == 302
    assert Application.objects.count() == 2


def test_a_weekly_course_asks_before_a_second_application_on_one_day(client, patient, face, tacrolimus):
    weekly = TreatmentFactory(
        patient=patient,
        drug=tacrolimus,
        body_areas=[face],
        schedule_kind="weekly",
        schedule_times=3,
        started_on=datetime.date(2026, 1, 1),
    )
    ApplicationFactory(entry=EntryFactory(patient=patient, date=TODAY), treatment=weekly)
    client.force_login(patient.user)

    text = _apply(client, weekly).content.decode()

    assert "You have already applied Tacrolimus ointment once today, as prescribed." in text
    assert Application.objects.count() == 1


def test_a_past_day_names_the_day_and_keeps_the_time_typed(client, patient, course):
    entry = EntryFactory(patient=patient, date=EARLIER)
    ApplicationFactory.create_batch(3, entry=entry, treatment=course)
    client.force_login(patient.user)

    response = _apply(client, course, day=EARLIER, time="21:15")

    text = response.content.decode()
    assert "already applied Tacrolimus ointment 3 times on 7 March, and your schedule is twice a day." in text
    assert 'name="time" value="21:15"' in text
    assert f'href="{reverse("diary:day", args=[EARLIER])}"' in text  # "No, go back" stores nothing
    confirmed = _apply(client, course, day=EARLIER, time="21:15", extra_dose="yes")
    assert confirmed.status_code == 302
    assert Application.objects.filter(applied_at=datetime.datetime(2026, 3, 7, 21, 15, tzinfo=UTC)).count() == 1


def test_moving_an_application_onto_a_full_day_of_another_course_asks_first(
    client, patient, twice_done, face, mometasone
):
    other = TreatmentFactory(patient=patient, drug=mometasone, body_areas=[face], started_on=datetime.date(2026, 1, 1))
    application = ApplicationFactory(entry=twice_done.patient.entries.get(date=TODAY), treatment=other)
    client.force_login(patient.user)
    data = {"treatment": twice_done.pk, "time": "18:00", "body_areas": [face.pk], "amount": "1", "unit": "ftu"}
    url = reverse("diary:application-edit", args=[application.pk])

    asked = client.post(url, data)
    application.refresh_from_db()
    assert "Log another application?" in asked.content.decode()
    assert application.treatment == other

    assert client.post(url, {**data, "extra_dose": "yes"}).status_code == 302
    application.refresh_from_db()
    assert application.treatment == twice_done


def test_editing_an_application_without_changing_its_course_is_not_questioned(client, patient, twice_done, face):
    application = Application.objects.first()
    client.force_login(patient.user)
    data = {"treatment": twice_done.pk, "time": "08:00", "body_areas": [face.pk], "amount": "2", "unit": "ftu"}

    assert client.post(reverse("diary:application-edit", args=[application.pk]), data).status_code == 302


def test_another_patients_course_is_never_asked_about(client, patient, other_patient, other_course):
    ApplicationFactory.create_batch(2, entry=EntryFactory(patient=other_patient, date=TODAY), treatment=other_course)
    client.force_login(patient.user)

    response = _apply(client, other_course)

    assert "Log another application?" not in response.content.decode()
    assert Application.objects.count() == 2


def test_a_visitor_is_sent_to_log_in(client, course):
    response = _apply(client, course)

    assert response.status_code == 302 and "/login" in response["Location"]
