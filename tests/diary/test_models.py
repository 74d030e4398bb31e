"""One-row invariants: model validation and the database's own constraints."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from diary import flagging
from diary.models import AmountUnit, Application, Entry, Flag, Reaction, Treatment
from tests.diary.conftest import UTC, frozen
from tests.factories import ApplicationFactory, EntryFactory, ReactionFactory, TreatmentFactory

pytestmark = pytest.mark.django_db


def _refused_by_database(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_the_database_keeps_one_entry_per_patient_per_day(patient):
    EntryFactory(patient=patient, date=datetime.date(2026, 3, 1))

    _refused_by_database(lambda: Entry.objects.create(patient=patient, date=datetime.date(2026, 3, 1)))


def test_two_patients_may_each_have_an_entry_on_the_same_day(patient, other_patient):
    EntryFactory(patient=patient, date=datetime.date(2026, 3, 1))
    EntryFactory(patient=other_patient, date=datetime.date(2026, 3, 1))

    assert Entry.objects.count() == 2


def test_an_entry_for_a_day_after_the_patients_today_is_invalid(patient):
    with frozen(datetime.datetime(2026, 3, 1, 12, tzinfo=UTC)):
        entry = Entry(patient=patient, date=datetime.date(2026, 3, 2))
        with pytest.raises(ValidationError) as error:
            entry.full_clean()
    assert "date" in error.value.message_dict


def test_an_itch_score_above_ten_is_refused_by_validation_and_the_database(patient):
    entry = EntryFactory.build(patient=patient, date=datetime.date(2026, 1, 5), itch=11)
    with pytest.raises(ValidationError):
        entry.full_clean()
    _refused_by_database(lambda: Entry.objects.create(patient=patient, date=datetime.date(2026, 1, 5), itch=11))


def test_a_severity_of_seven_is_refused_by_validation_and_the_database(patient, burning, face):
    entry = EntryFactory(patient=patient, date=datetime.date(2026, 1, 5))
    with pytest.raises(ValidationError):
        Reaction(entry=entry, symptom=burning, severity=7, body_area=face).full_clean()
    _refused_by_database(lambda: Reaction.objects.create(entry=entry, symptom=burning, severity=7, body_area=face))


def test_a_course_that_ends_before_it_starts_is_refused(course):
    course.ended_on = course.started_on - datetime.timedelta(days=1)

    with pytest.raises(ValidationError) as error:
        course.full_clean()
    assert "ended_on" in error.value.message_dict
    _refused_by_database(course.save)


def test_a_course_may_end_on_the_day_it_starts(course):
    course.ended_on = course.started_on
    course.full_clean()
    course.save()


def test_a_strength_the_medicine_does_not_come_in_is_refused(course):
    course.strength = "5%"

    with pytest.raises(ValidationError) as error:
        course.full_clean()
    assert "strength" in error.value.message_dict


def test_a_schedule_of_eight_days_a_week_is_refused(course):
    course.schedule_kind = Treatment.ScheduleKind.WEEKLY
    course.schedule_times = 8

    with pytest.raises(ValidationError):
        course.full_clean()
    _refused_by_database(course.save)


def test_an_application_time_on_another_day_in_the_patients_zone_is_refused(course):
    entry = EntryFactory(patient=course.patient, date=datetime.date(2026, 6, 1))  # London is UTC+1 in June
    application = Application(
        entry=entry,
        treatment=course,
        applied_at=datetime.datetime(2026, 6, 1, 23, 30, tzinfo=UTC),  # 00:30 on 2 June in London
        amount=Decimal(1),
        unit=AmountUnit.FTU,
    )

    with pytest.raises(ValidationError) as error:
        application.full_clean()
    assert "applied_at" in error.value.message_dict


def test_an_application_just_after_local_midnight_belongs_to_that_day(course):
    entry = EntryFactory(patient=course.patient, date=datetime.date(2026, 6, 2))
    application = ApplicationFactory.build(
        entry=entry, treatment=course, applied_at=datetime.datetime(2026, 6, 1, 23, 30, tzinfo=UTC)
    )

    application.full_clean()


@pytest.mark.parametrize(
    ("amount", "unit"),
    [(Decimal(0), AmountUnit.FTU), (Decimal(-1), AmountUnit.GRAMS), (Decimal(31), AmountUnit.FTU), (Decimal(16), "g")],
)
def test_amounts_must_be_positive_and_plausible(course, amount, unit):
    entry = EntryFactory(patient=course.patient, date=datetime.date(2026, 6, 2))
    application = ApplicationFactory.build(entry=entry, treatment=course, amount=amount, unit=unit)

    with pytest.raises(ValidationError):
        application.full_clean()
    _refused_by_database(application.save)


def test_thirty_fingertip_units_or_fifteen_grams_are_the_most_allowed(course):
    entry = EntryFactory(patient=course.patient, date=datetime.date(2026, 6, 2))
    for amount, unit in [(Decimal(30), AmountUnit.FTU), (Decimal(15), AmountUnit.GRAMS)]:
        ApplicationFactory.build(entry=entry, treatment=course, amount=amount, unit=unit).full_clean()


def test_an_application_knows_its_weight_in_grams(course):
    entry = EntryFactory(patient=course.patient, date=datetime.date(2026, 6, 2))

    assert ApplicationFactory(entry=entry, treatment=course, amount=Decimal(3)).grams == Decimal("1.5")
    assert ApplicationFactory(entry=entry, treatment=course, amount=Decimal(2), unit="g").grams == Decimal(2)


def test_a_reaction_may_not_name_another_patients_course(patient, other_course):
    reaction = ReactionFactory.build(entry=EntryFactory(patient=patient), treatment=other_course)

    with pytest.raises(ValidationError):
        reaction.full_clean()


def test_an_entry_first_written_three_days_after_its_date_is_late(patient):
    with frozen(datetime.datetime(2026, 3, 4, 10, tzinfo=UTC)):
        late = EntryFactory(patient=patient, date=datetime.date(2026, 3, 1))
        on_time = EntryFactory(patient=patient, date=datetime.date(2026, 3, 2))

    assert late.is_late
    assert not on_time.is_late


def test_lateness_is_counted_in_the_patients_zone(db):
    from tests.factories import PatientFactory

    kiritimati = PatientFactory(time_zone="Pacific/Kiritimati")  # UTC+14
    # 11:00 UTC on 3 March is 01:00 on 4 March in Kiritimati: three days after 1 March there.
    with frozen(datetime.datetime(2026, 3, 3, 11, tzinfo=UTC)):
        entry = EntryFactory(patient=kiritimati, date=datetime.date(2026, 3, 1))

    assert entry.is_late


def test_a_treatment_is_active_from_its_first_to_its_last_day():
    course = TreatmentFactory.build(started_on=datetime.date(2026, 1, 1), ended_on=datetime.date(2026, 1, 31))

    assert not course.is_active_on(datetime.date(2025, 12, 31))
    assert course.is_active_on(datetime.date(2026, 1, 1))
    assert course.is_active_on(datetime.date(2026, 1, 31))
    assert not course.is_active_on(datetime.date(2026, 2, 1))


def test_every_strength_in_the_reference_fits_a_course(reference):
    from drugs.models import Drug

    longest = max(len(strength) for drug in Drug.objects.all() for strength in drug.strength_list)

    assert longest <= Treatment._meta.get_field("strength").max_length


def test_flag_statuses_are_the_ones_the_flagging_rules_decide_with():
    assert {Flag.Status.OPEN, Flag.Status.ACKNOWLEDGED, Flag.Status.RESOLVED, Flag.Status.WITHDRAWN} == {
        flagging.OPEN,
        flagging.ACKNOWLEDGED,
        flagging.RESOLVED,
        flagging.WITHDRAWN,
    }
    assert set(Flag.ACTIVE) == flagging.ACTIVE_STATUSES


@pytest.mark.parametrize("status", [*Flag.Status.values, "unknown"])
def test_a_flag_reads_as_its_rule_and_its_status_as_the_admin_labels_it(status):
    flag = Flag(rule_text="Burning lasting 7 days", status=status)
    assert str(flag) == f"Burning lasting 7 days ({flag.get_status_display()})"
    assert status == "unknown" or flag.get_status_display() != status  # a label, not the stored value
