"""The demo data generator (diary/demo.py, generate_demo) and the benchmark's own URLs."""

import datetime
import importlib
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import Resolver404, resolve

from clinics.models import CareLink
from diary import demo
from diary.models import Application, Entry, Flag, Patient, Reaction, Treatment

pytestmark = pytest.mark.django_db


def _diaries(prefix: str) -> list[tuple]:
    """Everything generated for the patients of one prefix, without names or ids, in a stable order."""
    out = []
    for patient in Patient.objects.filter(user__username__startswith=f"{prefix}-p").order_by("user__username"):
        courses = [
            (t.drug.slug, t.strength, t.schedule_kind, t.schedule_times, t.started_on, t.ended_on, t.usual_amount)
            for t in patient.treatments.order_by("started_on", "drug__slug")
        ]
        entries = [
            (
                e.date,
                e.itch,
                e.notes,
                sorted((r.symptom.code, r.severity) for r in e.reactions.all()),
                sorted((a.treatment.drug.slug, a.applied_at, a.amount) for a in e.applications.all()),
            )
            for e in patient.entries.order_by("date").prefetch_related("reactions__symptom", "applications__treatment")
        ]
        flags = sorted((f.rule_text, f.first_seen, f.last_seen, f.status) for f in patient.flags.all())
        out.append((patient.time_zone, patient.date_of_birth, courses, entries, flags))
    return out


def test_it_creates_the_patients_courses_and_days_it_reports(reference):
    result = demo.generate(patients=6, days=30, seed=3)

    patients = Patient.objects.filter(user__username__startswith="demo-p")
    assert patients.count() == result.patients == 6
    assert Treatment.objects.count() == result.treatments
    assert Entry.objects.count() == result.entries
    assert Application.objects.count() == result.applications
    assert Reaction.objects.count() == result.reactions
    assert Flag.objects.count() == result.flags
    assert result.dermatologists == ["demo-derm1"]
    links = CareLink.objects.active().filter(patient__patient__in=patients).select_related("dermatologist")
    assert len(links) == len(patients)
    assert all(link.dermatologist.username == "demo-derm1" and link.shares_photos for link in links)


def test_it_writes_realistic_courses_within_each_patients_days(reference):
    demo.generate(patients=5, days=20, seed=4)

    for course in Treatment.objects.select_related("drug"):
        assert course.strength in [*course.drug.strength_list, ""]
        assert course.body_areas.exists()
        course.full_clean()
    for entry in Entry.objects.select_related("patient"):
        today = entry.patient.today()
        assert today - datetime.timedelta(days=19) <= entry.date <= today
    for application in Application.objects.select_related("entry__patient", "treatment"):
        assert application.treatment.patient_id == application.entry.patient_id
        assert application.treatment.is_active_on(application.entry.date)
        assert application.body_areas.exists()
        application.full_clean()


def test_patients_miss_some_days_and_some_doses(reference):
    result = demo.generate(patients=10, days=60, seed=5)

    assert result.entries < 10 * 60
    assert Entry.objects.exclude(itch=None).exists()
    assert Entry.objects.exclude(notes="").exists()


def test_the_same_seed_gives_the_same_diaries_and_another_seed_does_not(reference):
    demo.generate(patients=4, days=25, seed=11, prefix="first")
    demo.generate(patients=4, days=25, seed=11, prefix="again")
    demo.generate(patients=4, days=25, seed=12, prefix="other")

    assert _diaries("first") == _diaries("again")
    assert _diaries("first") != _diaries("other")


def test_rising_runs_raise_flags_through_the_real_evaluation(reference):
    result = demo.generate(patients=20, days=30, seed=1)

    assert result.flags > 0
    flag = Flag.objects.first()
    assert flag.patient.user.username.startswith("demo-p")
    assert flag.evidence["days"]
    # Flags were computed once per patient; evaluating again finds nothing new to raise.
    before = Flag.objects.count()
    demo.evaluate_flags(Patient.objects.all())
    assert Flag.objects.count() == before


def test_rows_the_generator_inserted_leave_the_tables_ready_for_ordinary_writes(reference):
    demo.generate(patients=2, days=10, seed=6)
    patient = Patient.objects.order_by("pk").first()
    last = max(Entry.objects.values_list("pk", flat=True))

    entry = Entry.objects.create(patient=patient, date=patient.today() - datetime.timedelta(days=20))
    reaction = Reaction.objects.create(entry=entry, symptom=Reaction.objects.first().symptom, severity=1)

    assert entry.pk > last
    assert reaction.entry.patient == patient
    assert Entry.objects.filter(patient=patient).count() == patient.entries.count()


def test_generate_demo_reports_what_it_made_and_refuses_to_run_twice(reference, capsys):
    call_command("generate_demo", patients=2, days=5, seed=2)

    assert "Generated 2 patients x 5 days (seed 2)" in capsys.readouterr().out
    with pytest.raises(CommandError, match="already exist"):
        call_command("generate_demo", patients=2, days=5)


def test_generate_demo_needs_the_reference_loaded():
    with pytest.raises(CommandError, match="load_reference"):
        call_command("generate_demo", patients=1, days=1)


# --- The benchmark's settings and URLs --------------------------------------------------------


def test_the_hello_view_exists_only_in_the_benchmark_urls():
    with pytest.raises(Resolver404):
        resolve("/bench/hello/")

    assert resolve("/bench/hello/", urlconf="bench.urls").url_name == "bench-hello"
    assert resolve("/", urlconf="bench.urls").url_name == "home"


def test_the_benchmark_settings_use_those_urls_without_debug_or_https(monkeypatch, tmp_path):
    monkeypatch.setenv("BENCH_DB", str(tmp_path / "bench.sqlite3"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delitem(sys.modules, "config.settings_bench", raising=False)

    bench = importlib.import_module("config.settings_bench")

    assert bench.ROOT_URLCONF == "bench.urls"
    assert bench.DEBUG is False
    assert bench.SECURE_SSL_REDIRECT is False
    assert bench.DATABASES["default"]["NAME"] == str(tmp_path / "bench.sqlite3")
    assert bench.MIDDLEWARE == importlib.import_module("config.settings").MIDDLEWARE


@pytest.mark.urls("bench.urls")
def test_hello_answers_through_the_same_middleware(client):
    response = client.get("/bench/hello/")

    assert response.status_code == 200
    assert response.content == b"Hello, world"
    assert response["X-Frame-Options"] == "DENY"


def test_some_patients_get_two_small_photos_stored_privately(reference, monkeypatch):
    from diary.models import Photo
    from diary.storage import photo_storage

    monkeypatch.setattr(demo, "PHOTO_SHARE", 1.0)

    result = demo.generate(patients=2, days=10, seed=6)

    photos = list(Photo.objects.select_related("entry"))
    assert result.photos == len(photos) == 4
    assert all(photo_storage().exists(p.image) and photo_storage().exists(p.thumbnail) for p in photos)
    for patient in Patient.objects.filter(user__username__startswith="demo-p"):
        dates = sorted(p.entry.date for p in photos if p.entry.patient_id == patient.pk)
        assert dates[0] < dates[1]
