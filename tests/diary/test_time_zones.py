"""'Today' and 'late' are the patient's own: the hours around midnight, and a zone 14 hours ahead of UTC."""

import datetime

import pytest
from django.urls import reverse

from diary import services
from diary.models import Entry
from tests.diary.conftest import UTC, frozen
from tests.factories import PatientFactory, TreatmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kiritimati(db):
    """A patient on Kiritimati (Line Islands), UTC+14: the first place where a new day begins."""
    return PatientFactory(user__username="kiri", time_zone="Pacific/Kiritimati")


@pytest.mark.parametrize(
    ("utc", "local_day"),
    [
        (datetime.datetime(2026, 3, 9, 9, 59, tzinfo=UTC), datetime.date(2026, 3, 9)),  # 23:59 local
        (datetime.datetime(2026, 3, 9, 10, 0, tzinfo=UTC), datetime.date(2026, 3, 10)),  # 00:00 local
        (datetime.datetime(2026, 3, 9, 10, 1, tzinfo=UTC), datetime.date(2026, 3, 10)),  # 00:01 local
    ],
)
def test_a_patient_14_hours_ahead_starts_a_new_day_at_their_own_midnight(kiritimati, utc, local_day):
    with frozen(utc):
        assert kiritimati.today() == local_day


def test_applied_now_just_after_local_midnight_lands_on_the_new_local_day(kiritimati, tacrolimus, face):
    course = TreatmentFactory(patient=kiritimati, drug=tacrolimus, body_areas=[face])

    with frozen(datetime.datetime(2026, 3, 9, 10, 5, tzinfo=UTC)):  # 00:05 on 10 March in Kiritimati
        application = services.application_create(patient=kiritimati, treatment=course)

    assert application.entry.date == datetime.date(2026, 3, 10)


def test_the_home_page_shows_the_patients_date_while_it_is_still_yesterday_in_utc(client, kiritimati):
    client.force_login(kiritimati.user)

    with frozen(datetime.datetime(2026, 3, 9, 22, 0, tzinfo=UTC)):  # 12:00 on 10 March in Kiritimati
        text = client.get(reverse("home")).content.decode()

    assert "Tuesday 10 March 2026" in text


def test_a_day_that_is_tomorrow_in_utc_is_already_today_for_the_patient(client, kiritimati):
    client.force_login(kiritimati.user)

    with frozen(datetime.datetime(2026, 3, 9, 22, 0, tzinfo=UTC)):
        assert client.get(reverse("diary:day", args=["2026-03-10"]))["Location"] == reverse("home")
        assert client.get(reverse("diary:day", args=["2026-03-11"])).status_code == 404
        client.post(reverse("diary:entry-save", args=["2026-03-10"]), {"itch": "2", "notes": ""})

    assert Entry.objects.get().date == datetime.date(2026, 3, 10)


def test_a_patient_behind_utc_cannot_write_on_the_utc_date_until_their_own_midnight(client, other_patient):
    client.force_login(other_patient.user)  # New York, UTC-5 in January

    with frozen(datetime.datetime(2026, 1, 15, 3, 0, tzinfo=UTC)):  # 22:00 on 14 January in New York
        response = client.post(reverse("diary:entry-save", args=["2026-01-15"]), {"itch": "2", "notes": ""})

    assert response.status_code == 404
    assert not Entry.objects.exists()


@pytest.mark.parametrize(
    ("utc", "late"),
    [
        # 12 March 09:59 UTC is 23:59 on 12 March in Kiritimati: two days after 10 March, on time.
        (datetime.datetime(2026, 3, 12, 9, 59, tzinfo=UTC), False),
        # 12 March 10:00 UTC is 00:00 on 13 March there: three days after, late.
        (datetime.datetime(2026, 3, 12, 10, 0, tzinfo=UTC), True),
    ],
)
def test_late_is_decided_at_the_patients_midnight(kiritimati, utc, late):
    with frozen(utc):
        entry = services.entry_update(patient=kiritimati, date=datetime.date(2026, 3, 10), itch=None, notes="")

    assert entry.is_late is late


def test_a_day_started_on_time_stays_on_time_when_more_is_added_later(patient):
    with frozen(datetime.datetime(2026, 3, 10, 20, tzinfo=UTC)):
        services.entry_update(patient=patient, date=datetime.date(2026, 3, 10), itch=1, notes="")
    with frozen(datetime.datetime(2026, 3, 20, 20, tzinfo=UTC)):
        entry = services.entry_update(patient=patient, date=datetime.date(2026, 3, 10), itch=2, notes="added later")

    assert not entry.is_late


def test_stop_today_uses_the_patients_date(kiritimati, tacrolimus, face):
    course = TreatmentFactory(patient=kiritimati, drug=tacrolimus, body_areas=[face])

    with frozen(datetime.datetime(2026, 3, 9, 23, 0, tzinfo=UTC)):  # 13:00 on 10 March there
        services.treatment_stop(patient=kiritimati, treatment=course)

    course.refresh_from_db()
    assert course.ended_on == datetime.date(2026, 3, 10)


def test_a_london_application_across_the_clock_change_keeps_its_local_day(patient, course):
    # Clocks go forward at 01:00 UTC on 29 March 2026; 00:30 local on the 29th is still GMT.
    with frozen(datetime.datetime(2026, 3, 29, 0, 30, tzinfo=UTC)):
        application = services.application_create(patient=patient, treatment=course)
    with frozen(datetime.datetime(2026, 3, 29, 23, 30, tzinfo=UTC)):  # 00:30 BST on 30 March
        later = services.application_create(patient=patient, treatment=course)

    assert application.entry.date == datetime.date(2026, 3, 29)
    assert later.entry.date == datetime.date(2026, 3, 30)
