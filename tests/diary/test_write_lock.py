"""Saving a reaction holds the write transaction (SQLite's write lock) for the write and the re-evaluation only:
the checks of the reaction and the rules are read before it begins, and its statements do not grow with the diary.
Rows the form has just read (the symptom, area, course) are not read again; one deleted meanwhile is refused."""

import contextlib
import datetime
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from diary import services
from diary.models import Entry, Flag, Reaction
from drugs.models import Symptom
from tests.factories import EntryFactory, ReactionFactory

pytestmark = pytest.mark.django_db

# The day's entry; the reaction and its audit entry; the re-evaluation's reads: active and recently closed flags,
# courses, entries, POEM totals, applications, reactions. On PostgreSQL one more: the patient's row locked, so that
# re-evaluations of one patient take turns (SQLite's single writer already does; tests/diary/test_concurrent_writes.py).
TURNS = 1 if connection.features.has_select_for_update else 0
STATEMENTS_INSIDE = 10 + TURNS
READS_INSIDE = 8 + TURNS


def _save_split(monkeypatch, **kwargs) -> tuple[list[str], list[str]]:
    """The statements a reaction save runs before its own transaction and inside it."""
    inside_now = []
    real_atomic = transaction.atomic

    @contextlib.contextmanager
    def atomic(*args, **kw):  # the service's `with transaction.atomic():`, marked
        with real_atomic(*args, **kw):
            inside_now.append(True)
            try:
                yield
            finally:
                inside_now.pop()

    monkeypatch.setattr(services, "transaction", SimpleNamespace(atomic=atomic))
    before, inside = [], []

    def record(execute, sql, params, many, context):
        (inside if inside_now else before).append(sql)
        return execute(sql, params, many, context)

    for model in (Reaction, Flag):  # the audit log's lookup, kept per process in production
        ContentType.objects.get_for_model(model)
    EntryFactory(patient=kwargs["patient"], date=kwargs["date"])  # the day already has a page
    with connection.execute_wrapper(record):
        services.reaction_create(**kwargs)
    return before, inside


def test_the_checks_and_the_rules_are_read_before_the_write_transaction(
    patient, reference, tacrolimus_course, monkeypatch
):
    burning = Symptom.objects.get(code="burning")
    today = patient.today()

    before, inside = _save_split(
        monkeypatch, patient=patient, date=today, symptom=burning, severity=2, treatment=tacrolimus_course
    )

    assert len(inside) == STATEMENTS_INSIDE
    assert not [sql for sql in inside if "SAVEPOINT" in sql]
    locks = [sql for sql in inside if "FOR UPDATE" in sql]
    assert len(locks) == TURNS
    assert not [sql for sql in locks if "auth_user" in sql]  # the patient's row alone: signing in elsewhere never waits
    assert [sql for sql in before if '"drugs_referenceversion"' in sql]  # the rules' version
    assert not [sql for sql in before if 'FROM "drugs_symptom"' in sql]  # the form has just read it
    assert not [sql for sql in before if "INSERT" in sql or "UPDATE" in sql]
    assert Reaction.objects.filter(entry__patient=patient, entry__date=today).count() == 1


def test_a_longer_diary_and_a_raised_flag_keep_the_transaction_as_short(
    patient, reference, tacrolimus_course, monkeypatch
):
    burning = Symptom.objects.get(code="burning")
    today = patient.today()
    for n in range(1, 40):  # a long run of burning before today
        ReactionFactory(entry=EntryFactory(patient=patient, date=today - datetime.timedelta(days=n)), symptom=burning)

    _, inside = _save_split(
        monkeypatch, patient=patient, date=today, symptom=burning, severity=3, treatment=tacrolimus_course
    )

    flag = Flag.objects.get(patient=patient)  # severe burning on tacrolimus: a rule matched
    writes = [sql for sql in inside if sql.startswith(("INSERT", "UPDATE"))]
    # The flag's row and its audit entry are written; one more read: the matched rule with its medicine and symptom.
    assert len(writes) == 4
    assert len(inside) - len(writes) == READS_INSIDE + 1
    assert flag.last_seen == today


