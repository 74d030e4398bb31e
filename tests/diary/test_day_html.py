"""The day page's lists written in Python (diary/day_html.py): every value escaped as the template escaped it, times
in the page's time zone."""

import datetime
import gc
import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.template import engines
from django.template.defaultfilters import date as date_filter
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from clinics.models import CareLink
from diary import day_html
from diary.context_processors import NAV_ROUTES, _nav_urls
from diary.day_html import entry_details, long_day, short_day
from diary.forms import ReactionForm
from diary.selectors import DayAlerts, DayLog, LoggedApplication, LoggedReaction
from tests.factories import ClinicFactory, DrugFactory, StaffFactory, TreatmentFactory, assign

ROUTES = {key: f"/{key}/{{}}/" for key in NAV_ROUTES}
HOSTILE = '<script>"x" & y</script>'


def _day(**fields) -> DayLog:
    defaults = {
        "pk": 1,
        "date": datetime.date(2026, 7, 1),
        "itch": None,
        "sleep_loss": None,
        "notes": "",
        "is_late": False,
        "applications": [],
        "reactions": [],
    }
    return DayLog(**{**defaults, **fields})


def test_what_a_patient_typed_or_named_is_escaped_in_the_days_list():
    application = LoggedApplication(
        pk=7,
        drug=HOSTILE,
        strength="1 mg/g <b>",
        applied_at=datetime.datetime(2026, 7, 1, 20, 5, tzinfo=datetime.UTC),
        amount_display="1 FTU & more",
        areas=["Face <1>", "Hands & feet"],
    )
    reaction = LoggedReaction(pk=9, severity=3, symptom=HOSTILE, body_area="ARM <L>", drug="Cream & co")
    entry = _day(applications=[application], reactions=[reaction], itch=0, notes="Dry <patch>\nsecond line")

    with timezone.override("Europe/London"):
        html = str(entry_details(entry=entry, routes=ROUTES))

    assert "<script>" not in html and "<b>" not in html and "<1>" not in html
    assert "<strong>&lt;script&gt;&quot;x&quot; &amp; y&lt;/script&gt;</strong> 1 mg/g &lt;b&gt;" in html
    assert '<time datetime="2026-07-01T21:05:00+01:00">21:05</time>' in html  # summer time in London
    assert "· 1 FTU &amp; more · Face &lt;1&gt;, Hands &amp; feet</span>" in html
    assert 'href="/application_edit/7/">Edit<span class="visually-hidden"> &lt;script&gt;' in html
    assert '<span class="badge text-bg-danger">Severe</span>' in html
    assert " on arm &lt;l&gt; · Cream &amp; co</span>" in html
    assert 'href="/reaction_delete/9/">Delete' in html
    assert "Peak itch: <strong>0</strong> of 10" in html and "Sleep loss" not in html
    assert '<p class="mb-1 diary-notes">Dry &lt;patch&gt;<br>second line</p>' in html


def test_a_day_with_nothing_listed_writes_no_headings():
    html = str(entry_details(entry=_day(), routes=ROUTES))

    assert html.strip() == ""


@pytest.mark.django_db
def test_a_course_card_escapes_the_medicine_and_a_typed_time(client, patient, face):
    drug = DrugFactory(slug="hostile", generic_name=HOSTILE)
    course = TreatmentFactory(patient=patient, drug=drug, body_areas=[face], strength="A & B")
    client.force_login(patient.user)
    day = patient.today() - datetime.timedelta(days=2)

    text = client.post(
        reverse("diary:application-add", args=[day]), {"treatment": course.pk, "time": '<i>"9'}
    ).content.decode()

    card = re.search(r'<div class="card mb-2">.*?</form>', text, re.S).group(0)
    assert "<script>" not in card and "<i>" not in card
    assert "&lt;script&gt;&quot;x&quot; &amp; y&lt;/script&gt; A &amp; B</h3>" in card
    assert 'value="&lt;i&gt;&quot;9" aria-invalid="true"' in card
    assert f'action="{_nav_urls("config.urls", "/")["routes"]["application_add"].format(day)}"' in card
    assert card.count('name="csrfmiddlewaretoken"') == 1 and card.count('name="idempotency_key"') == 1


