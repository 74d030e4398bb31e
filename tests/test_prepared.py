"""Prepared reads (prepared/__init__.py): the ORM's SQL compiled once per connection, run with new arguments; the
same rows, types and model instances as the ORM gives, one query a call, and a read that cannot be prepared
safely is refused when it is first compiled."""

import datetime
import sqlite3
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection, connections, transaction
from django.db.models import Case, Count, Value, When
from django.db.models.functions import Least
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from diary.models import Application, Entry, Flag, Patient, Treatment
from prepared import PreparedReadError, prefetched, prepared, related
from tests.factories import ApplicationFactory, BodyAreaFactory, EntryFactory, PatientFactory, TreatmentFactory

DAY = datetime.date(2026, 3, 10)


@prepared
def entry_rows(*, patient_id: int, day: datetime.date):
    return Entry.objects.filter(patient_id=patient_id, date__lte=day).values_list("pk", "date", "notes", "created")


@prepared
def courses_since(*, patient_id: int, started: datetime.date):
    return (
        Treatment.objects.filter(patient_id=patient_id, started_on__gte=started).select_related("drug").order_by("pk")
    )


@prepared
def patient_named(*, username: str):
    return Patient.objects.filter(user__username=username).values_list("pk", "time_zone")


def orm_entries(patient, day):
    return list(Entry.objects.filter(patient=patient, date__lte=day).values_list("pk", "date", "notes", "created"))


def test_a_prepared_read_gives_the_orms_rows_and_types_for_each_set_of_arguments(patient, other_patient):
    for day in (DAY - datetime.timedelta(days=2), DAY, DAY + datetime.timedelta(days=1)):
        EntryFactory(patient=patient, date=day, notes=f"note {day}")
    EntryFactory(patient=other_patient, date=DAY, notes="not Alice's")
    for owner, day in ((patient, DAY), (patient, DAY - datetime.timedelta(days=1)), (other_patient, DAY)):
        rows = entry_rows(patient_id=owner.pk, day=day)
        assert rows == orm_entries(owner, day)
    rows = entry_rows(patient_id=patient.pk, day=DAY)
    assert [row[2] for row in rows] == [f"note {DAY}", f"note {DAY - datetime.timedelta(days=2)}"]
    assert isinstance(rows[0][1], datetime.date) and rows[0][3].tzinfo is not None  # converted as the ORM converts


def test_a_prepared_read_of_model_instances_fills_select_related_without_another_query(patient):
    first = TreatmentFactory(patient=patient, started_on=DAY)
    TreatmentFactory(patient=patient, started_on=DAY - datetime.timedelta(days=30))
    with CaptureQueriesContext(connection) as queries:
        courses = courses_since(patient_id=patient.pk, started=DAY - datetime.timedelta(days=1))
        names = [course.drug.generic_name for course in courses]
    assert len(queries) == 1
    assert [course.pk for course in courses] == [first.pk]
    assert names == [first.drug.generic_name]
    assert courses[0]._state.db == "default" and not courses[0]._state.adding  # saved instances, as the ORM gives


@prepared
def username_of(*, user_id: int):
    return get_user_model().objects.filter(pk=user_id).values_list("username")


def test_an_id_of_a_32_bit_column_compiles_on_every_database(patient):
    """auth_user's id is a 32-bit integer on PostgreSQL: stand-ins beyond its range made the ORM answer "no rows"
    without SQL, and the read could not be prepared there."""
    assert username_of(user_id=patient.user_id) == [("alice",)]


def test_a_string_argument_and_an_empty_result(patient):
    assert patient_named(username="alice") == [(patient.pk, "Europe/London")]
    assert patient_named(username="nobody") == []
    assert patient_named(username="alice' OR 1=1 --") == []  # a parameter, never SQL


@pytest.mark.django_db
def test_the_sql_is_built_once_per_connection(settings):
    settings.PREPARED_READS_CHECK = False
    calls = []

    @prepared
    def named(*, username: str):
        calls.append(username)
        return Patient.objects.filter(user__username=username).values_list("pk")

    named(username="a")
    built = len(calls)  # the stand-in compiles
    for name in ("b", "c", "d"):
        named(username=name)
    assert len(calls) == built


