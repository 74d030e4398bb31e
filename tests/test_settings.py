"""The settings guard: production is the default and refuses to start half-configured."""

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import SUBPROCESS_TIMEOUT_S

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "k7Qp2vLx9Wm4Rt8Yz1Nb6Hc3Jd5Fg0Se-Ua_Io7Pl2Kj9Mn4Bv8Cx1Zq6Wr3Et5"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_ENV_FILE": "", **env},
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
    )


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = manage("check")

    assert result.returncode != 0
    assert "Configuration error: DJANGO_SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_mode_runs_without_a_secret_key():
    result = manage("check", DJANGO_DEBUG="1")

    assert result.returncode == 0, result.stderr


def test_a_misspelt_boolean_is_named_in_the_error():
    result = manage("check", DJANGO_DEBUG="maybe")

    assert result.returncode != 0
    assert "DJANGO_DEBUG must be one of" in result.stderr
    assert "'maybe'" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", DJANGO_SECRET_KEY=STRONG_KEY, DJANGO_ALLOWED_HOSTS="example.org")

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr


def test_transport_security_can_be_switched_off_for_a_tls_proxy():
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY": STRONG_KEY,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_HSTS_SECONDS": "0",
            "DJANGO_BEHIND_TLS_PROXY": "1",
        },
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
    )

    assert result.stdout.split() == ["False", "0", "True", "('HTTP_X_FORWARDED_PROTO',", "'https')"]


def test_an_sqlite_database_is_set_up_for_several_server_processes(tmp_path):
    code = "from django.conf import settings as s; o = s.DATABASES['default']['OPTIONS']; print(o)"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'diary.sqlite3'}",
        },
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
    )

    assert "'transaction_mode': 'IMMEDIATE'" in result.stdout
    assert "'timeout': 20" in result.stdout
    assert "journal_mode=WAL" in result.stdout


def test_a_developers_env_file_is_read_and_the_real_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("# development\nDJANGO_DEBUG=1\n", encoding="utf-8")

    from_file = manage("check", DJANGO_ENV_FILE=str(env_file))
    overridden = manage("check", DJANGO_ENV_FILE=str(env_file), DJANGO_DEBUG="0")

    assert from_file.returncode == 0, from_file.stderr
    assert "DJANGO_SECRET_KEY is not set" in overridden.stderr


def test_a_malformed_env_file_names_the_line(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DJANGO_DEBUG=1\nthis is not a setting\n", encoding="utf-8")

    result = manage("check", DJANGO_ENV_FILE=str(env_file))

    assert result.returncode != 0
    assert "line 2: expected NAME=value" in result.stderr


def test_a_bad_emergency_number_is_named_in_the_error():
    result = manage("check", DJANGO_DEBUG="1", DJANGO_EMERGENCY_NUMBER="call 999")

    assert result.returncode != 0
    assert "DJANGO_EMERGENCY_NUMBER must be a phone number" in result.stderr


def test_the_wsgi_entry_point_freezes_what_django_loaded_out_of_the_collectors_reach():
    # Full collections otherwise rescan Django's long-lived objects: a pause of tens of ms for some request.
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    script = (
        "import gc, config.wsgi, sys; print(gc.get_freeze_count(), 'config.urls' in sys.modules, len(gc.get_objects()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "1", "DJANGO_ENV_FILE": ""},
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
    )

    assert result.returncode == 0, result.stderr
    frozen, urls_loaded, still_tracked = result.stdout.split()
    assert urls_loaded == "True"
    assert int(frozen) > 50_000
    assert int(still_tracked) < int(frozen) / 10
