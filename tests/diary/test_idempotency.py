"""Idempotency keys: a repeated write (double tap, retry, the offline queue sending again) stores nothing new."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from diary import idempotency
from diary.models import Application, IdempotencyKey, Reaction
from tests.concurrency import in_parallel, retrying_on_table_locks
from tests.factories import PatientFactory, SymptomFactory, TreatmentFactory

KEY = "k3y-0f-a-form-1234"


def test_a_repeat_of_the_same_key_returns_the_first_result_and_runs_nothing(patient):
    calls = []

    def write():
        calls.append(1)
        return {"pk": len(calls)}

    first = idempotency.once(user=patient.user, key=KEY, action=write)
    again = idempotency.once(user=patient.user, key=KEY, action=write)
    assert first.result == again.result == {"pk": 1}
    assert (first.repeated, again.repeated) == (False, True)
    assert calls == [1]


def test_the_same_key_of_another_user_is_another_write(patient, other_patient):
    idempotency.once(user=patient.user, key=KEY, action=lambda: {"pk": 1})
    other = idempotency.once(user=other_patient.user, key=KEY, action=lambda: {"pk": 2})
    assert other.result == {"pk": 2} and not other.repeated


def test_a_failed_write_releases_its_key_so_a_retry_can_write(patient):
    def fail():
        raise ValueError("the write failed")

    with pytest.raises(ValueError):
        idempotency.once(user=patient.user, key=KEY, action=fail)
    assert not IdempotencyKey.objects.exists()
    assert idempotency.once(user=patient.user, key=KEY, action=lambda: {"pk": 3}).result == {"pk": 3}


def test_a_missing_or_malformed_key_is_no_key():
    assert idempotency.key_from({}) == ""
    assert idempotency.key_from({"idempotency_key": "short"}) == ""
    assert idempotency.key_from({"idempotency_key": "<script>alert(1)</script>"}) == ""
    assert idempotency.key_from({"idempotency_key": KEY}) == KEY


def _reaction(day, symptom, key):
    return {"symptom": symptom.pk, "severity": "2", "body_area": "", "treatment": "", "idempotency_key": key}


def test_two_identical_reaction_posts_store_one_reaction(client, patient):
    symptom = SymptomFactory()
    client.force_login(patient.user)
    url = reverse("diary:reaction-add", args=[patient.today()])
    first = client.post(url, _reaction(patient.today(), symptom, KEY), follow=True)
    second = client.post(url, _reaction(patient.today(), symptom, KEY), follow=True)
    assert Reaction.objects.count() == 1
    assert "Logged moderate burning." in first.text and "Logged moderate burning." in second.text


def test_two_identical_applied_now_posts_store_one_application(client, patient):
    course = TreatmentFactory(patient=patient)
    client.force_login(patient.user)
    url = reverse("diary:application-add", args=[patient.today()])
    for _ in range(2):
        response = client.post(url, {"treatment": course.pk, "idempotency_key": KEY})
        assert response.status_code == 302
    application = Application.objects.get()
    assert response.url.endswith(f"?undo={application.pk}")


def test_the_forms_carry_a_fresh_key_each_time_they_are_shown(client, patient):
    TreatmentFactory(patient=patient)
    client.force_login(patient.user)
    keys = [re.findall(r'name="idempotency_key" value="([^"]+)"', client.get("/").text) for _ in range(2)]
    assert len(keys[0]) == 2  # "Applied now" and the reaction form
    assert not set(keys[0]) & set(keys[1])


def test_a_refused_write_keeps_its_key_in_the_form_and_stores_nothing(client, patient):
    client.force_login(patient.user)
    url = reverse("diary:reaction-add", args=[patient.today()])
    response = client.post(url, {"symptom": "", "severity": "2", "idempotency_key": KEY})
    assert response.status_code == 200
    assert f'value="{KEY}"' in response.text
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_twenty_identical_reaction_posts_at_once_store_one_reaction():
    patient = PatientFactory(user__username="tapper", time_zone="Europe/London")
    symptom = SymptomFactory()
    url = reverse("diary:reaction-add", args=[patient.today()])
    clients = [Client() for _ in range(20)]
    for each in clients:
        each.force_login(patient.user)
    statuses = []

    def post(n):
        response = retrying_on_table_locks(lambda: clients[n].post(url, _reaction(patient.today(), symptom, KEY)))
        statuses.append(response.status_code)

    assert in_parallel(20, post) == []
    assert statuses == [302] * 20
    assert Reaction.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1
