"""Progress and the visit summary read their own figures and write their charts, tables and form fields in Python
(docs/benchmark.md, "Sixth pass"): the figures must be the dermatologist's, the HTML crispy-forms' and Django's,
every text escaped, and nothing kept from one patient or one choice shown for another."""

import datetime
import re
from decimal import Decimal

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
from django.urls import reverse

from diary import admin_selectors, fragments, progress, services
from diary.forms import ScorePrefsForm, SummaryRangeForm
from diary.models import Application, Patient, PoemChoice, Treatment
from drugs.models import AmountLimit, Urgency
from tests.diary.test_progress_views import days_ago
from tests.factories import BodyAreaFactory, PatientFactory, SymptomFactory, TreatmentFactory

pytestmark = pytest.mark.django_db


def _diary(patient: Patient) -> None:
    """Three weeks with a twice-a-day course and a weekly one, doses missed and extra, grams and fingertip units,
    two symptoms, itch and sleep loss on some days."""
    face = BodyAreaFactory(code="face", name="Face")
    daily = TreatmentFactory(patient=patient, body_areas=[face], started_on=days_ago(patient, 30), schedule_times=2)
    weekly = TreatmentFactory(
        patient=patient,
        body_areas=[face],
        started_on=days_ago(patient, 12),
        ended_on=days_ago(patient, 2),
        schedule_kind=Treatment.ScheduleKind.WEEKLY,
        schedule_times=3,
    )
    burning = SymptomFactory(code="burning", name="Burning")
    redness = SymptomFactory(code="redness", name="Redness")
    for n in range(21):
        day = days_ago(patient, n)
        if n % 4:
            services.entry_update(patient=patient, date=day, itch=n % 11, sleep_loss=n % 3 or None, notes="")
        for _ in range(n % 4):  # none, one, two or three (one extra) doses
            services.application_create(
                patient=patient, treatment=daily, date=day, amount=Decimal("1.5"), unit="ftu" if n % 2 else "g"
            )
        if n % 3 == 0:
            services.application_create(patient=patient, treatment=weekly, date=day, amount=Decimal("2"), unit="g")
        if n % 5 in (1, 2):
            services.reaction_create(patient=patient, date=day, symptom=burning, severity=1 + n % 3, body_area=face)
            services.reaction_create(patient=patient, date=day, symptom=redness, severity=1, body_area=None)


def test_progress_by_day_shows_the_figures_of_the_dermatologists_timeline(patient):
    _diary(patient)
    start, end = days_ago(patient, 13), patient.today()

    mine = progress.progress(patient=patient, start=start, end=end)
    theirs = admin_selectors.timeline(patient=patient, start=start, end=end)

    assert mine.daily and [b.start for b in mine.buckets] == [d.date for d in theirs.days]
    severities = theirs.severity_series()
    for index, (bucket, day) in enumerate(zip(mine.buckets, theirs.days, strict=True)):
        assert bucket.peak_itch == (day.entry.itch if day.entry else None)
        assert bucket.sleep_loss == (day.entry.sleep_loss if day.entry else None)
        assert bucket.severities == {name: points[index][1] for name, points in severities.items() if points[index][1]}
        assert (bucket.adherence, bucket.expected, bucket.done) == (day.adherence, day.expected, day.done)
    assert mine.symptom_names == sorted(severities)
    assert [c.pk for c in mine.courses] == [c.pk for c in theirs.courses]
    assert len(mine.logged) == sum(1 for day in theirs.days if day.entry)


def test_the_weekly_grams_add_up_every_dose_of_each_seven_days(patient):
    _diary(patient)
    start, end = days_ago(patient, 20), patient.today()

    amounts = progress.progress(patient=patient, start=start, end=end).amounts

    for amount in amounts:
        for last_day, grams in amount.weeks:
            doses = Application.objects.filter(
                entry__patient=patient,
                treatment__drug=amount.drug,
                entry__date__range=(last_day - datetime.timedelta(days=6), last_day),
            )
            assert grams == sum((dose.grams for dose in doses), Decimal(0))
    assert sum(grams for amount in amounts for _, grams in amount.weeks) > 0


@pytest.mark.parametrize("poem", PoemChoice.values)
@pytest.mark.parametrize("notes", [True, False])
def test_the_preferences_form_is_crispys_own_for_every_choice_first_and_kept(patient, poem, notes):
    patient.poem, patient.summary_notes = poem, notes

    for _ in range(2):  # made, then from the process's keeping
        assert fragments.choices_form_html(ScorePrefsForm(instance=patient)) == as_crispy_form(
            ScorePrefsForm(instance=patient)
        )


