"""Reads whose SQL is built once per process: the ORM's queryset, compiled once, then run with new parameters.

On the pages a patient reloads all day, building and compiling a query costs far more than running it: a read of a
few indexed rows spends about 0.5-1 ms in `QuerySet.filter()` and `SQLCompiler.as_sql()` and a few hundredths in
the database (docs/benchmark.md, "Fifth pass"). A `@prepared` function returns the queryset of one read; the first
call on a database connection compiles it with two sets of stand-in arguments, which shows where each argument lands
among the SQL's parameters; every later call binds the real arguments there and runs the same SQL with the same
converters and model constructor the ORM uses (through Django's cursor, or on SQLite the DB-API connection: below)::

    @prepared
    def entry_row(*, patient_id: int, day: datetime.date):
        return Entry.objects.filter(patient_id=patient_id, date=day).values_list("pk", "notes")[:1]

    rows = entry_row(patient_id=patient.pk, day=day)  # a list of tuples (or of model instances)

The rules a read must keep, because its SQL is made once and reused:

- every argument is keyword-only and annotated `int`, `str`, `datetime.date` or `datetime.datetime`, and reaches
  the SQL as it is (compared with a field, not transformed: `date__year=day.year` or `name__icontains=text` is
  refused when the read is compiled, pass the value it needs as its own argument);
- the function has no branches on its arguments (the SQL's shape must not depend on them), and no `__in` of a
  list whose length varies;
- it returns a `values_list()` queryset (rows as tuples) or a queryset of model instances, optionally with
  `select_related()`, but without `prefetch_related()` (run that read as its own prepared read).

`settings.PREPARED_READS_CHECK` (on in the tests) also builds the ORM's own SQL for every call and raises if it is
not exactly the SQL and parameters the prepared read ran: the whole test suite proves each read equal to the ORM.

On SQLite and on PostgreSQL (psycopg 3), when nothing watches the connection's queries (no
`connection.execute_wrapper`, no query log: `DEBUG` off and no `CaptureQueriesContext` or
`django_assert_num_queries`, which count them) and nothing is left for Django's cursor to check or raise (no health
check due, no transaction to roll back, the connection's own thread, no event loop), a read runs its SQL (turned into
SQLite's `?` style once when compiled) on the DB-API connection itself, a DB-API error raised as `django.db`'s. On
PostgreSQL the server binds its parameters there, so psycopg prepares it and the server plans it once per connection
(a read with a parameter in its GROUP BY excepted). Otherwise, and on every other database, a read runs through
Django's cursor as the ORM does. Either way each value goes through the converters the ORM's
compiler chose for its column, looked up once when compiled.
"""

import _thread
import asyncio
import datetime
import functools
import inspect
import weakref

from django.conf import settings
from django.core.signals import setting_changed
from django.db import connections
from django.db.models.query import ValuesListIterable, get_related_populators
from django.dispatch import receiver
from django.utils.dateparse import parse_datetime

KINDS = (int, str, datetime.date, datetime.datetime)


def _stand_ins(kind, index: int) -> tuple:
    """Two values of a kind, different for each argument. Integers stay within every integer column's range (a
    PostgreSQL smallint's too): the ORM turns a comparison with a value out of a column's range into "no rows"
    before any SQL is written, and the stand-ins must compile to the SQL real ids compile to."""
    if kind is int:
        return 30_001 + 2 * index, 30_002 + 2 * index
    if kind is str:
        return f"\x1eprepared-a-{index}", f"\x1eprepared-b-{index}"
    if kind is datetime.datetime:
        first = datetime.datetime(1901, 2, 3, 4, 5, 6, 7000 + index, tzinfo=datetime.UTC)
        return first, first + datetime.timedelta(days=400, seconds=1)
    if kind is datetime.date:
        step = datetime.timedelta(days=index)
        return datetime.date(1901, 3, 1) + step, datetime.date(1902, 5, 1) + step
    raise TypeError(f"a prepared read's argument must be one of {KINDS}, not {kind!r}")


def _adapt(connection, kind, value):
    """An argument as the ORM hands it to the database (what a model field's get_db_prep_value gives)."""
    if kind is datetime.datetime:
        return connection.ops.adapt_datetimefield_value(value)
    if kind is datetime.date:
        return connection.ops.adapt_datefield_value(value)
    return value


def _connection_sql(connection, sql: str) -> str | None:
    """The SQL as the DB-API connection takes it, for the reads run on it (SQLite, and PostgreSQL through psycopg 3),
    else None."""
    if connection.vendor == "postgresql":
        from django.db.backends.postgresql.psycopg_any import is_psycopg3

        # The server binds the parameters there: a parameter the SQL repeats in its GROUP BY would be two parameters
        # to the server, and the grouping no longer the selected expression's (PostgreSQL refuses it). Those reads,
        # and psycopg 2's, stay on Django's cursor.
        return sql if is_psycopg3 and "%s" not in sql.partition(" GROUP BY ")[2] else None
    if connection.vendor != "sqlite":
        return None
    from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX

    return FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")  # what SQLiteCursorWrapper.convert_query does


