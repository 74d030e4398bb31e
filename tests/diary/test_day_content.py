"""The day page's content written in Python (`{% day_content %}`, diary/day_html.py's sections): the same HTML,
character for character, as the template it replaced, on every kind of day the page shows (kept below)."""

import datetime
import re
from unittest import mock

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.template import engines
from django.urls import reverse

from diary import views
from diary.models import Flag
from drugs.models import Urgency
from tests.factories import (
    ApplicationFactory,
    ClinicFactory,
    EntryFactory,
    PhotoFactory,
    ReactionFactory,
    StaffFactory,
    SymptomFactory,
    TreatmentFactory,
    assign,
)

HOSTILE = '<script>"x" & y</script>'

# templates/diary/entry_day.html's content block and templates/diary/_day_photos.html (its include) as they were.
CONTENT_TEMPLATE = """{% load tz diary_tags idempotency day_page %}{% timezone patient.time_zone %}
{% day_heading %}

{% day_alerts alerts %}
{% care_note %}
{% day_links %}

{% if undo and not alerts.flags %}{% include "diary/_undo_bar.html" %}{% endif %}

<section class="mb-4" aria-labelledby="courses-title">
  <h2 class="h5" id="courses-title">Your treatments</h2>
  {% if apply_form.errors %}
    <div class="alert alert-danger" role="alert" tabindex="-1" data-error-summary>{% for error in apply_form.non_field_errors %}{{ error }} {% endfor %}{% for error in apply_form.treatment.errors %}{{ error }} {% endfor %}{% for error in apply_form.time.errors %}<a class="alert-link" href="#time-{{ apply_form.treatment.value }}">At (your time): {{ error }}</a>{% endfor %}</div>
  {% endif %}
  {% if apply_forms %}{% course_cards apply_forms %}{% else %}
    <p>No treatment {% if is_today %}is active today{% else %}was active that day{% endif %}.
      <a href="{{ nav.treatment_add }}">Add your treatment</a> to record applications.</p>
  {% endif %}
</section>

<section class="mb-4" id="reactions" aria-labelledby="reactions-title" tabindex="-1"{% if notices.reactions %} aria-describedby="reactions-notices"{% endif %}>
  <h2 class="h5" id="reactions-title">How is your skin?</h2>
  {% day_messages notices.reactions "reactions-notices" %}
  <form method="post" action="{{ nav.routes.reaction_add|fill:day }}#reactions" novalidate>
    {% csrf_input %}
    {% form_key reaction_form %}
    {% form_errors reaction_form %}
    {% reference_field reaction_form.symptom reference_version %}
    {% reference_field reaction_form.body_area reference_version %}
    {% if progress or reaction_form.treatment.errors %}{% reference_field reaction_form.treatment reference_version %}{% endif %}
    <fieldset class="mb-2"{% if reaction_form.severity.errors %} aria-describedby="severity-error" data-invalid{% endif %}>
      <legend class="form-label fs-6">How bad? Tap one to save.</legend>
      <div class="severity-choice">
        {% severity_buttons reaction_form.severity %}
      </div>
      {% for error in reaction_form.severity.errors %}<div class="invalid-feedback d-block" id="severity-error">{{ error }}</div>{% endfor %}
    </fieldset>
  </form>
</section>

<section class="mb-4" aria-labelledby="itch-title">
  <h2 class="h5" id="itch-title">Itch, sleep and notes</h2>
  <form method="post" action="{{ nav.routes.entry_save|fill:day }}" novalidate>
    {% csrf_input %}
    {% form_errors entry_form %}
    {% reference_field entry_form.itch reference_version %}
    {% reference_field entry_form.sleep_loss reference_version %}
    {% reference_field entry_form.notes reference_version %}
    <button type="submit" class="btn btn-primary w-100">Save itch, sleep and notes</button>
  </form>
</section>


<section class="mb-4" id="photos" aria-labelledby="photos-title" tabindex="-1"{% if notices.photos %} aria-describedby="photos-notices"{% endif %}>
  <h2 class="h5" id="photos-title">Photos</h2>
  {% day_messages notices.photos "photos-notices" %}
  {% if photos %}
    <ul class="photo-grid list-unstyled">
      {% for photo in photos %}
        <li class="photo-tile">
          <a href="{{ nav.routes.photo_detail|fill:photo.pk }}">
            <img class="photo-thumb" src="{{ nav.routes.photo_thumb|fill:photo.pk }}" alt="{{ photo.body_area.name }}{% if photo.caption %}: {{ photo.caption }}{% endif %}" loading="lazy">
          </a>
          <span class="small">{{ photo.body_area.name }}{% if photo.caption %} · {{ photo.caption }}{% endif %}</span>
          <a class="btn btn-sm btn-outline-danger" href="{{ nav.routes.photo_delete|fill:photo.pk }}">Delete<span class="visually-hidden"> this photo of your {{ photo.body_area.name|lower }}</span></a>
        </li>
      {% endfor %}
    </ul>
  {% endif %}
  <form method="post" action="{{ nav.routes.photo_add|fill:day }}#photos" enctype="multipart/form-data" novalidate data-submit-once>
    {% csrf_input %}
    {% form_errors photo_form %}
    {% reference_field photo_form.upload reference_version %}
    {% reference_field photo_form.body_area reference_version %}
    {% reference_field photo_form.caption reference_version %}
    <button type="submit" class="btn btn-primary w-100">Add a photo</button>
  </form>
  <p class="mt-2 small"><a href="{{ nav.photos }}">All your photos</a> · <a href="{{ nav.photo_compare }}">Compare over time</a></p>
</section>


<section class="mb-4" id="logged" aria-labelledby="logged-title">
  <h2 class="h5" id="logged-title">What you logged</h2>
  {% if entry %}
    {% entry_details entry %}
    {% if not entry.applications and not entry.reactions and entry.itch is None and not entry.notes %}<p>Nothing yet.</p>{% endif %}
    <p class="mt-3"><a class="btn btn-outline-danger" href="{{ nav.routes.entry_delete|fill:day }}">Delete this whole day</a></p>
  {% else %}
    <p>Nothing yet.</p>
  {% endif %}
</section>
{% endtimezone %}"""  # noqa: E501
TAG_TEMPLATE = "{% load tz day_page %}{% timezone patient.time_zone %}{% day_content %}{% endtimezone %}"

