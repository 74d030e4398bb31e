"""Diary pages: owner, another patient and an anonymous visitor for each, and bad input for each form."""

import datetime
import re

import pytest
from django.urls import reverse

from diary.models import Application, Entry, Reaction, Treatment
from drugs.models import Severity
from tests.diary.conftest import UTC, frozen
from tests.factories import ApplicationFactory, EntryFactory, ReactionFactory, TreatmentFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
TODAY = datetime.date(2026, 3, 10)
EARLIER = datetime.date(2026, 3, 7)


@pytest.fixture(autouse=True)
def now():
    with frozen(NOW):
        yield NOW


@pytest.fixture
def diary(patient, course, burning, face):
    """Alice's diary: an earlier day with an application and a reaction."""
    entry = EntryFactory(patient=patient, date=EARLIER, itch=3, notes="Dry patch")
    return {
        "entry": entry,
        "application": ApplicationFactory(entry=entry, treatment=course),
        "reaction": ReactionFactory(entry=entry, symptom=burning, body_area=face, severity=2),
        "course": course,
    }


# Pages about one of Alice's objects: another patient gets a 404, a visitor the login page.
OBJECT_PAGES = [
    ("get", "diary:application-edit", "application"),
    ("post", "diary:application-edit", "application"),
    ("get", "diary:application-delete", "application"),
    ("post", "diary:application-delete", "application"),
    ("get", "diary:reaction-edit", "reaction"),
    ("post", "diary:reaction-edit", "reaction"),
    ("get", "diary:reaction-delete", "reaction"),
    ("post", "diary:reaction-delete", "reaction"),
    ("get", "diary:treatment-edit", "course"),
    ("post", "diary:treatment-edit", "course"),
    ("post", "diary:treatment-stop", "course"),
    ("get", "diary:entry-delete", "entry"),
    ("post", "diary:entry-delete", "entry"),
]


def _object_url(name, key, diary):
    obj = diary[key]
    return reverse(name, args=[obj.date if key == "entry" else obj.pk])


def _counts():
    return (Entry.objects.count(), Application.objects.count(), Reaction.objects.count(), Treatment.objects.count())


@pytest.mark.parametrize(("method", "name", "key"), OBJECT_PAGES)
def test_another_patient_gets_a_404_for_each_page_about_the_owners_diary(
    client, other_patient, diary, method, name, key
):
    client.force_login(other_patient.user)
    before = _counts()

    response = getattr(client, method)(_object_url(name, key, diary))

    assert response.status_code == 404
    assert _counts() == before


@pytest.mark.parametrize(("method", "name", "key"), OBJECT_PAGES)
def test_an_anonymous_visitor_is_sent_to_log_in_from_each_page_about_a_diary(client, diary, method, name, key):
    url = _object_url(name, key, diary)
    before = _counts()

    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert _counts() == before


@pytest.mark.parametrize(("name", "key"), [(n, k) for m, n, k in OBJECT_PAGES if m == "get"])
def test_the_owner_opens_each_page_about_their_diary(client, patient, diary, name, key):
    client.force_login(patient.user)

    response = client.get(_object_url(name, key, diary))

    assert response.status_code == 200
    assert response.content.decode().count("<h1") == 1
    assert "no-store" in response["Cache-Control"]


# Pages of the signed-in patient's own diary: nothing of anyone else's can show on them.
OWN_PAGES = [
    ("get", "diary:day", [EARLIER]),
    ("get", "diary:history", []),
    ("get", "diary:treatment-list", []),
    ("get", "diary:treatment-add", []),
    ("get", "diary:settings", []),
    ("get", "diary:day-pick", []),
    ("post", "diary:application-add", [EARLIER]),
    ("post", "diary:reaction-add", [EARLIER]),
    ("post", "diary:entry-save", [EARLIER]),
]


@pytest.mark.parametrize(("method", "name", "args"), OWN_PAGES)
def test_an_anonymous_visitor_is_sent_to_log_in_from_each_diary_page(client, method, name, args):
    response = getattr(client, method)(reverse(name, args=args))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert _counts() == (0, 0, 0, 0)