@pytest.mark.django_db
def test_a_course_on_the_course_list_escapes_its_medicine_and_instructions(client, patient, face):
    drug = DrugFactory(slug="hostile", generic_name=HOSTILE)
    course = TreatmentFactory(
        patient=patient,
        drug=drug,
        body_areas=[face],
        strength="A & B",
        started_on=patient.today(),
        instructions='Thin <b>layer</b> & "rub"\nthen wash',
    )
    client.force_login(patient.user)

    text = client.get(reverse("diary:treatment-list")).content.decode()

    card = re.search(r"<article .*?</article>", text, re.S).group(0)
    assert "<script>" not in card and "<b>" not in card
    assert f'id="treatment-{course.pk}">&lt;script&gt;&quot;x&quot; &amp; y&lt;/script&gt; A &amp; B</h3>' in card
    assert "Thin &lt;b&gt;layer&lt;/b&gt; &amp; &quot;rub&quot;<br>then wash</p>" in card
    assert f"Since {patient.today().day} {patient.today():%B %Y}" in card
    assert f'action="{reverse("diary:treatment-stop", args=[course.pk])}"' in card
    assert f'href="{reverse("reminders:schedule-edit", args=[course.pk])}"' in card
    assert card.count('name="csrfmiddlewaretoken"') == 1


