"""Assignments made by a superuser before clinics existed become links of a default clinic."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("diary", "0009_care_team_groups"), ("clinics", "0001_care_team")]
AFTER = [("diary", "0010_care_team_from_assignments")]


@pytest.mark.django_db(transaction=True)
def test_each_assignment_becomes_a_membership_and_a_link_with_consent_by_assignment():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    User, Patient = apps.get_model("auth", "User"), apps.get_model("diary", "Patient")
    derm = User.objects.create(username="dr-old", is_staff=True)
    assigned = Patient.objects.create(user=User.objects.create(username="assigned"), dermatologist=derm)
    Patient.objects.create(user=User.objects.create(username="on-her-own"))

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    CareLink, Membership = apps.get_model("clinics", "CareLink"), apps.get_model("clinics", "Membership")

    link = CareLink.objects.get()
    assert link.patient_id == assigned.user_id and link.dermatologist_id == derm.pk
    assert (link.source, link.consent_version, link.shares_photos) == ("assignment", "assignment", True)
    assert link.withdrawn_at is None
    assert apps.get_model("clinics", "Clinic").objects.get().name == "Default clinic"
    assert list(Membership.objects.values_list("user_id", "role")) == [(derm.pk, "dermatologist")]

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