@pytest.mark.django_db
def test_an_argument_that_reaches_the_sql_changed_is_refused_when_compiled():
    @prepared
    def by_year(*, day: datetime.date):
        return Entry.objects.filter(date__year=day.year).values_list("pk")

    with pytest.raises(PreparedReadError, match="derived from an argument"):
        by_year(day=DAY)

    @prepared
    def containing(*, text: str):
        return Entry.objects.filter(notes__icontains=text).values_list("pk")

    with pytest.raises(PreparedReadError, match="derived from an argument"):
        containing(text="itch")


@pytest.mark.django_db
def test_an_argument_left_out_of_the_sql_or_a_prefetch_is_refused():
    @prepared
    def ignores(*, patient_id: int, day: datetime.date):
        return Entry.objects.filter(patient_id=patient_id).values_list("pk")

    with pytest.raises(PreparedReadError, match="not in the SQL"):
        ignores(patient_id=1, day=DAY)

    @prepared
    def with_areas(*, patient_id: int):
        return Treatment.objects.filter(patient_id=patient_id).prefetch_related("body_areas")

    with pytest.raises(PreparedReadError, match="prefetch_related"):
        with_areas(patient_id=1)


def test_arguments_must_be_keyword_only_and_typed():
    with pytest.raises(PreparedReadError, match="keyword-only"):

        @prepared
        def positional(patient_id: int):
            return Entry.objects.filter(patient_id=patient_id)

    with pytest.raises(PreparedReadError, match="keyword-only"):

        @prepared
        def untyped(*, patient_id):
            return Entry.objects.filter(patient_id=patient_id)


@pytest.mark.django_db
def test_an_argument_of_the_wrong_type_is_refused_not_bound():
    with pytest.raises(TypeError, match="day must be date"):
        entry_rows(patient_id=1, day=datetime.datetime(2026, 3, 10, tzinfo=datetime.UTC))
    with pytest.raises(TypeError, match="patient_id must be int"):
        entry_rows(patient_id="1", day=DAY)
    with pytest.raises(TypeError, match="takes"):
        entry_rows(patient_id=1)  # a missing argument is named, never bound as a stand-in
    with pytest.raises(TypeError, match="takes"):
        entry_rows(patient_id=1, day=DAY, user_id=2)  # nor is an extra one ignored


@pytest.mark.django_db
def test_the_check_catches_a_read_whose_sql_depends_on_an_argument_value(settings):
    """The stand-ins take one branch; a real argument that takes another would run the wrong SQL. The check (on in
    the tests) compiles the ORM's SQL for every call and refuses the difference."""
    settings.PREPARED_READS_CHECK = True

    @prepared
    def branchy(*, patient_id: int):
        entries = Entry.objects.filter(patient_id=patient_id)
        if patient_id < 1000:
            entries = entries.exclude(notes="")
        return entries.values_list("pk")

    PatientFactory()
    with pytest.raises(PreparedReadError, match="other SQL than the ORM's"):
        branchy(patient_id=1)


# On SQLite, a read nobody watches runs on the DB-API connection (prepared/__init__.py's docstring): the same values
# as the ORM's, every check Django's cursor makes, and Django's cursor whenever the queries are being counted.


@prepared
def flags_of(*, patient_id: int):
    return Flag.objects.filter(patient_id=patient_id).select_related("patient__user", "drug").order_by("pk")


@prepared
def application_values(*, patient_id: int):
    return Application.objects.filter(entry__patient_id=patient_id).values_list(
        "pk", "applied_at", "amount", "entry__date", "treatment__ended_on", "entry__patient__user__is_staff"
    )


def _field_values(instance) -> list:
    return [(field.attname, getattr(instance, field.attname)) for field in instance._meta.concrete_fields]


def _typed(values):
    return [(name, type(value), value) for name, value in values]