def _fetch_directly(connection, sql: str, params: list) -> list | None:
    """The rows of a read run on the DB-API connection, or None when Django's cursor must run it: a query watched (an
    execute wrapper, the query log of DEBUG or CaptureQueriesContext), a health check due, a transaction to roll back,
    another thread or an event loop (where Django's cursor raises)."""
    if (
        connection.execute_wrappers
        or connection.queries_logged
        or connection.needs_rollback
        or (connection.health_check_enabled and not connection.health_check_done)
        or connection._thread_ident != _thread.get_ident()
        or asyncio._get_running_loop() is not None
    ):
        return None
    connection.ensure_connection()  # as Django's cursor: opens it if closed (an outage raises here)
    try:
        if connection.vendor == "postgresql":
            return _server_bound(connection, sql, params)
        return connection.connection.execute(sql, params).fetchall()
    except Exception:
        with connection.wrap_database_errors:  # a DB-API error raised as django.db's, as Django's cursor does
            raise


def _server_bound(connection, sql: str, params: list) -> list:
    """A read on psycopg 3's connection with the parameters bound by the server (Django's own cursor binds them in the
    SQL's text), so psycopg prepares the statement once the connection has run it `prepare_threshold` times (the
    database's OPTIONS; None: never) and PostgreSQL then plans it once per connection, not on every request."""
    import psycopg
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    raw = connection.connection
    with psycopg.Cursor(raw) as cursor:
        if connection.timezone != raw.adapters.get_loader(TIMESTAMPTZ_OID, psycopg.pq.Format.TEXT).timezone:
            register_tzloader(connection.timezone, cursor)  # as Django's create_cursor: the time zone of the settings
        return cursor.execute(sql, params).fetchall()


def _sqlite_datetime(value, expression, connection):
    """SQLite's DatabaseOperations.convert_datetimefield_value, with the connection's time zone (None when USE_TZ
    is off; Django resets it when the setting changes) in place of a settings lookup for every value."""
    if value is not None:
        if not isinstance(value, datetime.datetime):
            value = parse_datetime(value)
        zone = connection.timezone
        if zone is not None and value.utcoffset() is None:
            value = value.replace(tzinfo=zone)  # timezone.make_aware
    return value


def _chained(connection, functions: list):
    """One converter doing what the column's converters do in turn."""
    if connection.vendor == "sqlite":
        from django.db.backends.sqlite3.operations import DatabaseOperations

        same = DatabaseOperations.convert_datetimefield_value
        functions = [_sqlite_datetime if getattr(f, "__func__", None) is same else f for f in functions]
    if len(functions) == 1:
        return functions[0]

    def chain(value, expression, connection):
        for function in functions:
            value = function(value, expression, connection)
        return value

    return chain


def _converted(rows: list, converters: list, connection) -> list:
    """Each row as a list with its converted values, as SQLCompiler.apply_converters makes it."""
    converted = []
    for row in rows:
        row = list(row)
        for position, converter, expression in converters:
            row[position] = converter(row[position], expression, connection)
        converted.append(row)
    return converted


@functools.cache
def _checking() -> bool:
    """`settings.PREPARED_READS_CHECK`, read once (a missing setting costs an exception on every read of it) and
    again after the setting changes (the tests change it)."""
    return getattr(settings, "PREPARED_READS_CHECK", False)


@receiver(setting_changed)
def _setting_changed(*, setting: str, **kwargs) -> None:
    if setting == "PREPARED_READS_CHECK":
        _checking.cache_clear()


class PreparedReadError(Exception):
    """A read that cannot be prepared, or (with PREPARED_READS_CHECK) that ran other SQL than the ORM's."""