# What differs from one render to the next: the CSRF mask and each form's fresh idempotency key.
TOKENS = re.compile(r'(name="(?:csrfmiddlewaretoken|idempotency_key)" value=")[^"]+"')


def _pages_context(client, method: str, path: str, data=None) -> list[tuple]:
    """The request and context of each day page the view renders for this request."""
    rendered = []

    def keep(request, name, context):
        if name == "diary/entry_day.html":
            rendered.append((request, dict(context)))
        return real_render(request, name, context)

    real_render = views.render
    with mock.patch.object(views, "render", side_effect=keep):
        response = getattr(client, method)(path, data or {})
    assert response.status_code == 200
    assert rendered
    return rendered


def _both(request, context) -> tuple[str, str]:
    engine = engines["django"]
    return tuple(
        TOKENS.sub(r'\1T"', engine.from_string(template).render(context, request))
        for template in (CONTENT_TEMPLATE, TAG_TEMPLATE)
    )


def _flag(patient, day):
    return Flag.objects.create(
        patient=patient,
        urgency=Urgency.TODAY,
        first_seen=day,
        last_seen=day,
        rule_text=f"Burning {HOSTILE}",
        advice="Contact your clinician.",
        evidence={"days": [{"date": day.isoformat()}]},
    )


@pytest.fixture
def full_day(patient, face):
    """Today with a course, an application, a reaction, notes, a photo (hostile text in each) and a clinic."""
    course = TreatmentFactory(patient=patient, body_areas=[face], strength=HOSTILE)
    entry = EntryFactory(patient=patient, itch=4, notes=f"Dry {HOSTILE}\nsecond line")
    application = ApplicationFactory(entry=entry, treatment=course, body_areas=[face])
    ReactionFactory(entry=entry, symptom=SymptomFactory(code="sting", name=HOSTILE), body_area=face)
    PhotoFactory(entry=entry, body_area=face, caption=HOSTILE)
    assign(patient, StaffFactory(username="dr-hostile"), clinic=ClinicFactory(name=HOSTILE))
    return {"course": course, "entry": entry, "application": application}