@pytest.fixture
def diary_with_every_kind_of_column(patient):
    """Dates, aware datetimes, decimals, booleans, JSON and NULLs among the columns the reads below return."""
    course = TreatmentFactory(patient=patient, ended_on=DAY, usual_amount=Decimal("2.5"))
    ApplicationFactory(entry=EntryFactory(patient=patient, date=DAY), treatment=course, amount=Decimal("0.5"))
    ApplicationFactory(entry=EntryFactory(patient=patient, date=DAY - datetime.timedelta(days=1)))
    patient.user.last_login = datetime.datetime(2026, 3, 9, 8, 30, 15, 123456, tzinfo=datetime.UTC)
    patient.user.save()
    for urgency, evidence in ((3, {"days": ["2026-03-10"], "grams": 1.5}), (1, {})):
        Flag.objects.create(
            patient=patient, urgency=urgency, first_seen=DAY, last_seen=DAY, evidence=evidence, drug=course.drug
        )
    return patient


def test_an_unwatched_read_gives_the_orms_values_and_types(diary_with_every_kind_of_column):
    patient = diary_with_every_kind_of_column
    flags = flags_of(patient_id=patient.pk)
    orm_flags = list(Flag.objects.filter(patient=patient).select_related("patient__user", "drug").order_by("pk"))
    assert len(flags) == 2
    for flag, orm_flag in zip(flags, orm_flags, strict=True):
        assert _typed(_field_values(flag)) == _typed(_field_values(orm_flag))
        assert _typed(_field_values(flag.patient.user)) == _typed(_field_values(orm_flag.patient.user))
        assert _typed(_field_values(flag.drug)) == _typed(_field_values(orm_flag.drug))
    assert flags[0].evidence == {"days": ["2026-03-10"], "grams": 1.5} and flags[0].reviewed_at is None
    assert flags[0].patient.user.last_login == patient.user.last_login
    values = application_values(patient_id=patient.pk)
    orm_values = list(
        Application.objects.filter(entry__patient_id=patient.pk).values_list(
            "pk", "applied_at", "amount", "entry__date", "treatment__ended_on", "entry__patient__user__is_staff"
        )
    )
    assert [[(type(v), v) for v in row] for row in values] == [[(type(v), v) for v in row] for row in orm_values]
    assert {row[2] for row in values} == {Decimal("0.5"), Decimal("1.0")} and {row[4] for row in values} == {DAY, None}


def test_with_time_zones_off_datetimes_come_back_naive_as_the_orms(diary_with_every_kind_of_column, settings):
    settings.USE_TZ = False
    patient = diary_with_every_kind_of_column
    rows = application_values(patient_id=patient.pk)
    orm_rows = list(Application.objects.filter(entry__patient_id=patient.pk).values_list("pk", "applied_at"))
    assert [row[:2] for row in rows] == orm_rows
    assert all(row[1].tzinfo is None for row in rows)


def test_a_read_runs_on_the_db_api_connection_only_while_no_query_is_counted_or_wrapped(patient):
    def no_django_cursor():
        raise AssertionError("Django's cursor was used")

    database = connections["default"]
    database.cursor = no_django_cursor
    try:
        assert database.vendor in ("sqlite", "postgresql")  # CI's two databases: both read on the DB-API connection
        assert patient_named(username="alice") == [(patient.pk, "Europe/London")]
    finally:
        del database.cursor
    with CaptureQueriesContext(connection) as queries:  # as django_assert_num_queries counts them
        assert patient_named(username="alice") == [(patient.pk, "Europe/London")]
    assert len(queries) == 1 and "auth_user" in queries[0]["sql"]
    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        assert patient_named(username="alice") == [(patient.pk, "Europe/London")]
    assert len(seen) == 1 and "auth_user" in seen[0]


