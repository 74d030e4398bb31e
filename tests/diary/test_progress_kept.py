"""What Progress and the visit summary work out from a diary's rows is kept per process under a digest of those rows
(diary/kept.py): found again for the same rows, never for another patient's, and never after a write changed them."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diary import kept, progress, services, summary
from diary.models import Entry, Flag, Treatment
from drugs.models import AmountLimit, Urgency
from tests.diary.test_progress_views import days_ago
from tests.factories import BodyAreaFactory, DrugFactory, PhotoFactory, SymptomFactory, TreatmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_stores():
    progress._FIGURES.clear()
    progress._CHARTS.clear()
    yield
    progress._FIGURES.clear()
    progress._CHARTS.clear()


def _diary(patient, itch: int) -> Treatment:
    """Three weeks of the same diary (itch `itch` every other day, a daily course applied most days)."""
    face = BodyAreaFactory(code="face", name="Face")
    course = TreatmentFactory(patient=patient, body_areas=[face], started_on=days_ago(patient, 30))
    for n in range(21):
        if n % 2 == 0:
            services.entry_update(patient=patient, date=days_ago(patient, n), itch=itch, sleep_loss=None, notes="")
        if n % 3:
            services.application_create(
                patient=patient, treatment=course, date=days_ago(patient, n), amount=Decimal("1"), unit="g"
            )
    return course


def _peak_itches(patient) -> list[int | None]:
    start, end = progress.period_dates(patient, "2w")
    return [bucket.peak_itch for bucket in progress.progress(patient=patient, start=start, end=end).buckets]


def test_the_same_rows_give_the_kept_figures_and_charts_without_working_them_out_again(patient):
    _diary(patient, itch=6)
    start, end = progress.period_dates(patient, "3m")

    first = progress.progress(patient=patient, start=start, end=end)
    again = progress.progress(patient=patient, start=start, end=end)

    assert again.key == first.key and len(progress._FIGURES) == 1
    assert again.buckets is first.buckets and again.amounts is first.amounts
    assert progress.charts(again) is progress.charts(first)
    assert len(progress._CHARTS) == 1


def test_another_patient_with_the_same_diary_gets_their_own_figures_and_one_with_another_diary_theirs(
    patient, other_patient
):
    _diary(patient, itch=6)
    _diary(other_patient, itch=2)

    assert 6 in _peak_itches(patient)
    assert set(_peak_itches(other_patient)) <= {2, None}
    assert 6 in _peak_itches(patient)
    assert len(progress._FIGURES) == 2


def test_a_digest_starts_from_the_patients_id():
    rows = [(datetime.date(2026, 3, 1), 5, None, "")]
    assert kept.digest(1, rows) != kept.digest(2, rows)
    assert kept.digest(1, rows) == kept.digest(1, list(rows))


def test_an_entry_saved_shows_on_the_next_progress_page_and_charts(client, patient):
    _diary(patient, itch=6)
    client.force_login(patient.user)
    before = client.get(reverse("diary:progress"), {"period": "2w"}).content.decode()
    assert "Peak itch: 9 on" not in before

    client.post(reverse("diary:entry-save", args=[patient.today()]), {"itch": "9", "sleep_loss": "3", "notes": ""})

    page = client.get(reverse("diary:progress"), {"period": "2w"}).content.decode()
    assert f"Peak itch: 9 on {patient.today():%d %b %Y}" in page
    assert f"Sleep loss: 3 on {patient.today():%d %b %Y}" in page


@pytest.mark.parametrize("change", ["application", "reaction", "course", "limit", "delete"])
def test_every_kind_of_write_shows_at_once_in_the_figures(patient, change):
    course = _diary(patient, itch=6)
    start, end = progress.period_dates(patient, "3m")
    first = progress.progress(patient=patient, start=start, end=end)

    if change == "application":
        services.application_create(
            patient=patient, treatment=course, date=patient.today(), amount=Decimal("4"), unit="g"
        )
    elif change == "reaction":
        burning = SymptomFactory(code="burning", name="Burning")
        services.reaction_create(patient=patient, date=patient.today(), symptom=burning, severity=3, body_area=None)
    elif change == "course":
        Treatment.objects.filter(pk=course.pk).update(schedule_times=3)
    elif change == "limit":
        AmountLimit.objects.create(
            drug=course.drug, max_grams_per_week=Decimal("2"), urgency=Urgency.ROUTINE, advice="Ask before using more."
        )
    else:
        services.application_delete(patient=patient, application=course.applications.order_by("-entry__date")[0])

    now = progress.progress(patient=patient, start=start, end=end)

    assert now.key != first.key
    if change == "application":
        assert now.amounts[0].weeks[-1][1] == first.amounts[0].weeks[-1][1] + 4
    elif change == "reaction":
        assert now.symptom_names == ["Burning"] and first.symptom_names == []
    elif change == "course":
        assert now.adherence < first.adherence
    elif change == "limit":
        assert now.amounts[0].limit == Decimal("2") and first.amounts[0].limit is None
    else:
        assert sum(now.applied.values()) == sum(first.applied.values()) - 1
    assert progress.charts(now) is not progress.charts(first)


def test_a_medicine_renamed_in_the_reference_shows_on_the_next_charts(patient):
    drug = DrugFactory(slug="new-cream", generic_name="Old name cream")
    course = TreatmentFactory(patient=patient, drug=drug, started_on=days_ago(patient, 10))
    services.application_create(patient=patient, treatment=course, date=patient.today(), amount=Decimal("1"), unit="g")
    start, end = progress.period_dates(patient, "2w")
    assert "Old name cream" in progress.charts(progress.progress(patient=patient, start=start, end=end))[-1].heading

    type(drug).objects.filter(pk=drug.pk).update(generic_name="New name cream")

    assert "New name cream" in progress.charts(progress.progress(patient=patient, start=start, end=end))[-1].heading


def test_the_store_drops_the_least_recently_used_value_when_full():
    store = kept.Kept(2, budget=1000, weigh=len)
    made = []

    def make(value):
        made.append(value)
        return value

    store.get_or_make("a", lambda: make("A"))
    store.get_or_make("b", lambda: make("B"))
    assert store.get_or_make("a", lambda: make("A again")) == "A"  # used: "b" is now the oldest
    store.get_or_make("c", lambda: make("C"))

    assert len(store) == 2
    assert store.get_or_make("b", lambda: make("B again")) == "B again"
    assert made == ["A", "B", "C", "B again"]


def test_with_keeping_off_every_call_works_its_value_out_and_nothing_is_kept(settings):
    # `make bench` measures Progress and the summary this way: every request a miss, as right after a write.
    settings.DIARY_KEEP_DERIVED = False
    store = kept.Kept(2, budget=1000, weigh=len)
    made = []

    assert store.get_or_make("a", lambda: made.append("A") or "A") == "A"
    assert store.get_or_make("a", lambda: made.append("A again") or "A again") == "A again"
    assert made == ["A", "A again"]
    assert len(store) == 0


def test_the_store_keeps_within_its_budget_of_bytes():
    store = kept.Kept(100, budget=10, weigh=len)
    store.get_or_make("a", lambda: "x" * 4)
    store.get_or_make("b", lambda: "y" * 4)
    assert (len(store), store.weight) == (2, 8)

    store.get_or_make("c", lambda: "z" * 4)  # 12 bytes: the oldest goes
    assert (len(store), store.weight) == (2, 8)
    assert store.get_or_make("a", lambda: "made again") == "made again"

    store.get_or_make("big", lambda: "w" * 11)  # more than the whole budget: kept by nobody
    assert (len(store), store.weight) == (0, 0)


def test_a_years_charts_and_figures_are_weighed_within_the_stores_budgets(patient):
    _diary(patient, itch=6)
    start, end = progress.period_dates(patient, "1y")

    data = progress.progress(patient=patient, start=start, end=end)
    progress.charts(data)

    assert 0 < progress._FIGURES.weight < progress._FIGURES.budget / 100
    assert 0 < progress._CHARTS.weight < progress._CHARTS.budget / 100


def test_the_visit_summary_prints_the_patients_name_from_the_signed_in_account_without_reading_it_again(
    client, patient
):
    patient.user.first_name, patient.user.last_name = "Alice", "Example"
    patient.user.save()
    client.force_login(patient.user)

    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("diary:summary")).content.decode()

    assert "<strong>Alice Example</strong>:" in page
    assert sum('FROM "auth_user"' in query["sql"] for query in queries) == 1  # the session's user, once


# --- The visit summary's body ----------------------------------------------------------------------


@pytest.fixture
def empty_bodies():
    summary._BODIES.clear()
    yield
    summary._BODIES.clear()


def _body(patient) -> str:
    start, end = summary.default_period(patient)
    return str(summary.visit_summary(patient=patient, start=start, end=end).html)


def test_the_same_rows_give_the_kept_summary_body_which_is_the_templates_own(patient, empty_bodies):
    _diary(patient, itch=6)
    start, end = summary.default_period(patient)
    first = summary.visit_summary(patient=patient, start=start, end=end)

    assert str(first.html) == render_to_string("diary/_summary_body.html", {"summary": first})
    again = summary.visit_summary(patient=patient, start=start, end=end)
    assert again.key == first.key and again.html is not None and len(summary._BODIES) == 1


def test_another_patients_summary_shows_their_own_diary(patient, other_patient, empty_bodies):
    _diary(patient, itch=6)
    _diary(other_patient, itch=6)
    patient.user.first_name, other_patient.user.first_name = "Alice", "Bob"
    patient.user.save()
    other_patient.user.save()

    assert "<strong>Alice</strong>" in _body(patient)
    assert "<strong>Bob</strong>" in _body(other_patient) and "Alice" not in _body(other_patient)
    assert len(summary._BODIES) == 2


def _flag(patient, **fields) -> Flag:
    day = patient.today()
    values = {"urgency": Urgency.ROUTINE, "first_seen": day, "last_seen": day, "rule_text": "Burning for 3 days"}
    return Flag.objects.create(patient=patient, advice="Call the clinic.", **{**values, **fields})


@pytest.mark.parametrize("change", ["review", "photo", "name", "notes shown", "notes typed", "course areas"])
def test_every_kind_of_change_shows_at_once_in_the_summary(patient, change, empty_bodies):
    course = _diary(patient, itch=6)
    flag = _flag(patient)
    face = course.body_areas.get()
    photo = PhotoFactory(entry=Entry.objects.filter(patient=patient).latest("date"), body_area=face, caption="left")
    before = _body(patient)

    if change == "review":
        Flag.objects.filter(pk=flag.pk).update(status=Flag.Status.RESOLVED, review_note="Seen: keep going")
        shown = "Resolved: Seen: keep going"
    elif change == "photo":
        type(photo).objects.filter(pk=photo.pk).update(caption="right cheek")
        shown = "right cheek"
    elif change == "name":
        patient.user.first_name = "Alicia"
        patient.user.save()
        patient.user.refresh_from_db()
        shown = "<strong>Alicia</strong>"
    elif change == "notes shown":
        services.entry_update(patient=patient, date=patient.today(), itch=6, sleep_loss=None, notes="itchy at night")
        _body(patient)
        patient.summary_notes = True
        shown = "itchy at night"
    elif change == "notes typed":
        patient.summary_notes = True
        before = _body(patient)
        services.entry_update(patient=patient, date=patient.today(), itch=6, sleep_loss=None, notes="better today")
        shown = "better today"
    else:
        course.body_areas.add(BodyAreaFactory(code="hands", name="Hands"))
        shown = "Face, Hands;"

    assert shown not in before
    assert shown in _body(patient)


class _Tomorrow(datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return super().now(tz) + datetime.timedelta(days=1)


def test_the_footer_shows_the_day_it_is_made_even_for_the_same_rows(patient, empty_bodies):
    _diary(patient, itch=6)
    start, end = summary.default_period(patient)
    today = summary.generated_on()

    first = str(summary.visit_summary(patient=patient, start=start, end=end).html)
    tomorrow = today + datetime.timedelta(days=1)
    with (
        mock.patch("django.template.defaulttags.datetime", _Tomorrow),  # what {% now %} reads
        mock.patch.object(summary, "generated_on", return_value=tomorrow),
    ):
        next_day = str(summary.visit_summary(patient=patient, start=start, end=end).html)

    assert f"Generated {today:%-d %b %Y}" in first
    assert f"Generated {tomorrow:%-d %b %Y}" in next_day


def test_the_day_in_the_key_is_the_day_the_footer_prints():
    from django.template import engines

    printed = engines["django"].from_string('{% now "Y-m-d" %}').render({})
    assert printed == summary.generated_on().isoformat()


def test_the_weekly_grams_read_as_text_are_djangos_amounts_even_for_amounts_with_more_places_than_the_field(patient):
    """The applications' amounts come as text for the digest and are rounded as Django rounds the column: amounts
    written past the form (more places than the field keeps, as generated data may be) add up as the ORM reads them."""
    course = TreatmentFactory(patient=patient, started_on=days_ago(patient, 20))
    stored = ["0.15", "0.35", "0.75", "1.15", "3"]
    for n, amount in enumerate(stored):
        application = services.application_create(
            patient=patient, treatment=course, date=days_ago(patient, n), amount=Decimal("1"), unit="g"
        )
        with connection.cursor() as cursor:  # past the field's rounding on the way in, as a raw write would be
            cursor.execute(f"UPDATE diary_application SET amount = {amount} WHERE id = %s", [application.pk])
    start, end = days_ago(patient, 6), patient.today()

    weeks = progress.progress(patient=patient, start=start, end=end).amounts[0].weeks

    read_by_django = sum((dose.grams for dose in course.applications.all()), Decimal(0))
    assert weeks[-1][1] == read_by_django
    assert str(weeks[-1][1].normalize()) == str(read_by_django.normalize())