def _both(template: str, tag: str, **context) -> tuple[str, str]:
    engine, request = engines["django"], RequestFactory().get("/")
    loads = "{% load day_page %}"
    return (
        engine.from_string(loads + template).render(context, request),
        engine.from_string(loads + tag).render(context, request),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("data", [None, {"severity": "9", "symptom": HOSTILE}, {"symptom": "", "severity": "1"}])
def test_a_forms_error_summary_is_the_partials_with_or_without_errors(patient, data):
    form = ReactionForm(data, patient=patient)
    included, tagged = _both(
        '{% include "diary/_form_errors.html" with form=form %}', "{% form_errors form %}", form=form
    )

    assert tagged == included
    assert ("Please check" in tagged) == (data is not None)


@pytest.mark.parametrize("messages_id", [None, "reactions-notices"])
@pytest.mark.parametrize("count", [0, 1, 2])
def test_the_day_pages_messages_are_the_partials_in_each_region(messages_id, count):
    kinds = [Message(constants.SUCCESS, f"Saved {HOSTILE}"), Message(constants.ERROR, "Not saved & why")]
    shown = kinds[:count]
    with_id = f' messages_id="{messages_id}"' if messages_id else ""
    tag_id = f' "{messages_id}"' if messages_id else ""
    included, tagged = _both(
        f'{{% include "_messages.html" with messages=shown{with_id} %}}',
        f"{{% day_messages shown{tag_id} %}}",
        shown=shown,
    )

    assert tagged == included
    assert ("<script>" in tagged) is False
    assert (f'id="{messages_id}"' in tagged) == bool(messages_id and count)


def test_the_day_pages_dates_read_as_djangos_date_filter_on_every_day_of_three_years():
    day = datetime.date(2026, 1, 1)
    for _ in range(3 * 366):
        assert long_day(day) == date_filter(day, "l j F Y")
        assert short_day(day) == date_filter(day, "j F Y")
        day += datetime.timedelta(days=1)
    assert long_day(datetime.date(1900, 3, 1)) == "Thursday 1 March 1900"


# Who sees the diary, as templates/diary/_care_note.html wrote it before it was written in Python.
CARE_NOTE_TEMPLATE = """{# A quiet line on Today saying who sees the diary: the clinics and assigned dermatologists, or nobody. #}
<p class="small text-body-secondary mb-3 care-note">
  {% if care_links %}
    Shared with {% for link in care_links %}{% if not forloop.first %}{% if forloop.last %} and {% else %}, {% endif %}{% endif %}{{ link.clinic.name }}{% if link.dermatologist %} ({{ link.dermatologist.get_full_name|default:link.dermatologist.get_username }}){% endif %}{% endfor %}.
    <a href="{{ nav.sharing }}">Who can see my diary</a>
  {% else %}
    Not shared with a clinic: only you see this diary. <a href="{{ nav.clinic_join }}">Share with a clinic</a>
  {% endif %}
</p>
"""  # noqa: E501


@pytest.mark.django_db
@pytest.mark.parametrize("count", [0, 1, 2, 3])
def test_who_sees_the_diary_reads_as_the_template_did_with_hostile_names(patient, count):
    dermatologists = [
        StaffFactory(username="derm<1>", first_name="", last_name=""),
        StaffFactory(username="derm2", first_name=HOSTILE, last_name="& co"),
        None,
    ]
    for index in range(count):
        clinic = ClinicFactory(name=f"Clinic {index} {HOSTILE}", code=f"c{index}")
        link = assign(patient, dermatologists[index] or StaffFactory(username=f"x{index}"), clinic=clinic)
        if dermatologists[index] is None:
            CareLink.objects.filter(pk=link.pk).update(dermatologist=None)
    links = list(CareLink.objects.filter(patient=patient.user).select_related("clinic", "dermatologist"))
    nav = {"sharing": "/sharing/?a=1&b=2", "clinic_join": "/join/?x=<y>"}

    expected = engines["django"].from_string(CARE_NOTE_TEMPLATE).render({"care_links": links, "nav": nav})

    assert str(day_html.care_note(care_links=links, nav=nav)) == expected
    assert "<script>" not in expected


@pytest.mark.django_db
@pytest.mark.parametrize("others", [0, 2])
def test_a_day_without_alerts_writes_what_the_alerts_partial_writes(patient, others):
    alerts = DayAlerts(flags=[], others=others)
    context = {"alerts": alerts, "nav": {"alerts": "/alerts/"}, "notices": {}, "undo": None}

    included, tagged = _both('{% include "diary/_day_alerts.html" %}', "{% day_alerts alerts %}", **context)

    assert tagged == included
    assert ("2 other open alerts" in tagged) == bool(others)


# The day page's heading and links to other days, as templates/diary/entry_day.html wrote them before.
HEADING_TEMPLATE = """{% if is_today %}
  <h1 class="h3 mb-1">Today</h1>
  <p class="text-body-secondary mb-2"><time datetime="{{ day.isoformat }}">{{ day|date:"l j F Y" }}</time>
    {% if entry.is_late %}<span class="badge text-bg-secondary">Recorded late</span>{% endif %}</p>
{% else %}
  {# A past day's date is its heading, once. #}
  <h1 class="h3 mb-2"><time datetime="{{ day.isoformat }}">{{ day|date:"l j F Y" }}</time>
    {% if entry.is_late %}<span class="badge text-bg-secondary fs-6 align-middle">Recorded late</span>{% endif %}</h1>
{% endif %}"""
LINKS_TEMPLATE = """{% load diary_tags %}{% if poem_due %}
<div class="alert alert-info d-flex flex-wrap gap-2 align-items-center justify-content-between poem-prompt">
  <span>This week's eczema questions (POEM) are waiting: 7 quick questions.</span>
  <a class="btn btn-primary" href="{{ nav.poem }}">Answer POEM</a>
</div>
{% endif %}

<nav class="day-nav mb-3" aria-label="Other days">
  <a class="btn btn-outline-secondary" rel="prev" href="{{ nav.routes.day|fill:previous_day }}"><span aria-hidden="true">\u2039</span> Previous day</a>
  {% if next_day %}
    <a class="btn btn-outline-secondary" rel="next" href="{% if next_day == today %}{{ nav.home }}{% else %}{{ nav.routes.day|fill:next_day }}{% endif %}">Next day <span aria-hidden="true">\u203a</span></a>
  {% endif %}
  <form method="get" action="{{ nav.day_pick }}" class="day-pick">
    <label class="visually-hidden" for="day-picker">Go to a day</label>
    <input class="form-control" type="date" id="day-picker" name="date" max="{{ today.isoformat }}" value="{{ day.isoformat }}">
    <button type="submit" class="btn btn-outline-secondary">Go</button>
  </form>
</nav>

{% if not is_today %}
  <p class="alert alert-info">You are filling in an earlier day. What you add here is saved on {{ day|date:"j F Y" }}.</p>
{% endif %}"""  # noqa: E501


@pytest.mark.parametrize("days_ago", [0, 1, 2, 400])
@pytest.mark.parametrize("late", [None, False, True])
@pytest.mark.parametrize("poem_due", [False, True])
def test_the_days_heading_and_links_read_as_the_template_did(days_ago, late, poem_due):
    today = datetime.date(2026, 3, 1)
    day = today - datetime.timedelta(days=days_ago)
    entry = None if late is None else _day(date=day, is_late=late)
    nav = {
        "poem": "/poem/?a=1&b=<2>",
        "home": "/?x=&y",
        "day_pick": "/go/?q='1'",
        "routes": {"day": "/diary/{}/?&"},
    }
    context = {
        "day": day,
        "today": today,
        "is_today": day == today,
        "entry": entry,
        "poem_due": poem_due,
        "nav": nav,
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1) if day < today else None,
    }
    engine = engines["django"]

    heading = day_html.day_heading(day=day, is_today=day == today, entry=entry)
    links = day_html.day_links(day=day, today=today, poem_due=poem_due, nav=nav)

    assert heading == engine.from_string(HEADING_TEMPLATE).render(context)
    assert links == engine.from_string(LINKS_TEMPLATE).render(context)
    assert "&amp;" in links and "<2>" not in links