class _Plan:
    """One read compiled for one database connection: its SQL, where each argument goes, and how rows are built."""

    def __init__(self, read: "PreparedRead", connection):
        names, kinds = read.names, read.kinds
        first = {name: _stand_ins(kinds[name], i)[0] for i, name in enumerate(names)}
        second = {name: _stand_ins(kinds[name], i)[1] for i, name in enumerate(names)}
        queryset = read.build(**first)
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        other_sql, other_params = read.build(**second).query.get_compiler(using=queryset.db).as_sql()
        if sql != other_sql or len(params) != len(other_params):
            raise PreparedReadError(f"{read.name}: the SQL's shape depends on the arguments")
        self.sql, self.params = sql, list(params)
        self.slots: list[tuple[int, str]] = []  # (parameter position, argument name)
        for position, (one, other) in enumerate(zip(params, other_params, strict=True)):
            if one == other:
                continue
            name = next(
                (
                    n
                    for n in names
                    if one == _adapt(connection, kinds[n], first[n])
                    and other == _adapt(connection, kinds[n], second[n])
                ),
                None,
            )
            if name is None:
                raise PreparedReadError(
                    f"{read.name}: SQL parameter {position} is derived from an argument; pass it as its own argument"
                )
            self.slots.append((position, name))
        unused = set(names) - {name for _, name in self.slots}
        if unused:
            raise PreparedReadError(f"{read.name}: arguments not in the SQL: {sorted(unused)}")
        if queryset._prefetch_related_lookups:
            raise PreparedReadError(f"{read.name}: prefetch_related is not supported; prepare that read on its own")
        self.db = queryset.db
        self.col_count = compiler.col_count if compiler.has_extra_select else None
        converters = compiler.get_converters([s[0] for s in compiler.select[0 : compiler.col_count]])
        self.converters = [
            (position, _chained(connection, functions), expression)
            for position, (functions, expression) in converters.items()
        ]
        self.connection_sql = _connection_sql(connection, sql)
        self.values = issubclass(queryset._iterable_class, ValuesListIterable)
        if not self.values:
            if queryset._iterable_class.__name__ != "ModelIterable" or compiler.annotation_col_map:
                raise PreparedReadError(f"{read.name}: return values_list() rows or plain model instances")
            klass_info = compiler.klass_info
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            self.model = klass_info["model"]
            self.model_slice = slice(start, end)
            self.init_list = [f[0].target.attname for f in compiler.select[start:end]]
            self.related_populators = get_related_populators(klass_info, compiler.select, queryset.db)

    def bind(self, connection, arguments: dict, kinds: dict) -> list:
        params = self.params.copy()
        for position, name in self.slots:
            params[position] = _adapt(connection, kinds[name], arguments[name])
        return params

    def rows(self, connection, params: list) -> list:
        rows = None if self.connection_sql is None else _fetch_directly(connection, self.connection_sql, params)
        if rows is None:
            with connection.cursor() as cursor:
                cursor.execute(self.sql, params)
                rows = cursor.fetchall()
        if self.col_count is not None:
            rows = [row[: self.col_count] for row in rows]
        if self.converters:
            rows = _converted(rows, self.converters, connection)
        if self.values:
            return [tuple(row) for row in rows]
        objects = []
        for row in rows:
            obj = self.model.from_db(self.db, self.init_list, row[self.model_slice])
            for populator in self.related_populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects


class PreparedRead:
    def __init__(self, build):
        self.build = build
        self.name = f"{build.__module__}.{build.__qualname__}"
        signature = inspect.signature(build, eval_str=True)
        self.names = list(signature.parameters)
        self.kinds = {}
        for name, parameter in signature.parameters.items():
            if parameter.kind is not inspect.Parameter.KEYWORD_ONLY or parameter.annotation not in KINDS:
                raise PreparedReadError(f"{self.name}: argument {name!r} must be keyword-only, typed as one of {KINDS}")
            self.kinds[name] = parameter.annotation
        # One plan per database connection object (each thread has its own), dropped with the connection.
        self._plans: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        functools.update_wrapper(self, build)

    def __call__(self, **arguments) -> list:
        if arguments.keys() != self.kinds.keys():
            raise TypeError(f"{self.name} takes {sorted(self.kinds)}, not {sorted(arguments)}")
        for name, kind in self.kinds.items():
            value = arguments[name]
            if not isinstance(value, kind) or (kind is datetime.date and isinstance(value, datetime.datetime)):
                raise TypeError(f"{self.name}: {name} must be {kind.__name__}, not {type(value).__name__}")
        connection = connections[self._alias()]
        plan = self._plans.get(connection)
        if plan is None:
            plan = self._plans[connection] = _Plan(self, connection)
        params = plan.bind(connection, arguments, self.kinds)
        if _checking():
            self._check(plan, params, arguments)
        return plan.rows(connection, params)

    def _alias(self) -> str:
        alias = getattr(self, "_db", None)
        if alias is None:
            # Every read of this project goes to one database; the router's choice is read once, from a compile.
            alias = self._db = self.build(**{name: _stand_ins(kind, 0)[0] for name, kind in self.kinds.items()}).db
        return alias

    def _check(self, plan: _Plan, params: list, arguments: dict) -> None:
        sql, orm_params = self.build(**arguments).query.get_compiler(using=plan.db).as_sql()
        if sql != plan.sql or list(orm_params) != params:
            raise PreparedReadError(
                f"{self.name} ran other SQL than the ORM's for {arguments}:\n{plan.sql} {params}\n{sql} {orm_params}"
            )


def prepared(build) -> PreparedRead:
    """Decorate a function that returns one read's queryset (see the module's rules)."""
    return PreparedRead(build)


def prefetched(instance, name: str, objects: list) -> None:
    """Give `instance.<name>.all()` these objects, as `prefetch_related(name)` does, from a read of their own.

    Like Django's prefetch, the cached queryset is the relation's own (filtered to the instance), so a further
    `.filter()` on it still queries only the instance's related rows."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = queryset


def related(instance, name: str) -> list:
    """`list(instance.<name>.all())`, without making the relation's manager (about as dear as a small read's own
    Python) when `prefetched` or `prefetch_related` has given the instance its objects."""
    cache = getattr(instance, "_prefetched_objects_cache", None)
    if cache is not None and name in cache:
        return list(cache[name])
    return list(getattr(instance, name).all())