def test_a_symptom_gone_from_the_reference_is_refused_before_anything_is_written(patient, reference):
    gone = Symptom(pk=10**6, code="gone", name="Gone")  # never saved: what a deleted row leaves in a form

    with pytest.raises(ValidationError):
        services.reaction_create(patient=patient, date=patient.today(), symptom=gone, severity=2)

    assert not Entry.objects.filter(patient=patient).exists()


@pytest.mark.django_db(transaction=True)  # the foreign key is checked when the write really commits
def test_a_symptom_read_by_the_form_is_not_read_again_but_one_deleted_meanwhile_is_refused(patient):
    symptom = Symptom.objects.create(code="new-one", name="New one")
    chosen = Symptom.objects.get(pk=symptom.pk)  # what the form's choice field read
    Symptom.objects.filter(pk=symptom.pk).delete()  # an admin removes it before the save

    with pytest.raises(ValidationError) as refused:
        services.reaction_create(patient=patient, date=patient.today(), symptom=chosen, severity=2)

    assert "symptom" in refused.value.error_dict
    assert not Reaction.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_reaction_the_tables_constraint_refuses_is_refused_with_the_models_message(patient, monkeypatch):
    symptom = Symptom.objects.create(code="new-one", name="New one")
    # A severity the form's choices would allow but the table does not (as if the two disagreed).
    monkeypatch.setattr(Reaction._meta.get_field("severity"), "choices", [(9, "Nine")])

    with pytest.raises(ValidationError) as refused:
        services.reaction_create(patient=patient, date=patient.today(), symptom=symptom, severity=9)

    assert "reaction_severity_1_3" in str(refused.value)
    assert not Reaction.objects.exists()


@pytest.mark.django_db(transaction=True)  # real transactions: what runs inside one is what holds the write lock
def test_a_posted_reaction_with_its_key_checks_before_the_transaction_and_writes_inside_it(client, patient):
    symptom = Symptom.objects.create(code="itching", name="Itching")
    client.force_login(patient.user)
    today = patient.today()
    client.get("/")  # the day's page: its entry exists from the first post on
    post = {"symptom": symptom.pk, "severity": "2", "body_area": "", "treatment": ""}
    client.post(f"/diary/{today}/reactions/", {**post, "idempotency_key": "k" * 22})
    statements = []

    def record(execute, sql, params, many, context):
        statements.append((connection.in_atomic_block, sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.post(f"/diary/{today}/reactions/", {**post, "idempotency_key": "j" * 22})

    assert response.status_code == 302
    inside = [sql for atomic, sql in statements if atomic]
    outside = [sql for atomic, sql in statements if not atomic]
    assert [sql for sql in outside if '"drugs_referenceversion"' in sql]  # the rules: before the lock
    assert not [sql for sql in outside if sql.startswith(("INSERT", "UPDATE"))]
    # The key's insert, the entry, the reaction and its audit entry, the re-evaluation's seven reads, the key's
    # result (and the savepoints of the key's and the reaction's blocks inside the key's transaction); the patient's
    # row locked on PostgreSQL.
    assert len([sql for sql in inside if "SAVEPOINT" not in sql]) == 12 + TURNS
    assert Reaction.objects.filter(entry__patient=patient).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_symptom_deleted_between_the_check_and_a_keyed_save_is_refused_on_the_page(client, patient, monkeypatch):
    symptom = Symptom.objects.create(code="itching", name="Itching")
    client.force_login(patient.user)
    real_check = services.reaction_check

    def check_then_an_admin_deletes_it(**kwargs):
        checked = real_check(**kwargs)
        Symptom.objects.filter(pk=symptom.pk).delete()  # committed before the save's transaction begins
        return checked

    monkeypatch.setattr(services, "reaction_check", check_then_an_admin_deletes_it)
    post = {"symptom": symptom.pk, "severity": "2", "body_area": "", "treatment": "", "idempotency_key": "k" * 22}

    response = client.post(f"/diary/{patient.today()}/reactions/", post)

    assert response.status_code == 200  # the day's page again, with the form's error
    assert response.context["reaction_form"].errors["symptom"]
    assert not Reaction.objects.exists()
