"""Settings for `make bench`: production settings served over plain HTTP on loopback, on the bench database.

DEBUG stays off and the middleware is the production one; only what plain-http loopback needs is
changed (no SSL redirect, no secure-only cookies, no HSTS). The database is DATABASE_URL when it is set
(PostgreSQL runs), else the SQLite file named by BENCH_DB. ROOT_URLCONF adds a bare "hello" view that
exists only here, as the baseline every page is compared with.
"""

import copy
import os

from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-" + "b" * 40)

from config.settings import *  # noqa: F403
from config.settings import BASE_DIR, DATABASES

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
ROOT_URLCONF = "bench.urls"
STATIC_ROOT = BASE_DIR / "bench" / "data" / "static"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

DATABASES = copy.deepcopy(DATABASES)  # never change the dict config.settings (and its importers) hold
if not os.environ.get("DATABASE_URL"):
    bench_db = os.environ.get("BENCH_DB")
    if not bench_db:
        raise ImproperlyConfigured("Set BENCH_DB=/path/to/bench.sqlite3 or DATABASE_URL (bench/run.py does).")
    DATABASES["default"]["NAME"] = bench_db

# Request logs would cost as much as the cheapest page: warnings only.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# `make bench` measures cached pages again with the reference caches off (drugs/caching.py):
# BENCH_PAGES_CACHE=off, both tiers off: every request a miss, as the first request after a reference change;
# BENCH_PAGES_CACHE=shared, only the per-process tier off: a worker whose memory holds nothing reads the shared tier.
_DUMMY = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
if os.environ.get("BENCH_PAGES_CACHE") == "off":
    CACHES = {**CACHES, "pages": _DUMMY, "reference": _DUMMY}  # noqa: F405
elif os.environ.get("BENCH_PAGES_CACHE") == "shared":
    CACHES = {**CACHES, "pages": _DUMMY}
# Progress's and the summary's derived values are kept per process (diary/kept.py): off in both cold variants.
DIARY_KEEP_DERIVED = os.environ.get("BENCH_PAGES_CACHE") not in ("off", "shared")
