"""Several writes to one patient's diary at the same moment (two devices, the offline queue sending while the Today
form posts): each is stored and the flags are re-evaluated over all of them. On PostgreSQL each statement of a
transaction sees what others committed before it began, so re-evaluations of one patient take turns on the
patient's row; SQLite's single writer already makes them take turns."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from diary.flag_services import flags_reevaluate
from diary.models import Flag, Reaction
from tests.concurrency import in_parallel, retrying_on_table_locks
from tests.factories import PatientFactory, SymptomFactory


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL's case (CI's PostgreSQL pass runs it); the in-memory SQLite test database locks whole tables "
    "between threads, where a file's single writer makes them wait",
)
@pytest.mark.django_db(transaction=True)
def test_reactions_posted_at_once_on_different_days_of_one_patient_are_all_stored_and_evaluated():
    patient = PatientFactory(user__username="two-devices", time_zone="Europe/London")
    symptom = SymptomFactory()
    days = [patient.today() - datetime.timedelta(days=n) for n in range(12)]
    clients = [Client() for _ in days]
    for each in clients:
        each.force_login(patient.user)
    statuses = []

    def post(n):
        url = reverse("diary:reaction-add", args=[days[n]])
        body = {"symptom": symptom.pk, "severity": "3", "body_area": "", "treatment": ""}
        statuses.append(retrying_on_table_locks(lambda: clients[n].post(url, body)).status_code)

    assert in_parallel(len(days), post) == []
    assert statuses == [302] * len(days)
    assert sorted(Reaction.objects.values_list("entry__date", flat=True)) == sorted(days)
    flags = sorted(Flag.objects.values_list("pk", "status", "first_seen", "last_seen"))
    flags_reevaluate(patient=patient, dates=days)  # evaluated once more, over every day at once: nothing changes
    assert sorted(Flag.objects.values_list("pk", "status", "first_seen", "last_seen")) == flags
