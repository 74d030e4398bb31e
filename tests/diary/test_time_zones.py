"""'Today' and 'late' are the patient's own: the hours around midnight, and a zone 14 hours ahead of UTC."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from diary import services
from diary.models import Entry
from diary.timezones import time_zone_aliases, time_zone_choices
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


# --- The list a patient chooses from (settings and sign-up) ------------------------------------


def _offered(choices) -> list[str]:
    return [v for value, label in choices for v, _ in (label if isinstance(label, list) else [(value, label)])]


def test_the_list_holds_current_canonical_zones_and_no_old_aliases():
    offered = _offered(time_zone_choices())

    for name in ["Europe/London", "America/New_York", "Asia/Kolkata", "Europe/Kyiv", "UTC", "Europe/Oslo"]:
        assert name in offered
    for alias in ["US/Eastern", "Asia/Calcutta", "GB", "Europe/Kiev", "Etc/GMT+5", "EST5EDT", "Asia/Saigon"]:
        assert alias not in offered
    assert len(offered) == len(set(offered)) < 450
    assert all(isinstance(zoneinfo.ZoneInfo(name), zoneinfo.ZoneInfo) for name in offered)


def test_the_list_is_utc_then_one_group_per_region_in_order():
    choices = time_zone_choices()

    assert choices[0] == ("UTC", "UTC")
    assert [group for group, _zones in choices[1:]] == [
        "Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific",
    ]  # fmt: skip
    for group, zones in choices[1:]:
        assert zones and all(value.startswith(group + "/") for value, _label in zones)
        assert [value for value, _label in zones] == sorted(value for value, _label in zones)
    assert ("Europe/London", "London") in dict(choices[1:])["Europe"]
    assert ("America/Argentina/Buenos_Aires", "Argentina, Buenos Aires") in dict(choices[1:])["America"]
    assert time_zone_choices() is time_zone_choices()  # computed once


def test_old_names_a_browser_may_report_map_to_their_current_name():
    aliases = time_zone_aliases()

    assert aliases["Asia/Calcutta"] == "Asia/Kolkata"
    assert aliases["Europe/Kiev"] == "Europe/Kyiv"
    assert aliases["US/Eastern"] == "America/New_York"
    assert aliases["GB"] == "Europe/London"
    assert aliases["Etc/UTC"] == "UTC"
    assert set(aliases.values()) <= set(_offered(time_zone_choices()))


def test_the_settings_page_renders_the_grouped_list_with_the_stored_zone_chosen(client, patient):
    client.force_login(patient.user)

    html = client.get(reverse("diary:settings")).content.decode()

    assert '<optgroup label="Europe">' in html and '<optgroup label="Pacific">' in html
    assert '<option value="Europe/London" selected>London</option>' in html
    assert 'value="Asia/Calcutta"' not in html


def test_saving_a_canonical_zone_works(client, patient):
    client.force_login(patient.user)

    response = client.post(reverse("diary:settings"), {"time_zone": "Asia/Kolkata", "name": "Alice"})

    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.time_zone == "Asia/Kolkata"


def test_a_patient_with_an_old_alias_stored_keeps_it_shown_and_can_save_other_settings(client):
    patient = PatientFactory(user__username="ravi", time_zone="Asia/Calcutta")
    client.force_login(patient.user)

    html = client.get(reverse("diary:settings")).content.decode()
    assert '<option value="Asia/Calcutta" selected>Asia/Calcutta (now called Asia/Kolkata)</option>' in html

    response = client.post(reverse("diary:settings"), {"time_zone": "Asia/Calcutta", "name": "Ravi"})

    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.time_zone, patient.user.get_full_name()) == ("Asia/Calcutta", "Ravi")


def test_another_patients_alias_is_still_refused(client, patient):
    client.force_login(patient.user)

    response = client.post(reverse("diary:settings"), {"time_zone": "Asia/Calcutta"})

    assert "Choose your time zone from the list" in response.content.decode()
    patient.refresh_from_db()
    assert patient.time_zone == "Europe/London"


def test_a_made_up_zone_gets_a_clear_error_and_the_other_fields_are_kept(client, patient):
    client.force_login(patient.user)

    typed = {"time_zone": "Mars/Base", "name": "Alice Typed", "callback_phone": "+44 20 7946 0018"}
    response = client.post(reverse("diary:settings"), typed)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose your time zone from the list: “Mars/Base” is not one of them." in html
    assert 'value="Alice Typed"' in html and 'value="+44 20 7946 0018"' in html
    patient.refresh_from_db()
    assert patient.time_zone == "Europe/London"


def test_sign_up_offers_the_grouped_list_with_the_browsers_zone_detection_and_aliases(client):
    html = client.get(reverse("signup")).content.decode()

    assert "data-detect-time-zone" in html
    assert "Asia/Calcutta&quot;:&quot;Asia/Kolkata" in html
    assert '<optgroup label="Asia">' in html and 'value="Asia/Calcutta"' not in html


def test_sign_up_refuses_an_alias_and_a_made_up_zone_but_keeps_what_was_typed(client):
    data = {
        "username": "carol",
        "email": "carol@example.org",
        "password1": "a-long-and-unusual-passphrase",
        "password2": "a-long-and-unusual-passphrase",
    }
    for zone in ["Mars/Olympus_Mons", "US/Eastern"]:
        html = client.post(reverse("signup"), {**data, "time_zone": zone}).content.decode()

        assert f"“{zone}” is not one of them" in html
        assert 'value="carol@example.org"' in html
        assert "data-detect-time-zone" not in html  # the browser does not overwrite a bound form