@pytest.mark.parametrize("name", ["diary:day", "diary:history", "diary:treatment-list", "diary:treatment-add"])
def test_each_diary_page_shows_the_owner_their_diary(client, patient, diary, name):
    client.force_login(patient.user)

    response = client.get(reverse(name, args=[EARLIER] if name == "diary:day" else []))

    assert response.status_code == 200
    text = response.content.decode()
    assert text.count("<h1") == 1
    assert "Tacrolimus ointment" in text
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("name", ["diary:day", "diary:history", "diary:treatment-list"])
def test_another_patient_sees_none_of_the_owners_diary_on_their_own_pages(client, other_patient, diary, name):
    client.force_login(other_patient.user)

    response = client.get(reverse(name, args=[EARLIER] if name == "diary:day" else []))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Dry patch" not in text
    assert "Burning</strong>" not in text
    assert reverse("diary:application-edit", args=[diary["application"].pk]) not in text


def test_the_home_page_is_the_landing_page_for_a_visitor_and_today_for_a_patient(client, patient, course):
    assert "A daily diary for your skin treatment" in client.get(reverse("home")).content.decode()

    client.force_login(patient.user)
    text = client.get(reverse("home")).content.decode()
    assert "Tuesday 10 March 2026" in text
    assert "Applied now" in text
    assert "0 of 2 done today" in text


def test_the_navigation_marks_the_current_page(client, patient):
    client.force_login(patient.user)

    text = client.get(reverse("diary:history")).content.decode()

    assert f'aria-current="page" href="{reverse("diary:history")}"' in text
    assert f'aria-current="page" href="{reverse("home")}"' not in text


# --- Today and earlier days ----------------------------------------------------------------


def test_applied_now_records_an_application_and_offers_an_undo(client, patient, course):
    client.force_login(patient.user)

    response = client.post(reverse("diary:application-add", args=[TODAY]), {"treatment": course.pk}, follow=True)

    application = Application.objects.get()
    assert application.applied_at == NOW
    text = response.content.decode()
    assert "1 of 2 done today" in text
    assert reverse("diary:application-delete", args=[application.pk]) in text
    assert "Undo" in text

    client.post(reverse("diary:application-delete", args=[application.pk]))
    assert not Application.objects.exists()


def test_a_weekly_course_counts_days_this_week(client, patient, course):
    course.schedule_kind, course.schedule_times = "weekly", 3
    course.save()
    for day in (datetime.date(2026, 3, 9), datetime.date(2026, 3, 8)):  # Monday, and the Sunday before
        ApplicationFactory(entry=EntryFactory(patient=patient, date=day), treatment=course)
    client.force_login(patient.user)

    assert "1 of 3 this week" in client.get(reverse("home")).content.decode()


def test_a_missed_day_records_at_the_time_given(client, patient, course):
    client.force_login(patient.user)

    response = client.post(reverse("diary:application-add", args=[EARLIER]), {"treatment": course.pk, "time": "20:15"})

    assert response.status_code == 302
    assert Application.objects.get().applied_at == datetime.datetime(2026, 3, 7, 20, 15, tzinfo=UTC)


def test_a_missed_day_page_offers_noon_and_says_it_is_an_earlier_day(client, patient, course):
    client.force_login(patient.user)

    text = client.get(reverse("diary:day", args=[EARLIER])).content.decode()

    assert 'value="12:00"' in text
    assert "You are filling in an earlier day" in text
    assert "Applied now" not in text


def test_the_day_page_for_today_goes_home(client, patient):
    client.force_login(patient.user)

    assert client.get(reverse("diary:day", args=[TODAY]))["Location"] == reverse("home")


@pytest.mark.parametrize(
    "path", ["/diary/2026-03-11/", "/diary/2026-02-30/", "/diary/2026-13-01/", "/diary/0000-01-01/"]
)
def test_future_and_impossible_days_are_not_found(client, patient, path):
    client.force_login(patient.user)

    assert client.get(path).status_code == 404


@pytest.mark.parametrize("name", ["diary:application-add", "diary:reaction-add", "diary:entry-save"])
def test_nothing_can_be_written_on_a_future_day(client, patient, course, burning, name):
    client.force_login(patient.user)
    data = {"treatment": course.pk, "symptom": burning.pk, "severity": 1, "itch": 2}

    response = client.post(reverse(name, args=[datetime.date(2026, 3, 11)]), data)

    assert response.status_code == 404
    assert not Entry.objects.exists()


