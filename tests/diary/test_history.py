"""History: the patient's days in words, newest first under month headings, with editing behind each day."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from diary.models import Flag
from drugs.models import Urgency
from tests.diary.conftest import UTC, frozen
from tests.factories import ApplicationFactory, BodyAreaFactory, EntryFactory, PhotoFactory, ReactionFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
TODAY = datetime.date(2026, 3, 10)
EARLIER = datetime.date(2026, 3, 7)
HISTORY = "/diary/history/"


@pytest.fixture(autouse=True)
def now():
    with frozen(NOW):
        yield NOW


def _flag(patient, day, *, urgency=Urgency.TODAY, status=Flag.Status.OPEN, text="Burning for more than a week"):
    return Flag.objects.create(
        patient=patient,
        urgency=urgency,
        status=status,
        first_seen=day,
        last_seen=day,
        rule_text=text,
        advice="Contact your clinician.",
        evidence={"days": [{"date": day.isoformat()}]},
    )


@pytest.fixture
def day(patient, course, burning, face):
    """7 March: two doses of the course, burning, itch, sleep, a note, a photo and an alert."""
    entry = EntryFactory(patient=patient, date=EARLIER, itch=3, sleep_loss=2, notes="Stings after the evening dose")
    for hour in (8, 20):  # London is on UTC in March before the clocks change
        ApplicationFactory(
            entry=entry, treatment=course, applied_at=datetime.datetime(2026, 3, 7, hour, tzinfo=UTC), body_areas=[face]
        )
    ReactionFactory(entry=entry, symptom=burning, body_area=face, severity=2)
    PhotoFactory(entry=entry, body_area=face)
    return entry


def _items(text: str) -> list[str]:
    """The day headings and gap lines of the page, in order."""
    return re.findall(r'<h3[^>]*><a href="[^"]+">([^<]+)</a>|<p class="history-gap">([^<]+)</p>', text)


def test_a_day_reads_as_what_was_applied_reported_scored_and_alerted(client, patient, day):
    flag = _flag(patient, EARLIER)
    client.force_login(patient.user)

    text = client.get(HISTORY).content.decode()

    assert "Tacrolimus ointment 0.1% at 08:00 and 20:00 · 1 FTU each · on face" in text
    assert 'Burning on face <span class="badge text-bg-orange">Moderate</span>' in text
    assert "<dt>Peak itch</dt><dd>3 of 10</dd>" in text
    assert "<dt>Sleep loss</dt><dd>2 of 10</dd>" in text
    assert "Stings after the evening dose" in text
    assert "<dd>1 photo</dd>" in text
    # The alert's urgency is a word, not a colour alone, and it leads to the alert.
    assert f'Today<span class="visually-hidden"> urgency</span></span> <a href="/diary/alerts/{flag.pk}/">' in text


def test_doses_that_differ_in_amount_or_area_are_each_written_out(client, patient, course, face):
    hands = BodyAreaFactory(code="hands", name="Hands")
    entry = EntryFactory(patient=patient, date=EARLIER)
    ApplicationFactory(entry=entry, treatment=course, applied_at=datetime.datetime(2026, 3, 7, 8, tzinfo=UTC))
    ApplicationFactory(
        entry=entry,
        treatment=course,
        applied_at=datetime.datetime(2026, 3, 7, 20, tzinfo=UTC),
        amount=Decimal("0.5"),
        body_areas=[face, hands],
    )
    client.force_login(patient.user)

    text = client.get(HISTORY).content.decode()

    assert "Tacrolimus ointment 0.1% at 08:00 (1 FTU on face) and 20:00 (0.5 FTU on face, hands)" in text


def test_times_are_the_patients_own(client, other_patient, tacrolimus, face):
    from tests.factories import TreatmentFactory

    course = TreatmentFactory(patient=other_patient, drug=tacrolimus, body_areas=[face])
    entry = EntryFactory(patient=other_patient, date=EARLIER)
    ApplicationFactory(entry=entry, treatment=course, applied_at=datetime.datetime(2026, 3, 7, 14, tzinfo=UTC))
    client.force_login(other_patient.user)

    assert "at 09:00 · 1 FTU" in client.get(HISTORY).content.decode()  # New York, UTC-5


def test_editing_is_behind_the_day_history_has_no_edit_or_delete_buttons(client, patient, day):
    EntryFactory(patient=patient, date=TODAY, notes="Today's note")
    client.force_login(patient.user)

    text = client.get(HISTORY).content.decode()

    assert f'<a href="{reverse("diary:day", args=[EARLIER])}">Saturday 7 March 2026</a>' in text
    assert f'<a href="{reverse("home")}">Tuesday 10 March 2026</a>' in text  # today's page is Today
    assert "/edit/" not in text and "/delete/" not in text
    assert ">Edit<" not in text and ">Delete<" not in text


def test_days_are_grouped_under_month_headings_newest_first_with_gaps_inside_a_course(client, patient, course):
    for date in [datetime.date(2026, 3, 9), EARLIER, datetime.date(2026, 2, 27)]:
        EntryFactory(patient=patient, date=date, notes=f"Note {date}")
    client.force_login(patient.user)

    text = client.get(HISTORY).content.decode()

    assert re.findall(r"<h2[^>]*>([^<]+)</h2>", text) == ["March 2026", "February 2026", "January 2026"]
    assert [heading or gap for heading, gap in _items(text)] == [
        "Tuesday 10 March: nothing logged",
        "Monday 9 March 2026",
        "Sunday 8 March: nothing logged",
        "Saturday 7 March 2026",
        "1 to 6 March: nothing logged",  # a run stops at the month's edge
        "Saturday 28 February: nothing logged",
        "Friday 27 February 2026",
        "1 to 26 February: nothing logged",
        "1 to 31 January: nothing logged",  # the course started on 1 January
    ]


def test_days_outside_every_course_are_not_gaps(client, patient, tacrolimus, face):
    from tests.factories import TreatmentFactory

    TreatmentFactory(
        patient=patient,
        drug=tacrolimus,
        body_areas=[face],
        started_on=datetime.date(2026, 3, 1),
        ended_on=datetime.date(2026, 3, 5),
    )
    EntryFactory(patient=patient, date=EARLIER, notes="After the course")
    client.force_login(patient.user)

    items = [heading or gap for heading, gap in _items(client.get(HISTORY).content.decode())]

    assert items == ["Saturday 7 March 2026", "1 to 5 March: nothing logged"]


def test_a_filtered_history_shows_only_matching_days_and_no_gaps(client, patient, day, redness):
    EntryFactory(patient=patient, date=datetime.date(2026, 3, 8), notes="Red day")
    ReactionFactory(entry__patient=patient, entry__date=datetime.date(2026, 3, 9), symptom=redness)
    client.force_login(patient.user)

    text = client.get(HISTORY, {"symptom": "redness"}).content.decode()

    assert [heading for heading, _ in _items(text)] == ["Monday 9 March 2026"]
    assert "nothing logged" not in text


def test_older_days_are_a_page_away_and_newer_days_come_back(client, patient):
    for n in range(45):
        EntryFactory(patient=patient, date=TODAY - datetime.timedelta(days=n), notes=f"Day {n}")
    client.force_login(patient.user)

    first = client.get(HISTORY).content.decode()
    older = re.search(r'href="\?before=([\d-]+)">Older days', first).group(1)
    second = client.get(HISTORY, {"before": older}).content.decode()
    third = client.get(HISTORY, {"before": re.search(r'href="\?before=([\d-]+)">Older days', second).group(1)})
    third = third.content.decode()
    back = re.search(r'href="\?(before=[\d-]+)?">Newer days', third).group(1)

    assert first.count("<article") == 20 and "Newer days" not in first
    assert "Day 19" in first and "Day 20" in second and second.count("<article") == 20
    assert third.count("<article") == 5 and "Day 44" in third and "Older days" not in third
    assert back == f"before={older}"  # third page's newer days are the second page
    assert 'href="?">Newer days' in second  # and the second's are the newest


def test_a_month_opens_history_at_the_end_of_that_month(client, patient):
    EntryFactory(patient=patient, date=datetime.date(2026, 1, 31), notes="Last of January")
    EntryFactory(patient=patient, date=datetime.date(2026, 2, 1), notes="First of February")
    client.force_login(patient.user)

    text = client.get(HISTORY, {"month": "2026-01"}).content.decode()

    assert "Last of January" in text and "First of February" not in text
    assert "Newer days" in text


@pytest.mark.parametrize(
    "params",
    [
        {"before": "yesterday"},
        {"before": "0001-01-01"},
        {"before": "2026-02-30"},
        {"month": "2026-13"},
        {"month": "9999-12"},
        {"page": "-4"},
    ],
)
def test_a_date_history_cannot_show_gives_a_clear_message_and_the_latest_days(client, patient, day, params):
    client.force_login(patient.user)

    response = client.get(HISTORY, params)

    assert response.status_code == 200
    text = response.content.decode()
    assert "Stings after the evening dose" in text
    if "page" not in params:
        assert "That is not a date History can show: showing your latest days." in text


def test_a_future_date_shows_the_latest_days(client, patient, day):
    client.force_login(patient.user)

    text = client.get(HISTORY, {"before": "2030-01-01"}).content.decode()

    assert "Stings after the evening dose" in text and "That is not a date" not in text


def test_withdrawn_alerts_are_left_out_and_resolved_ones_say_so(client, patient, day):
    _flag(patient, EARLIER, status=Flag.Status.WITHDRAWN, text="No longer matches")
    _flag(patient, EARLIER, urgency=Urgency.EMERGENCY, status=Flag.Status.RESOLVED, text="Swollen face")
    client.force_login(patient.user)

    text = client.get(HISTORY).content.decode()

    assert "No longer matches" not in text
    urgency = 'Emergency<span class="visually-hidden"> urgency</span></span>'
    assert re.search(urgency + r" <a [^>]+>Swollen face</a> \(resolved\)", text)


def test_another_patient_sees_none_of_the_days_and_gets_404_for_their_alerts(client, patient, other_patient, day):
    flag = _flag(patient, EARLIER)
    client.force_login(patient.user)
    links = re.findall(r'href="(/diary/[^"?]+)"', client.get(HISTORY).content.decode())
    client.force_login(other_patient.user)

    text = client.get(HISTORY).content.decode()

    assert "Stings after the evening dose" not in text and "Saturday 7 March" not in text
    assert f"/diary/alerts/{flag.pk}/" in links
    for link in links:
        response = client.get(link)
        assert response.status_code in (200, 404)
        assert "Stings after the evening dose" not in response.content.decode()
    assert client.get(f"/diary/alerts/{flag.pk}/").status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(HISTORY, {"before": "2026-03-01"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_symptom_filter_offers_the_symptoms_the_patient_reported(client, patient, day, redness):
    client.force_login(patient.user)

    text = client.get(HISTORY).content.decode()

    assert '<option value="burning">Burning</option>' in text
    assert 'value="redness"' not in text


def test_what_a_patient_typed_is_shown_as_text_on_their_card_never_as_markup(client, patient, course):
    EntryFactory(patient=patient, date=EARLIER, notes='<script>alert("x")</script>\nSecond & "last" line')
    EntryFactory(patient=patient, date=EARLIER - datetime.timedelta(days=1))  # a page with nothing on it
    client.force_login(patient.user)

    text = client.get(HISTORY).content.decode()

    assert "<script>alert" not in text
    assert "<dd>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>Second &amp; &quot;last&quot; line</dd>" in text
    assert text.count('<p class="mb-0">Nothing logged.</p>') == 1
    card = re.search(r'<article class="card history-day" aria-labelledby="day-2026-03-07">.*?</article>', text, re.S)
    assert "<div><dt>Notes</dt><dd>&lt;script&gt;" in card.group(0)


# The month's section as the page's template printed it, loop by loop (diary.history.Month.__html__ writes it).
_MONTH_TEMPLATE = """<section class="history-month" aria-labelledby="{{ month.anchor }}">
  <h2 class="h5 history-month-title" id="{{ month.anchor }}">{{ month.label }}</h2>
  {% for item in month.items %}
  {% if item.is_gap %}
  <p class="history-gap">{{ item.label }}: nothing logged</p>
  {% else %}
  {{ item }}
  {% endif %}
  {% endfor %}
</section>"""


def test_a_months_section_is_what_the_template_loop_printed_with_every_value_escaped():
    from django.template import Context, Template

    from diary.history import Day, Gap, Month

    day = Day(
        date=datetime.date(2026, 3, 9),
        label='Monday <b>"9"</b> & more',
        url="/diary/2026-03-09/?a=1&b=<2>",
        late=True,
        itch=4,
        sleep_loss=None,
        notes="<script>alert('x')</script>\nline two",
        applied=["Cream & <gel> at 08:00"],
    )
    gap = Gap(newest=datetime.date(2026, 3, 8), oldest=datetime.date(2026, 3, 6))
    month = Month(label="March <2026>", anchor='month-"2026-03"', items=[day, gap, day])

    assert str(month) == Template(_MONTH_TEMPLATE).render(Context({"month": month}))
    assert "<script>" not in str(month) and "March &lt;2026&gt;" in str(month)
