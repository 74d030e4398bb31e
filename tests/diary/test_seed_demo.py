"""The development-only demo data."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from diary import demo_story
from diary.models import Entry, Flag, Patient, Photo, PoemScore, Treatment

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
    assert Patient.objects.get().dermatologist.username == "dermatologist"


def test_seed_demo_tells_a_sixty_day_story_once(settings, reference, capsys):
    settings.DEBUG = True

    call_command("seed_demo")
    call_command("seed_demo")

    patient = Patient.objects.get(user__username="patient")
    assert Entry.objects.filter(patient=patient).count() == demo_story.DAYS
    assert "already there" in capsys.readouterr().out
    itch = list(Entry.objects.filter(patient=patient).order_by("date").values_list("itch", flat=True))
    assert max(itch) >= 7 and itch[-1] <= 2  # a flare, then recovery
    assert PoemScore.objects.filter(patient=patient).count() >= 8  # weekly
    photos = Photo.objects.for_patient(patient).order_by("taken_on")
    assert photos.count() == 3 and len({p.body_area_id for p in photos}) == 1
    flags = Flag.objects.filter(patient=patient)
    resolved = flags.get(status=Flag.Status.RESOLVED)
    assert resolved.review_note and resolved.reviewer.username == "dermatologist"
    assert flags.filter(status=Flag.Status.OPEN).exists()
    assert Treatment.objects.filter(patient=patient).count() == 2


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
