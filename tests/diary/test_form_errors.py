"""A failed submission says what is wrong at the top of its form, links each message to its field, marks the
field invalid next to its message and keeps everything typed."""

import datetime
import re

import pytest
from django.urls import reverse

from diary.models import Reaction, Treatment
from tests.diary.conftest import UTC, frozen
from tests.factories import ApplicationFactory, EntryFactory, ReactionFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
TODAY = datetime.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def now():
    with frozen(NOW):
        yield NOW


def _summary(text: str) -> str:
    match = re.search(r"<div[^>]*data-error-summary[^>]*>(.*?)</div>", text, re.S)
    assert match, "no error summary"
    return match.group(1)


def test_a_severity_tapped_before_a_symptom_is_explained_at_the_symptom(client, patient, course, face):
    client.force_login(patient.user)

    response = client.post(reverse("diary:reaction-add", args=[TODAY]), {"severity": "2", "body_area": face.pk})

    text = response.content.decode()
    assert response.status_code == 200
    assert 'href="#id_symptom">What did you notice?: Choose what you noticed, then tap how bad it is.</a>' in _summary(
        text
    )
    select = re.search(r"<select name=\"symptom\"[^>]*>", text).group(0)
    assert 'aria-invalid="true"' in select and 'aria-describedby="id_symptom_error"' in select
    assert 'id="id_symptom_error"' in text
    assert re.search(rf'<option value="{face.pk}" selected>', text)  # the area chosen is kept
    # Without JavaScript the page comes back at the form, not at the top of a long page.
    assert f'action="{reverse("diary:reaction-add", args=[TODAY])}#reactions"' in text
    assert not Reaction.objects.exists()


def test_a_reaction_edit_without_a_severity_links_to_the_first_severity(client, patient, course, burning):
    reaction = ReactionFactory(entry=EntryFactory(patient=patient, date=TODAY), symptom=burning)
    client.force_login(patient.user)

    response = client.post(reverse("diary:reaction-edit", args=[reaction.pk]), {"symptom": burning.pk})

    text = response.content.decode()
    assert 'href="#id_severity_0">How bad?: This field is required.</a>' in _summary(text)
    assert 'id="id_severity_0"' in text and "data-invalid" in text


def test_a_treatment_form_with_errors_links_each_and_keeps_what_was_typed(client, patient, tacrolimus, face):
    client.force_login(patient.user)

    response = client.post(
        reverse("diary:treatment-add"),
        {"drug": tacrolimus.pk, "schedule_times": "9", "schedule_kind": "daily", "instructions": "After the bath"},
    )

    text = response.content.decode()
    summary = _summary(text)
    assert "Please check these 6 things:" in summary
    for anchor in ("id_strength", "id_body_areas_0", "id_schedule_times", "id_started_on", "id_usual_amount"):
        assert f'href="#{anchor}"' in summary
    assert 'id="id_body_areas_0"' in text
    assert "After the bath</textarea>" in text
    assert re.search(r'name="schedule_times" value="9"[^>]*aria-invalid="true"', text)
    assert not Treatment.objects.filter(patient=patient).exists()


def test_an_application_edit_with_errors_links_to_the_field(client, patient, course, face):
    application = ApplicationFactory(entry=EntryFactory(patient=patient, date=TODAY), treatment=course)
    client.force_login(patient.user)

    response = client.post(
        reverse("diary:application-edit", args=[application.pk]),
        {"treatment": course.pk, "time": "", "body_areas": [face.pk], "amount": "2", "unit": "ftu"},
    )

    text = response.content.decode()
    assert 'href="#id_time">Time: This field is required.</a>' in _summary(text)
    assert 'name="amount" value="2"' in text


def test_a_valid_page_has_no_error_summary(client, patient, course):
    client.force_login(patient.user)

    assert "data-error-summary" not in client.get(reverse("home")).content.decode()
    assert "data-error-summary" not in client.get(reverse("diary:treatment-add")).content.decode()