def _day_path(patient, days_ago: int) -> str:
    return reverse("diary:day", args=[patient.today() - datetime.timedelta(days=days_ago)])


def _course_ended(course, patient) -> int:
    """The course ended yesterday: none runs today."""
    return type(course).objects.filter(pk=course.pk).update(ended_on=patient.today() - datetime.timedelta(days=1))


SCENARIOS = {
    "today": lambda patient, made: ("get", "/", None),
    "today, alert on the day": lambda patient, made: (_flag(patient, patient.today()) and "get", "/", None),
    "undo bar": lambda patient, made: ("get", f"/?undo={made['application'].pk}", None),
    "past day": lambda patient, made: ("get", _day_path(patient, 3), None),
    "bad time on a past day": lambda patient, made: (
        "post",
        reverse("diary:application-add", args=[patient.today() - datetime.timedelta(days=2)]),
        {"treatment": made["course"].pk, "time": "25:99"},
    ),
    "unknown course": lambda patient, made: (
        "post",
        reverse("diary:application-add", args=[patient.today() - datetime.timedelta(days=2)]),
        {"treatment": "999999", "time": "08:00"},
    ),
    "bad reaction": lambda patient, made: (
        "post",
        reverse("diary:reaction-add", args=[patient.today()]),
        {"symptom": HOSTILE, "severity": "9", "treatment": "999999", "idempotency_key": "typed-key"},
    ),
    "bad itch and notes": lambda patient, made: (
        "post",
        reverse("diary:entry-save", args=[patient.today()]),
        {"itch": "11", "sleep_loss": "-1", "notes": HOSTILE},
    ),
    "no course today, bad reaction": lambda patient, made: (
        _course_ended(made["course"], patient) and "post",
        reverse("diary:reaction-add", args=[patient.today()]),
        {"symptom": "", "severity": "2", "treatment": "999999"},
    ),
    "photo without a file": lambda patient, made: (
        "post",
        reverse("diary:photo-add", args=[patient.today()]),
        {"caption": HOSTILE},
    ),
}


# What each scenario's page shows, so that each is the kind of day it says.
SHOWN = {
    "today": 'class="photo-grid',
    "today, alert on the day": "Burning &lt;script&gt;",
    "undo bar": "undo-bar",
    "past day": "You are filling in an earlier day",
    "bad time on a past day": 'class="alert-link" href="#time-',
    "unknown course": "data-error-summary>",
    "bad reaction": 'id="severity-error"',
    "no course today, bad reaction": "No treatment is active today",
    "bad itch and notes": "Please check these",
    "photo without a file": "Please check",
}


@pytest.mark.django_db
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_day_pages_content_is_the_templates_it_replaced(client, patient, face, full_day, scenario):
    client.force_login(patient.user)
    method, path, data = SCENARIOS[scenario](patient, full_day)

    for request, context in _pages_context(client, method, path, data):
        shown = [Message(constants.SUCCESS, f"Saved {HOSTILE}"), Message(constants.ERROR, "Not saved")]
        for notices in (context["notices"], {**context["notices"], "reactions": shown, "photos": shown[:1]}):
            template, tag = _both(request, {**context, "notices": notices})

            assert tag == template
            assert "<script>" not in tag and SHOWN[scenario] in tag
            assert ('id="photos-notices"' in tag) == bool(notices["photos"])


@pytest.mark.django_db
def test_a_day_without_an_entry_or_a_course_is_the_templates_too(client, patient):
    client.force_login(patient.user)

    for request, context in _pages_context(client, "get", _day_path(patient, 5)):
        template, tag = _both(request, context)

        assert tag == template
        assert "No treatment was active that day." in tag and "<p>Nothing yet.</p>" in tag
