"""The default cache, where rate limits count, is shared by every process of a deployment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import RATELIMIT_NOW, SUBPROCESS_TIMEOUT_S

ROOT = Path(__file__).resolve().parent.parent

# One worker process: count one clinic-code attempt from an address, as clinics.views.join does.
ONE_ATTEMPT = """
import django
django.setup()
from django.core.management import call_command
from django.test import RequestFactory
from types import SimpleNamespace
import django_ratelimit.core
from django_ratelimit.core import get_usage

django_ratelimit.core.time = SimpleNamespace(time=lambda: {now})  # both processes in the same window
call_command("createcachetable", verbosity=0)
request = RequestFactory().post("/care/join/", REMOTE_ADDR="203.0.113.9")
print(get_usage(request, group="clinic-code", key="ip", rate="20/h", increment=True)["count"])
"""


def attempt_in_a_new_process(database: Path) -> int:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env = {**clean, "DJANGO_SETTINGS_MODULE": "config.settings_test", "DATABASE_URL": f"sqlite:///{database}"}
    result = subprocess.run(
        [sys.executable, "-c", ONE_ATTEMPT.format(now=RATELIMIT_NOW)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


def test_two_worker_processes_count_the_same_rate_limit(tmp_path):
    database = tmp_path / "shared.sqlite3"

    assert [attempt_in_a_new_process(database), attempt_in_a_new_process(database)] == [1, 2]


@pytest.mark.django_db
def test_migrate_creates_the_default_cache_table():
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert settings.CACHES["default"]["LOCATION"] in connection.introspection.table_names()