def test_an_entry_written_late_has_a_badge(client, patient):
    EntryFactory(patient=patient, date=datetime.date(2026, 3, 1), notes="Remembered")
    client.force_login(patient.user)

    assert "Recorded late" in client.get(reverse("diary:day", args=[datetime.date(2026, 3, 1)])).content.decode()
    assert "Recorded late" in client.get(reverse("diary:history")).content.decode()


def test_the_date_picker_goes_to_the_chosen_day(client, patient):
    client.force_login(patient.user)

    assert client.get(reverse("diary:day-pick"), {"date": "2026-03-07"})["Location"] == "/diary/2026-03-07/"
    assert client.get(reverse("diary:day-pick"), {"date": "2026-03-10"})["Location"] == reverse("home")


@pytest.mark.parametrize("value", ["2026-03-11", "2026-02-30", "soon", ""])
def test_the_date_picker_refuses_future_and_impossible_dates_with_a_message(client, patient, value):
    client.force_login(patient.user)

    response = client.get(reverse("diary:day-pick"), {"date": value}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("home")
    assert "alert-danger" in response.content.decode()


@pytest.mark.parametrize(
    ("value", "message"),
    [("2026-03-11", "You cannot fill in a day that has not come yet."), ("1899-12-31", "Choose a day from 1900 on.")],
)
def test_the_date_picker_says_why_a_day_cannot_be_filled_in(client, patient, value, message):
    client.force_login(patient.user)

    response = client.get(reverse("diary:day-pick"), {"date": value}, follow=True)

    assert message in response.content.decode()


def test_a_reaction_is_logged_by_tapping_its_severity(client, patient, burning, face):
    client.force_login(patient.user)

    response = client.post(
        reverse("diary:reaction-add", args=[TODAY]), {"symptom": burning.pk, "body_area": face.pk, "severity": "2"}
    )

    assert response.status_code == 302
    reaction = Reaction.objects.get()
    assert (reaction.symptom, reaction.severity, reaction.body_area, reaction.entry.date) == (burning, 2, face, TODAY)


@pytest.mark.parametrize("severity", ["7", "0", "", "severe"])
def test_a_bad_severity_is_an_error_beside_it_and_keeps_the_symptom_chosen(client, patient, burning, face, severity):
    client.force_login(patient.user)

    response = client.post(
        reverse("diary:reaction-add", args=[TODAY]), {"symptom": burning.pk, "body_area": face.pk, "severity": severity}
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="severity-error"' in text
    assert f'<option value="{burning.pk}" selected>' in text
    assert not Entry.objects.exists()


def test_another_patients_course_or_an_unknown_symptom_in_a_reaction_is_a_form_error(
    client, patient, other_course, burning
):
    client.force_login(patient.user)

    response = client.post(
        reverse("diary:reaction-add", args=[TODAY]), {"symptom": 999_999, "severity": "2", "treatment": other_course.pk}
    )

    assert response.status_code == 200
    assert "not one of yours" in response.content.decode()
    assert not Entry.objects.exists()


@pytest.mark.parametrize("treatment", ["other", "999999", "x", ""])
def test_applying_another_patients_or_an_unknown_course_writes_nothing(client, patient, other_course, treatment):
    client.force_login(patient.user)
    value = other_course.pk if treatment == "other" else treatment

    response = client.post(reverse("diary:application-add", args=[TODAY]), {"treatment": value})

    assert response.status_code == 200
    assert not Entry.objects.exists()


def test_an_impossible_time_on_a_missed_day_is_an_error_beside_it_and_is_kept(client, patient, course):
    client.force_login(patient.user)

    response = client.post(reverse("diary:application-add", args=[EARLIER]), {"treatment": course.pk, "time": "25:99"})

    assert response.status_code == 200
    text = response.content.decode()
    assert 'value="25:99"' in text
    assert f'id="time-{course.pk}-error"' in text
    assert not Application.objects.exists()


def test_a_bad_time_comes_back_on_its_own_course_only(client, patient, course, mometasone, face):
    second = TreatmentFactory(patient=patient, drug=mometasone, body_areas=[face], started_on=course.started_on)
    client.force_login(patient.user)

    response = client.post(reverse("diary:application-add", args=[EARLIER]), {"treatment": second.pk, "time": "25:99"})

    text = response.content.decode()
    assert text.count('value="25:99"') == 1
    assert text.count("invalid-feedback") == 1 and f'id="time-{second.pk}-error"' in text
    assert re.search(rf'id="time-{course.pk}"\s+value="12:00"', text)
    assert not Application.objects.exists()


def test_the_severity_buttons_are_the_severity_choices(client, patient):
    client.force_login(patient.user)

    text = client.get(reverse("home")).content.decode()

    for value, label in Severity.choices:
        assert f'name="severity" value="{value}" class="btn btn-lg btn-severity-{value}">{label}</button>' in text


@pytest.mark.parametrize("itch", ["11", "-1", "lots"])
def test_a_peak_itch_score_outside_0_to_10_is_refused_and_the_notes_are_kept(client, patient, itch):
    client.force_login(patient.user)

    response = client.post(reverse("diary:entry-save", args=[TODAY]), {"itch": itch, "notes": "Worse after swimming"})

    assert response.status_code == 200
    text = response.content.decode()
    assert "Choose a number from 0 to 10, or leave it not scored." in text
    assert "Worse after swimming" in text
    assert not Entry.objects.exists()


def test_itch_and_notes_are_saved(client, patient):
    client.force_login(patient.user)

    client.post(reverse("diary:entry-save", args=[EARLIER]), {"itch": "6", "notes": "Worse after swimming"})

    entry = Entry.objects.get()
    assert (entry.date, entry.itch, entry.notes) == (EARLIER, 6, "Worse after swimming")


# --- Editing and deleting ------------------------------------------------------------------


def test_the_owner_edits_an_application(client, patient, diary, hands):
    client.force_login(patient.user)
    application = diary["application"]

    response = client.post(
        reverse("diary:application-edit", args=[application.pk]),
        {"treatment": diary["course"].pk, "time": "07:45", "body_areas": [hands.pk], "amount": "3", "unit": "ftu"},
    )

    assert response["Location"] == reverse("diary:day", args=[EARLIER])
    application.refresh_from_db()
    assert application.applied_at == datetime.datetime(2026, 3, 7, 7, 45, tzinfo=UTC)
    assert list(application.body_areas.all()) == [hands]


def test_an_implausible_amount_is_refused_beside_the_field(client, patient, diary, face):
    client.force_login(patient.user)
    application = diary["application"]

    response = client.post(
        reverse("diary:application-edit", args=[application.pk]),
        {"treatment": diary["course"].pk, "time": "07:45", "body_areas": [face.pk], "amount": "40", "unit": "ftu"},
    )

    assert response.status_code == 200
    assert "more than anyone applies at once" in response.content.decode()
    application.refresh_from_db()
    assert application.amount == 1


def test_an_application_cannot_be_moved_to_another_patients_course(client, patient, diary, other_course, face):
    client.force_login(patient.user)
    application = diary["application"]

    response = client.post(
        reverse("diary:application-edit", args=[application.pk]),
        {"treatment": other_course.pk, "time": "07:45", "body_areas": [face.pk], "amount": "1", "unit": "ftu"},
    )

    assert response.status_code == 200
    application.refresh_from_db()
    assert application.treatment == diary["course"]


def test_the_owner_edits_a_reaction(client, patient, diary, redness):
    client.force_login(patient.user)
    reaction = diary["reaction"]

    response = client.post(reverse("diary:reaction-edit", args=[reaction.pk]), {"symptom": redness.pk, "severity": "3"})

    assert response.status_code == 302
    reaction.refresh_from_db()
    assert (reaction.symptom, reaction.severity, reaction.body_area) == (redness, 3, None)


def test_deletes_ask_first_and_happen_on_post(client, patient, diary):
    client.force_login(patient.user)

    page = client.get(reverse("diary:reaction-delete", args=[diary["reaction"].pk])).content.decode()
    assert "Yes, delete" in page
    assert Reaction.objects.exists()

    client.post(reverse("diary:reaction-delete", args=[diary["reaction"].pk]))
    client.post(reverse("diary:entry-delete", args=[EARLIER]))
    assert _counts()[:3] == (0, 0, 0)


# --- History -------------------------------------------------------------------------------


def test_history_lists_days_newest_first_with_severity_badges(client, patient, diary):
    EntryFactory(patient=patient, date=datetime.date(2026, 3, 9), notes="Newer day")
    client.force_login(patient.user)

    text = client.get(reverse("diary:history")).content.decode()

    assert text.index("Newer day") < text.index("Dry patch")
    assert "text-bg-orange" in text and "Moderate" in text


def test_history_filters_by_medicine_and_symptom(client, patient, diary, mometasone, face, redness):
    other = EntryFactory(patient=patient, date=datetime.date(2026, 3, 8), notes="Mometasone day")
    from tests.factories import TreatmentFactory

    ApplicationFactory(entry=other, treatment=TreatmentFactory(patient=patient, drug=mometasone, strength="0.1%"))
    ReactionFactory(entry=other, symptom=redness)
    client.force_login(patient.user)

    by_drug = client.get(reverse("diary:history"), {"drug": "tacrolimus-ointment"}).content.decode()
    by_symptom = client.get(reverse("diary:history"), {"symptom": "redness"}).content.decode()

    assert "Dry patch" in by_drug and "Mometasone day" not in by_drug
    assert "Mometasone day" in by_symptom and "Dry patch" not in by_symptom


@pytest.mark.parametrize(
    "params", [{"drug": "nonsense"}, {"symptom": "'; drop table"}, {"page": "-4"}, {"page": "abc"}, {"page": "999"}]
)
def test_bad_history_parameters_are_ignored_never_an_error(client, patient, diary, params):
    client.force_login(patient.user)

    response = client.get(reverse("diary:history"), params)

    assert response.status_code == 200
    assert "Dry patch" in response.content.decode()


# --- Treatments ----------------------------------------------------------------------------


def _course_form(medicine, area, **overrides):
    return {
        "drug": medicine.pk,
        "strength": "0.1%",
        "body_areas": [area.pk],
        "schedule_kind": "daily",
        "schedule_times": "2",
        "started_on": "2026-03-10",
        "ended_on": "",
        "usual_amount": "2.5",
        "usual_unit": "ftu",
        "instructions": "Thin layer, twice a day",
        **overrides,
    }


def test_the_add_form_shows_how_to_apply_each_medicine(client, patient, tacrolimus, face):
    client.force_login(patient.user)

    text = client.get(reverse("diary:treatment-add")).content.decode()

    assert "Apply a thin layer to the affected skin." in text
    assert f'data-drug-guide="{tacrolimus.pk}"' in text
    assert "js/diary.js" in text
    assert "<script>" not in text and 'style="' not in text


def test_a_patient_adds_a_course(client, patient, tacrolimus, face):
    client.force_login(patient.user)

    response = client.post(reverse("diary:treatment-add"), _course_form(tacrolimus, face))

    assert response["Location"] == reverse("diary:treatment-list")
    course = Treatment.objects.get()
    assert (course.patient, course.strength, course.schedule, list(course.body_areas.all())) == (
        patient,
        "0.1%",
        "twice a day",
        [face],
    )


def test_a_strength_of_another_medicine_is_refused_beside_the_field(client, patient, tacrolimus, mometasone, face):
    client.force_login(patient.user)

    response = client.post(reverse("diary:treatment-add"), _course_form(mometasone, face, strength="0.03%"))

    assert response.status_code == 200
    text = response.content.decode()
    assert "does not come in 0.03%" in text
    assert "Thin layer, twice a day" in text
    assert not Treatment.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ended_on": "2026-03-01"}, "cannot end before it starts"),
        ({"started_on": "2026-02-30"}, "Enter a valid date"),
        ({"schedule_times": "9"}, "less than or equal to 7"),
        ({"schedule_kind": "daily", "schedule_times": "7"}, "between 1 and 6 times a day"),
        ({"usual_amount": "99"}, "more than anyone applies"),
        ({"body_areas": []}, "Choose at least one body area"),
        ({"drug": "999999"}, "Select a valid choice"),
    ],
)
def test_bad_course_details_are_refused_with_a_reason(client, patient, tacrolimus, face, overrides, message):
    client.force_login(patient.user)

    response = client.post(reverse("diary:treatment-add"), _course_form(tacrolimus, face, **overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Treatment.objects.exists()


def test_a_patient_edits_a_course(client, patient, course, face):
    client.force_login(patient.user)

    response = client.post(
        reverse("diary:treatment-edit", args=[course.pk]),
        _course_form(course.drug, face, strength="0.03%", started_on="2026-01-01", schedule_times="1"),
    )

    assert response.status_code == 302
    course.refresh_from_db()
    assert (course.strength, course.schedule_times) == ("0.03%", 1)


def test_stop_today_ends_a_course_and_moves_it_to_past_tomorrow(client, patient, course):
    client.force_login(patient.user)

    client.post(reverse("diary:treatment-stop", args=[course.pk]))

    course.refresh_from_db()
    assert course.ended_on == TODAY
    with frozen(NOW + datetime.timedelta(days=1)):
        client.force_login(patient.user)  # a day later the idle session has expired
        response = client.get(reverse("diary:treatment-list"))
    assert response.context["past"] == [course]


def test_stop_today_is_offered_only_for_a_course_that_has_started_and_does_not_end_today(client, patient, course):
    """Stopping a course that ends today or has not started would change nothing: no button for those."""
    ends_today = TreatmentFactory(patient=patient, drug=course.drug, ended_on=TODAY)
    starts_tomorrow = TreatmentFactory(patient=patient, drug=course.drug, started_on=TODAY + datetime.timedelta(days=1))
    client.force_login(patient.user)

    html = client.get(reverse("diary:treatment-list")).content.decode()

    stop_forms = re.findall(r'action="/diary/treatments/(\d+)/stop/"', html)
    assert stop_forms == [str(course.pk)]
    assert {str(ends_today.pk), str(starts_tomorrow.pk)}.isdisjoint(stop_forms)


def test_stop_today_is_post_only(client, patient, course):
    client.force_login(patient.user)

    assert client.get(reverse("diary:treatment-stop", args=[course.pk])).status_code == 405


# --- Settings ------------------------------------------------------------------------------


def test_a_patient_sets_their_name_time_zone_and_call_back_phone_but_not_their_date_of_birth(client, patient):
    client.force_login(patient.user)

    response = client.post(
        reverse("diary:settings"),
        {
            "name": " Alice Example ",
            "time_zone": "Asia/Tokyo",
            "callback_phone": "+44 20 7946 0018",
            "date_of_birth": "1980-05-17",
        },
    )

    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.time_zone, patient.callback_phone, patient.date_of_birth) == (
        "Asia/Tokyo",
        "+44 20 7946 0018",
        None,
    )
    assert patient.user.get_full_name() == "Alice Example"
    assert 'name="date_of_birth"' not in client.get(reverse("diary:settings")).content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"time_zone": "Mars/Base"},
        {"time_zone": "UTC", "callback_phone": "call me maybe"},
        {"time_zone": "UTC", "callback_phone": "12"},
        {"name": "x" * 151, "time_zone": "UTC"},
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(client, patient, data):
    client.force_login(patient.user)

    response = client.post(reverse("diary:settings"), data)

    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    patient.refresh_from_db()
    assert patient.time_zone == "Europe/London"