TOKEN = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)">')


def test_every_form_of_a_day_page_carries_its_renders_token_and_each_render_its_own(patient, face):
    """`{% csrf_input %}` writes `{% csrf_token %}`'s input once a render: every form on the page (the log-out form's
    through Django's own tag) has the same token, a second page another, and each is accepted with its cookie."""
    TreatmentFactory(patient=patient, body_areas=[face])
    browsers = [Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)]
    tokens = []
    for browser in browsers:
        browser.force_login(patient.user)
        page = browser.get(reverse("home")).content.decode()
        found = TOKEN.findall(page)
        assert len(found) == 5 and len(set(found)) == 1  # log out, "Applied", reaction, itch and notes, photo
        tokens.append(found[0])
    again = TOKEN.findall(browsers[0].get(reverse("home")).content.decode())
    assert len({tokens[0], tokens[1], again[0]}) == 3
    for browser, token in ((browsers[0], again[0]), (browsers[1], tokens[1])):
        saved = browser.post(reverse("diary:entry-save", args=[patient.today()]), {"csrfmiddlewaretoken": token})
        assert saved.status_code == 302
    refused = browsers[0].post(reverse("diary:entry-save", args=[patient.today()]), {"csrfmiddlewaretoken": "x" * 64})
    assert refused.status_code == 403


@pytest.mark.parametrize("token", ["plain-token", ""])
def test_csrf_input_writes_what_csrf_token_writes_for_a_plain_value(token):
    django_engine = engines["django"]
    ours = django_engine.from_string("{% load day_page %}{% csrf_input %}{% csrf_input %}")
    djangos = django_engine.from_string("{% csrf_token %}{% csrf_token %}")

    assert ours.render({"csrf_token": token}) == djangos.render({"csrf_token": token})


def test_a_render_without_a_token_never_gets_an_earlier_renders_input():
    ours = engines["django"].from_string("{% load day_page %}{% csrf_input %}")
    token = SimpleLazyObject(lambda: "an-earlier-pages-token")
    assert "an-earlier-pages-token" in ours.render({"csrf_token": token})
    del token
    gc.collect()  # the earlier render's token is gone: its weak reference now answers None

    assert ours.render({}) == engines["django"].from_string("{% csrf_token %}").render({}) == ""