def test_an_unwatched_read_keeps_the_cursors_checks(patient, monkeypatch):
    with transaction.atomic():
        transaction.set_rollback(True)
        with pytest.raises(TransactionManagementError):
            patient_named(username="alice")  # as the ORM refuses a read in a transaction marked for rollback

    database = connections["default"]
    if database.vendor == "postgresql":
        import psycopg

        def failing(*args, **kwargs):
            raise psycopg.OperationalError("server closed the connection unexpectedly")

        monkeypatch.setattr(psycopg.Cursor, "execute", failing)
        with pytest.raises(OperationalError, match="server closed"):  # django.db's error, as from Django's cursor
            patient_named(username="alice")
        assert database.errors_occurred
        database.errors_occurred = False
        return

    class Failing:
        def execute(self, sql, params):
            raise sqlite3.OperationalError("disk I/O error")

    sqlite, database.connection = database.connection, Failing()
    try:
        with pytest.raises(OperationalError, match="disk I/O error"):  # django.db's error, as from Django's cursor
            patient_named(username="alice")
        assert database.errors_occurred
    finally:
        database.connection, database.errors_occurred = sqlite, False


def test_related_gives_the_prefetched_objects_without_a_query_and_reads_the_rest(patient):
    areas = [BodyAreaFactory(code="scalp", name="Scalp"), BodyAreaFactory(code="elbows", name="Elbows")]
    given, plain = TreatmentFactory(patient=patient, body_areas=areas), TreatmentFactory(patient=patient)
    given = Treatment.objects.get(pk=given.pk)
    prefetched(given, "body_areas", [areas[1]])
    with CaptureQueriesContext(connection) as queries:
        assert related(given, "body_areas") == list(given.body_areas.all()) == [areas[1]]
    assert len(queries) == 0
    plain = Treatment.objects.get(pk=plain.pk)
    assert related(plain, "body_areas") == list(plain.body_areas.all()) and len(related(plain, "body_areas")) == 1
    fetched = Treatment.objects.prefetch_related("body_areas").get(pk=given.pk)
    with CaptureQueriesContext(connection) as queries:
        assert (
            related(fetched, "body_areas") == list(fetched.body_areas.all())
            and len(related(fetched, "body_areas")) == 2
        )
    assert len(queries) == 0


@prepared
def days_counted(*, patient_id: int, itch: int):
    capped = Least(Count("reactions"), Case(When(itch__gte=itch, then=Value(9)), default=Value(0)))
    return Entry.objects.filter(patient_id=patient_id).values("date").annotate(n=capped).values_list("date", "n")


def test_a_read_run_often_is_planned_once_per_connection_on_postgresql(patient, settings):
    """PostgreSQL: psycopg prepares an unwatched read once its connection has run it `prepare_threshold` times (the
    database's OPTIONS, config/settings.py); the server plans it once, and the rows stay the ORM's."""
    database = connections["default"]
    threshold = settings.DATABASES["default"].get("OPTIONS", {}).get("prepare_threshold")
    runs = (threshold or 5) + 1
    for _ in range(runs):
        assert patient_named(username="alice") == [(patient.pk, "Europe/London")]
    if database.vendor == "sqlite":
        assert threshold is None  # nothing to prepare there: SQLite's own statement cache keeps the compiled SQL
        return
    assert threshold == 5
    with database.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert next(s for s in statements if '"auth_user"."username" = ' in s).count("$") == 1


def test_a_read_with_a_parameter_in_its_group_by_gives_the_orms_rows(patient):
    """A GROUP BY repeating a parameter cannot be bound by the server (PostgreSQL would see two parameters, and refuse
    the grouping): such a read runs on Django's cursor, whose SQL carries its values, and gives the ORM's rows."""
    EntryFactory(patient=patient, date=DAY, itch=7)
    EntryFactory(patient=patient, date=DAY - datetime.timedelta(days=1), itch=2)
    assert " GROUP BY " in str(days_counted.build(patient_id=patient.pk, itch=5).query)
    for _ in range(7):  # past the prepare threshold
        assert sorted(days_counted(patient_id=patient.pk, itch=5)) == [(DAY - datetime.timedelta(days=1), 0), (DAY, 0)]
    capped = Least(Count("reactions"), Case(When(itch__gte=5, then=Value(9)), default=Value(0)))
    orm = Entry.objects.filter(patient=patient).values("date").annotate(n=capped).values_list("date", "n")
    assert sorted(days_counted(patient_id=patient.pk, itch=5)) == sorted(orm)