def test_a_staff_account_without_a_diary_gets_a_404_on_diary_pages(client, dermatologist):
    client.force_login(dermatologist)

    assert client.get(reverse("diary:history")).status_code == 404


@pytest.mark.parametrize(
    "url",
    ["/", "/diary/2026-03-07/", "/diary/history/", "/diary/treatments/", "/diary/treatments/add/", "/diary/settings/"],
)
def test_diary_pages_carry_no_inline_script_or_style_for_a_strict_csp(client, patient, diary, url):
    client.force_login(patient.user)

    text = client.get(url).content.decode()

    assert "<script>" not in text
    assert "<script src=" in text
    assert " style=" not in text
    assert " on" + "click=" not in text


@pytest.mark.parametrize("path", ["/diary/0001-01-01/", "/diary/1899-12-31/", "/diary/0001-01-01/entry/"])
def test_days_before_1900_are_not_found(client, patient, path):
    client.force_login(patient.user)

    assert client.get(path).status_code in (404, 405)
    assert client.post(path, {"notes": "x"}).status_code == 404
    assert client.get(reverse("diary:day-pick"), {"date": "0001-01-01"})["Location"] == reverse("home")


def test_a_rule_only_the_service_knows_becomes_a_form_error_not_a_500(client, patient, monkeypatch):
    from django.core.exceptions import ValidationError

    from diary import services

    def refuse(**kwargs):
        raise ValidationError({"date": "You cannot fill in a day that has not come yet."})

    monkeypatch.setattr(services, "entry_update", refuse)
    client.force_login(patient.user)

    response = client.post(reverse("diary:entry-save", args=[TODAY]), {"itch": "3", "notes": "Kept"})

    assert response.status_code == 200
    text = response.content.decode()
    assert "You cannot fill in a day that has not come yet." in text
    assert "Kept" in text