def _checked(page: str, name: str) -> list[str]:
    """The values of the inputs named `name` that are checked ("" for a checkbox without a value)."""
    tags = [tag for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*>', page) if " checked" in tag]
    return [value.group(1) if (value := re.search(r'value="([^"]*)"', tag)) else "" for tag in tags]


def test_a_changed_choice_shows_on_the_next_progress_page_and_not_on_another_patients(client, patient):
    other = PatientFactory(poem=PoemChoice.ON)
    client.force_login(patient.user)
    assert _checked(client.get(reverse("diary:progress")).content.decode(), "poem") == [PoemChoice.AUTO]

    client.post(reverse("diary:score-prefs"), {"poem": PoemChoice.OFF, "summary_notes": "on"})

    page = client.get(reverse("diary:progress")).content.decode()
    assert _checked(page, "poem") == [PoemChoice.OFF]
    assert _checked(page, "summary_notes") == [""]
    client.force_login(other.user)
    assert _checked(client.get(reverse("diary:progress")).content.decode(), "poem") == [PoemChoice.ON]


def _range_forms(data, today):
    return [
        SummaryRangeForm(data, today=today) if data is not None else SummaryRangeForm(initial=INITIAL, today=today)
        for _ in range(2)
    ]


INITIAL = {"start": datetime.date(2026, 1, 5), "end": datetime.date(2026, 2, 1)}


@pytest.mark.parametrize(
    "data",
    [
        None,  # the default period
        {"start": "2026-01-05", "end": "2026-02-01"},
        {"start": "2026-02-01", "end": "2026-01-05"},  # the start after the end: an error on the start
        {"start": "nonsense <b>", "end": ""},  # unreadable and missing
        {"start": "2026-01-05", "end": "2027-01-01"},  # past today: an error on the end
    ],
)
def test_the_summary_date_fields_are_crispys_own_with_a_value_typed_or_refused(data):
    today = datetime.date(2026, 3, 1)
    for _ in range(2):  # made, then crispy's wrapper from the process's keeping
        ours, crispys = _range_forms(data, today)
        for name in ("start", "end"):
            assert fragments.code_field_html(ours[name]) == as_crispy_field(crispys[name])


@pytest.mark.parametrize("notes", [True, False])
def test_the_summary_notes_choice_is_crispys_own(patient, notes):
    patient.summary_notes = notes
    for _ in range(2):
        field = ScorePrefsForm(instance=patient)["summary_notes"]
        assert fragments.code_field_html(field) == as_crispy_field(ScorePrefsForm(instance=patient)["summary_notes"])
        field = ScorePrefsForm(instance=patient)["summary_notes"]
        assert fragments.choice_field_html(field) == as_crispy_field(ScorePrefsForm(instance=patient)["summary_notes"])


def test_the_summary_notes_choice_kept_by_its_value_shows_a_change_at_once_and_not_to_another_patient(client, patient):
    other = PatientFactory(summary_notes=True)
    client.force_login(patient.user)
    assert _checked(client.get(reverse("diary:summary")).content.decode(), "summary_notes") == []

    client.post(reverse("diary:score-prefs"), {"poem": PoemChoice.AUTO, "summary_notes": "on", "next": "summary"})

    assert _checked(client.get(reverse("diary:summary")).content.decode(), "summary_notes") == [""]
    client.post(reverse("diary:score-prefs"), {"poem": PoemChoice.AUTO, "next": "summary"})
    assert _checked(client.get(reverse("diary:summary")).content.decode(), "summary_notes") == []
    client.force_login(other.user)
    assert _checked(client.get(reverse("diary:summary")).content.decode(), "summary_notes") == [""]


def test_a_field_of_free_input_is_never_kept_by_its_value():
    with pytest.raises(TypeError):
        fragments.choice_field_html(SummaryRangeForm(today=datetime.date(2026, 3, 1))["start"])


def test_a_symptom_name_with_markup_is_escaped_in_the_charts_and_their_tables(client, patient):
    course = TreatmentFactory(patient=patient, started_on=days_ago(patient, 20))
    odd = SymptomFactory(code="odd", name='Hot <b>& "red"</b>')
    for n in (1, 2, 9):
        services.application_create(patient=patient, treatment=course, date=days_ago(patient, n))
        services.reaction_create(patient=patient, date=days_ago(patient, n), symptom=odd, severity=2)
    client.force_login(patient.user)

    page = client.get(reverse("diary:progress")).content.decode()

    assert "<b>&" not in page
    escaped = "Hot &lt;b&gt;&amp; &quot;red&quot;&lt;/b&gt;"
    assert f'<th scope="col">{escaped}</th>' in page  # the table's column
    assert f"<title>{escaped}: 2 on " in page  # a dot of the chart
    assert f"{escaped}: 1 day with a value" in page or f"{escaped}: 2 days with a value" in page  # the summary


def test_the_summary_prints_each_weeks_grams_its_limit_and_the_weeks_symptoms(client, patient):
    course = TreatmentFactory(patient=patient, started_on=days_ago(patient, 40))
    AmountLimit.objects.create(
        drug=course.drug, max_grams_per_week=Decimal("8"), urgency=Urgency.ROUTINE, advice="Ask before using more."
    )
    for n in range(5):  # 5 x 2 g in the last 7 days, nothing the 7 days before
        services.application_create(
            patient=patient, treatment=course, date=days_ago(patient, n), amount=Decimal("2"), unit="g"
        )
    client.force_login(patient.user)
    end, start = patient.today(), days_ago(patient, 13)

    page = client.get(reverse("diary:summary"), {"start": start, "end": end}).content.decode()

    amounts = re.search(r'<table class="summary-table summary-amounts">.*?</table>', page, re.S).group(0)
    earlier = days_ago(patient, 7)
    assert f'<tr><th scope="row">{earlier.day} {earlier:%b}</th><td>0 g</td></tr>' in amounts
    assert f'<tr><th scope="row">{end.day} {end:%b}</th><td>10 g (over the limit)</td></tr>' in amounts
    timeline = re.search(r'<table class="summary-table summary-timeline">.*?</table>', page, re.S).group(0)
    rows = re.findall(r"<tr><th scope=\"row\">[^<]+</th>(.*?)</tr>", timeline)
    assert rows and all(row == "<td>-</td><td>-</td>" for row in rows)  # no itch, sleep loss or symptom logged


def test_a_form_with_free_input_cannot_be_kept_by_its_values():
    with pytest.raises(TypeError, match="free input"):
        fragments.choices_form_html(SummaryRangeForm(today=datetime.date(2026, 3, 1)))
