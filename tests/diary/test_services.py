"""Services: every write, its ownership check, and the one hook flagging will use."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from diary import services
from diary.models import Application, Entry, Reaction, Treatment
from tests.diary.conftest import UTC, frozen
from tests.factories import ApplicationFactory, EntryFactory, ReactionFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 10, 9, 30, tzinfo=UTC)  # 09:30 in London (GMT)
TODAY = datetime.date(2026, 3, 10)


@pytest.fixture
def changed():
    with mock.patch("diary.services._diary_changed") as hook:
        yield hook


@pytest.fixture
def now():
    with frozen(NOW):
        yield NOW


def _dates(hook) -> set:
    assert hook.call_count == 1
    return set(hook.call_args.kwargs["dates"])


def test_recording_an_application_now_uses_the_courses_usual_areas_and_amount(patient, course, face, now, changed):
    application = services.application_create(patient=patient, treatment=course)

    assert application.applied_at == NOW
    assert application.entry.date == TODAY
    assert list(application.body_areas.all()) == [face]
    assert application.amount == course.usual_amount
    assert _dates(changed) == {TODAY}


def test_an_application_on_a_missed_day_is_recorded_at_noon_local_time(patient, course, now, changed):
    application = services.application_create(patient=patient, treatment=course, date=datetime.date(2026, 3, 8))

    assert application.applied_at == datetime.datetime(2026, 3, 8, 12, tzinfo=UTC)
    assert _dates(changed) == {datetime.date(2026, 3, 8)}


def test_recording_for_a_day_that_has_not_come_is_refused_and_writes_nothing(patient, course, now, changed):
    with pytest.raises(ValidationError):
        services.application_create(patient=patient, treatment=course, date=datetime.date(2026, 3, 11))

    assert not Entry.objects.exists()
    changed.assert_not_called()


def test_another_patients_course_cannot_be_recorded(patient, other_course, now, changed):
    with pytest.raises(services.NotYoursError):
        services.application_create(patient=patient, treatment=other_course)

    assert not Application.objects.exists()


def test_updating_an_application_keeps_it_on_its_day_at_the_new_time(patient, course, hands, now, changed):
    application = ApplicationFactory(entry=EntryFactory(patient=patient, date=TODAY), treatment=course)

    services.application_update(
        patient=patient,
        application=application,
        treatment=course,
        time=datetime.time(21, 15),
        body_areas=[hands],
        amount=Decimal(2),
        unit="g",
    )

    application.refresh_from_db()
    assert application.applied_at == datetime.datetime(2026, 3, 10, 21, 15, tzinfo=UTC)
    assert list(application.body_areas.all()) == [hands]
    assert application.grams == Decimal(2)
    assert _dates(changed) == {TODAY}


def test_deleting_an_application_tells_the_hook_its_day(patient, course, changed):
    application = ApplicationFactory(
        entry=EntryFactory(patient=patient, date=datetime.date(2026, 2, 2)), treatment=course
    )

    services.application_delete(patient=patient, application=application)

    assert not Application.objects.exists()
    assert _dates(changed) == {datetime.date(2026, 2, 2)}


def test_another_patients_application_cannot_be_deleted(patient, other_patient, other_course, changed):
    application = ApplicationFactory(entry=EntryFactory(patient=other_patient), treatment=other_course)

    with pytest.raises(services.NotYoursError):
        services.application_delete(patient=patient, application=application)
    assert Application.objects.exists()


def test_a_reaction_is_added_to_the_days_entry(patient, burning, face, course, now, changed):
    reaction = services.reaction_create(
        patient=patient, date=TODAY, symptom=burning, severity=2, body_area=face, treatment=course
    )

    assert reaction.entry == Entry.objects.get(patient=patient, date=TODAY)
    assert _dates(changed) == {TODAY}


def test_a_reaction_naming_another_patients_course_is_refused(patient, burning, other_course, now, changed):
    with pytest.raises(services.NotYoursError):
        services.reaction_create(patient=patient, date=TODAY, symptom=burning, severity=2, treatment=other_course)
    assert not Entry.objects.exists()


def test_a_reaction_of_severity_seven_is_refused_and_writes_nothing(patient, burning, now, changed):
    with pytest.raises(ValidationError):
        services.reaction_create(patient=patient, date=TODAY, symptom=burning, severity=7)

    assert not Reaction.objects.exists()
    changed.assert_not_called()


def test_a_reaction_can_be_changed_and_deleted(patient, burning, redness, changed):
    reaction = ReactionFactory(entry=EntryFactory(patient=patient, date=datetime.date(2026, 2, 2)), symptom=burning)

    services.reaction_update(
        patient=patient, reaction=reaction, symptom=redness, severity=3, body_area=None, treatment=None
    )
    reaction.refresh_from_db()
    assert (reaction.symptom, reaction.severity, reaction.body_area) == (redness, 3, None)

    services.reaction_delete(patient=patient, reaction=reaction)
    assert not Reaction.objects.exists()
    assert changed.call_count == 2


def test_saving_itch_and_notes_creates_the_entry_once(patient, now, changed):
    services.entry_update(patient=patient, date=TODAY, itch=4, notes="Itchy at night")
    services.entry_update(patient=patient, date=TODAY, itch=None, notes="Better")

    entry = Entry.objects.get()
    assert (entry.itch, entry.notes) == (None, "Better")
    assert changed.call_count == 2


def test_an_itch_score_of_eleven_is_refused(patient, now, changed):
    with pytest.raises(ValidationError):
        services.entry_update(patient=patient, date=TODAY, itch=11, notes="")
    changed.assert_not_called()


def test_deleting_an_entry_deletes_its_applications_and_reactions(patient, course, changed):
    entry = EntryFactory(patient=patient, date=datetime.date(2026, 2, 2))
    ApplicationFactory(entry=entry, treatment=course)
    ReactionFactory(entry=entry)

    services.entry_delete(patient=patient, entry=entry)

    assert not Entry.objects.exists() and not Application.objects.exists() and not Reaction.objects.exists()
    assert _dates(changed) == {datetime.date(2026, 2, 2)}


def test_another_patients_entry_cannot_be_deleted(patient, other_patient, changed):
    entry = EntryFactory(patient=other_patient)

    with pytest.raises(services.NotYoursError):
        services.entry_delete(patient=patient, entry=entry)
    assert Entry.objects.exists()


def _course_fields(**overrides):
    return {
        "strength": "0.1%",
        "schedule_kind": Treatment.ScheduleKind.DAILY,
        "schedule_times": 2,
        "started_on": datetime.date(2026, 3, 8),
        "ended_on": None,
        "instructions": "Thin layer",
        "usual_amount": Decimal("2.5"),
        "usual_unit": "ftu",
        **overrides,
    }


def test_creating_a_course_affects_every_day_from_its_start_to_today(patient, tacrolimus, face, now, changed):
    course = services.treatment_create(patient=patient, drug=tacrolimus, body_areas=[face], **_course_fields())

    assert list(course.body_areas.all()) == [face]
    assert _dates(changed) == {datetime.date(2026, 3, d) for d in (8, 9, 10)}


def test_a_course_ending_before_it_starts_is_refused(patient, tacrolimus, face, now, changed):
    with pytest.raises(ValidationError):
        services.treatment_create(
            patient=patient, drug=tacrolimus, body_areas=[face], **_course_fields(ended_on=datetime.date(2026, 3, 1))
        )
    assert not Treatment.objects.exists()


def test_moving_a_courses_start_affects_the_days_from_the_earlier_date_to_today(patient, course, face, now, changed):
    fields = _course_fields(started_on=datetime.date(2026, 3, 6))
    services.treatment_update(patient=patient, treatment=course, drug=course.drug, body_areas=[face], **fields)

    # The course started on 1 January; it now starts on 6 March: every day from 1 January was affected.
    assert min(_dates(changed)) == datetime.date(2026, 1, 1)
    assert max(_dates(changed)) == TODAY


def test_changing_only_the_instructions_does_not_touch_the_diary(patient, course, face, now, changed):
    fields = _course_fields(started_on=course.started_on, instructions="New words")
    services.treatment_update(patient=patient, treatment=course, drug=course.drug, body_areas=[face], **fields)

    changed.assert_not_called()


def test_stopping_a_course_ends_it_today_in_the_patients_zone(patient, course, now, changed):
    services.treatment_stop(patient=patient, treatment=course)

    course.refresh_from_db()
    assert course.ended_on == TODAY
    assert _dates(changed) == {TODAY}


def test_a_course_that_has_not_started_cannot_be_stopped(patient, course, now, changed):
    course.started_on = datetime.date(2026, 4, 1)
    course.save()

    with pytest.raises(ValidationError):
        services.treatment_stop(patient=patient, treatment=course)


def test_another_patients_course_cannot_be_stopped(patient, other_course, changed):
    with pytest.raises(services.NotYoursError):
        services.treatment_stop(patient=patient, treatment=other_course)


def test_the_diary_changed_hook_is_a_harmless_no_op(patient):
    assert services._diary_changed(patient=patient, dates={TODAY}) is None