def test_the_treatment_pages_link_to_the_drug_guide(client, patient, course):
    client.force_login(patient.user)

    assert "/guide/tacrolimus-ointment/" in client.get(reverse("diary:treatment-list")).content.decode()
    assert "/guide/tacrolimus-ointment/" in client.get(reverse("diary:treatment-add")).content.decode()


def test_a_course_not_active_on_the_day_cannot_be_recorded_there(client, patient, course):
    course.started_on = datetime.date(2026, 3, 8)
    course.save()
    client.force_login(patient.user)

    response = client.post(reverse("diary:application-add", args=[EARLIER]), {"treatment": course.pk})

    assert "was not active on this day" in response.content.decode()
    assert not Application.objects.exists()


def test_staff_on_the_patient_site_get_the_clinician_menu_and_no_patient_links(client, dermatologist):
    client.force_login(dermatologist)

    page = client.get(reverse("drugs:drug-list")).content.decode()

    assert reverse("admin:diary_flag_changelist") in page
    assert "Review queue" in page
    for name in ["diary:alert-list", "diary:history", "diary:settings", "diary:photo-gallery"]:
        assert reverse(name) not in page


def test_an_admin_photo_has_no_view_on_site_link_to_a_patient_page():
    from django.contrib import admin as django_admin

    from diary.models import Photo

    assert django_admin.site._registry[Photo].view_on_site is False


