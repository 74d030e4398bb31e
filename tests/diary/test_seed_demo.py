"""The development-only demo data."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from clinics.models import CareLink
from diary.models import Entry, Patient, Treatment

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_to_run_outside_development(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError):
        call_command("seed_demo")


def test_seed_demo_skips_the_diary_quietly_without_reference_data(settings, capsys):
    settings.DEBUG = True

    call_command("seed_demo")

    assert not Treatment.objects.exists()
    assert "demo diary" not in capsys.readouterr().out
    link = CareLink.objects.active().get(patient=Patient.objects.get().user)
    assert (link.clinic.name, link.dermatologist.username) == ("Demo clinic", "dermatologist")


def test_seed_demo_gives_the_demo_patient_a_tacrolimus_course_and_some_days_once(settings, tacrolimus, face, burning):
    settings.DEBUG = True

    call_command("seed_demo")
    call_command("seed_demo")

    course = Treatment.objects.get()
    assert (course.patient.user.username, course.drug) == ("patient", tacrolimus)
    entries = Entry.objects.filter(patient=course.patient)
    assert entries.count() == 4
    assert sum(entry.applications.count() for entry in entries) == 8
    assert sum(entry.reactions.count() for entry in entries) == 3


def test_the_demo_staff_can_sign_in_to_admin_with_the_printed_authenticator_key(settings, capsys, client):
    import base64
    import re

    from django_otp.oath import totp

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")

    out = capsys.readouterr().out
    keys = dict(re.findall(r"^\s+(dermatologist|admin)\s+key: ([A-Z2-7]+)$", out, flags=re.M))
    assert set(keys) == {"dermatologist", "admin"}
    assert out.count(f"key: {keys['dermatologist']}") == 2  # the same key on every run
    client.post("/admin/login/", {"username": "dermatologist", "password": "demo-pass-2026"})
    code = f"{totp(base64.b32decode(keys['dermatologist'])):06d}"
    client.post("/accounts/two-factor/verify/", {"token": code})
    assert client.get("/admin/diary/flag/").status_code == 200
