"""A new course starts from the guide's usual schedule for its medicine (tacrolimus twice a day, not once)."""

import json
import re

import pytest
from django.urls import reverse

from diary.models import Treatment
from drugs.models import Drug

pytestmark = pytest.mark.django_db


def _schedule(text: str) -> tuple[str, str]:
    times = re.search(r'name="schedule_times" value="(\d+)"', text).group(1)
    kind = re.search(r'name="schedule_kind" value="(\w+)"[^>]*checked', text).group(1)
    return times, kind


def _chosen_drug(text: str) -> str:
    select = re.search(r'<select name="drug".*?</select>', text, re.S).group(0)
    return re.search(r'<option value="(\d*)" selected>', select).group(1)


def test_started_from_the_guide_the_medicine_and_its_usual_schedule_are_chosen(client, patient, reference):
    client.force_login(patient.user)
    tacrolimus = Drug.objects.get(slug="tacrolimus-ointment")

    text = client.get(reverse("diary:treatment-add"), {"drug": "tacrolimus-ointment"}).content.decode()

    assert _chosen_drug(text) == str(tacrolimus.pk)
    assert _schedule(text) == ("2", "daily")


def test_the_guides_page_links_to_starting_the_medicine(client, reference):
    text = client.get(reverse("drugs:drug-detail", args=["tacrolimus-ointment"])).content.decode()

    assert f'href="{reverse("diary:treatment-add")}?drug=tacrolimus-ointment"' in text


def test_each_medicines_usual_schedule_is_on_the_select_for_the_script(client, patient, reference):
    client.force_login(patient.user)

    text = client.get(reverse("diary:treatment-add")).content.decode()

    attribute = re.search(r'data-usual-schedules="([^"]*)"', text).group(1)
    usual = json.loads(attribute.replace("&quot;", '"'))
    assert usual[str(Drug.objects.get(slug="tacrolimus-ointment").pk)] == {"times": 2, "kind": "daily"}
    assert usual[str(Drug.objects.get(slug="mometasone-furoate").pk)] == {"times": 1, "kind": "daily"}
    assert _chosen_drug(text) == ""  # several medicines and none asked for: the patient chooses
    assert _schedule(text) == ("1", "daily")


def test_the_only_medicine_is_chosen_with_its_usual_schedule_without_javascript(client, patient, tacrolimus):
    tacrolimus.regimens.create(frequency="Thin layer twice daily", schedule_times=2, schedule_kind="daily")
    client.force_login(patient.user)

    text = client.get(reverse("diary:treatment-add")).content.decode()

    assert _chosen_drug(text) == str(tacrolimus.pk)
    assert _schedule(text) == ("2", "daily")


def test_an_unknown_medicine_in_the_address_is_ignored(client, patient, reference):
    client.force_login(patient.user)

    response = client.get(reverse("diary:treatment-add"), {"drug": "no-such-cream"})

    assert response.status_code == 200
    assert _schedule(response.content.decode()) == ("1", "daily")


def test_editing_a_course_keeps_its_own_schedule(client, patient, course):
    course.schedule_times = 3
    course.save()
    client.force_login(patient.user)

    text = client.get(reverse("diary:treatment-edit", args=[course.pk])).content.decode()

    assert _schedule(text) == ("3", "daily")
    assert "data-usual-schedules" not in text


def test_a_schedule_the_patient_typed_is_what_is_stored(client, patient, reference, face):
    client.force_login(patient.user)
    tacrolimus = Drug.objects.get(slug="tacrolimus-ointment")

    client.post(
        reverse("diary:treatment-add") + "?drug=tacrolimus-ointment",
        {
            "drug": tacrolimus.pk,
            "strength": "0.1% ointment (1 mg/g)",
            "body_areas": [face.pk],
            "schedule_times": "1",
            "schedule_kind": "daily",
            "started_on": "2026-01-05",
            "usual_amount": "1",
            "usual_unit": "ftu",
        },
    )

    assert Treatment.objects.get(patient=patient).schedule_times == 1


def test_a_visitor_is_asked_to_log_in_first(client, reference):
    response = client.get(reverse("diary:treatment-add"), {"drug": "tacrolimus-ointment"})

    assert response.status_code == 302 and "/login" in response["Location"]