def _optgroups(page: str) -> dict[str, list[str]]:
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', page, re.S)
    return {label: re.findall(r"<option [^>]*>([^<]+)</option>", body) for label, body in groups}


def test_the_symptom_picker_is_grouped_with_the_courses_symptoms_first(client, patient, tacrolimus_course):
    from drugs.models import CommonSideEffect, WarningSign

    client.force_login(patient.user)

    groups = _optgroups(client.get(reverse("home")).content.decode())

    assert list(groups) == ["At the treated skin", "Elsewhere on the body", "Emergency signs"]
    assert "Difficulty breathing or swallowing" in groups["Emergency signs"]
    assert "Chest pain or pressure" in groups["Emergency signs"]
    assert "Difficulty breathing or swallowing" not in groups["At the treated skin"]
    assert "Headache" in groups["Elsewhere on the body"]
    drug = tacrolimus_course.drug
    listed = set(CommonSideEffect.objects.filter(drug=drug).values_list("symptom__name", flat=True)) | set(
        WarningSign.objects.filter(drug=drug).values_list("symptom__name", flat=True)
    )
    skin = groups["At the treated skin"]
    first_unlisted = next(i for i, name in enumerate(skin) if name not in listed)
    assert first_unlisted > 0
    assert all(name not in listed for name in skin[first_unlisted:])
    assert "Burning" in skin[:first_unlisted]
    assert sum(len(names) for names in groups.values()) == 48


def test_where_and_which_medicine_default_to_the_only_course(client, patient, tacrolimus_course):
    client.force_login(patient.user)

    page = client.get(reverse("home")).content.decode()

    assert re.search(r'<option value="\d+" selected>Face and neck</option>', page)
    assert re.search(rf'<option value="{tacrolimus_course.pk}" selected>', page)
