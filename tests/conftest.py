import os
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

from diary import admin_nav
from tests.factories import PatientFactory, StaffFactory

pytest_plugins = ["pytester"]

# Playwright's sync API keeps an event loop running in the test thread; Django refuses
# ORM calls there unless told this is safe (it is: the loop never runs Django code).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# How long a test waits for a Python process it starts (manage.py, a second worker) before failing: a guard against
# a child that hangs, not a measure of speed. In CI both passes run at once (.ci/run), and on a machine shared with
# other work a child's Django start has taken over a minute.
SUBPROCESS_TIMEOUT_S = 300

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}


class OneRequestAtATimeServer(ThreadedWSGIServer):
    """The live server, answering one request at a time (each connection keeps its own thread).

    On the in-memory SQLite test database, Django gives every thread of the live server the test's one connection,
    with its one transaction state. Two requests at once (a page and the service worker's fetches) could then mix
    their transactions: one request's rollback could undo another's session row. Once, under a load of 11, a patient
    who had just confirmed her address landed on the signed-out page."""

    _one_at_a_time = threading.Lock()

    def set_app(self, application):
        lock = self._one_at_a_time

        def one_at_a_time(environ, start_response):
            with lock:
                return application(environ, start_response)

        super().set_app(one_at_a_time)


LiveServerThread.server_class = OneRequestAtATimeServer


@pytest.fixture(autouse=True)
def _private_media_root(settings, tmp_path):
    """Uploaded files go to a throwaway folder, never the developer's media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


# A fixed moment for django-ratelimit: its hourly window ends at a moment of the hour that depends on the address
# (for 127.0.0.1, at 30 min 32 s), so a test of 21 requests that ran across it would see the count start again.
RATELIMIT_NOW = 1_800_000_000


@pytest.fixture
def ratelimit_clock(monkeypatch):
    """django-ratelimit's clock held still for the test (only its own: every other clock runs)."""
    import django_ratelimit.core

    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: RATELIMIT_NOW))


@pytest.fixture(autouse=True)
def _empty_reference_caches(request, django_db_blocker):
    """The reference caches are keyed by the reference version, which restarts with each test's database.

    The per-process tier is emptied around every test. The shared tier is a table that a test's rollback empties,
    but not a transactional test's flush (no model owns the table): it is emptied after those. The admin's app list
    and sidebar, kept per process, are forgotten too, so that no test's query count depends on the tests before it.
    """
    caches["pages"].clear()
    admin_nav.forget()
    yield
    caches["pages"].clear()
    if {"transactional_db", "live_server"} & set(request.fixturenames):
        with django_db_blocker.unblock():
            caches["reference"].clear()


@pytest.fixture(autouse=True)
def _staff_sessions_pass_two_factor(request, monkeypatch):
    """Staff signed in with `force_login` get a session verified with a second factor, as after a real code.

    Admin requires two-step sign-in; tests about something else should not repeat it. The real
    flow is tested in tests/accounts/test_two_factor.py, whose tests opt out with `@pytest.mark.real_two_factor`.
    """
    if request.node.get_closest_marker("real_two_factor"):
        return
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.middleware import OTP_REQUIRED

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        if user.is_staff:
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            device = device or TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session[OTP_REQUIRED] = True
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def patient(db):
    return PatientFactory(user__username="alice", time_zone="Europe/London")


@pytest.fixture
def other_patient(db):
    return PatientFactory(user__username="bob", time_zone="America/New_York")


@pytest.fixture
def dermatologist(db):
    return StaffFactory(username="dr-grey")


@pytest.fixture
def other_dermatologist(db):
    return StaffFactory(username="dr-white")


# --- Browser tests -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; never a downloaded browser."""
    if not Path(CHROMIUM).exists():
        message = (
            f"Chromium not found at {CHROMIUM}: browser tests need Debian's chromium "
            "(sudo apt-get install chromium), or set CHROMIUM_PATH."
        )
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message + " REQUIRE_BROWSER=1 makes this an error.", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


class RecordedPage:
    """A page plus every URL it requested and every CSP violation it reported."""

    def __init__(self, page, origin: str):
        self.page = page
        self.origin = origin
        self.requests: list[str] = []
        self.csp_violations: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", self._console)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests if not (url.startswith(self.origin + "/") or url.startswith("data:"))]


# How long a page action or an `expect(...)` waits before failing (Playwright's defaults: 30 s and 5 s). CI runs the
# PostgreSQL pass beside the browser tests (.ci/run), so a page may wait a few seconds for a busy core.
BROWSER_TIMEOUT_MS = 10_000


def _recorded_page(browser, live_server, viewport):
    context = browser.new_context(viewport=viewport, base_url=live_server.url)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    recorded = RecordedPage(context.new_page(), live_server.url)
    return context, recorded


@pytest.fixture
def phone(browser, live_server, transactional_db):
    """A 390x844 phone page on the live server; fails on any request to another origin or CSP violation."""
    context, recorded = _recorded_page(browser, live_server, PHONE)
    yield recorded.page
    context.close()
    assert recorded.foreign_requests() == [], "pages requested another origin"
    assert recorded.csp_violations == [], "pages broke the Content-Security-Policy"


@pytest.fixture
def recorded_phone(browser, live_server, transactional_db):
    context, recorded = _recorded_page(browser, live_server, PHONE)
    yield recorded
    context.close()


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    browser = CHROMIUM if Path(CHROMIUM).exists() else f"missing ({CHROMIUM}): browser tests will skip"
    return [f"database: {engine}", f"browser: {browser}"]


# --- Drug reference data --------------------------------------------------------------------


# A reference-made value that no worker has made yet for this version (drugs/caching.py): the shared cache read,
# then, in a savepoint, the count for culling, the key's row and the insert of what was made.
SHARED_MISS_QUERIES = 6


class _RolledBack(Exception):
    pass


@pytest.fixture(scope="session")
def _reference_rows(django_db_setup, django_db_blocker):
    """The reference file's rows, made once per session by the real loader (about 0.3 s on SQLite).

    Loaded in a transaction that is rolled back: the rows are kept in memory, the database is left as it was.
    """
    from django.apps import apps
    from django.core.management import call_command
    from django.db import transaction

    models = list(apps.get_app_config("drugs").get_models(include_auto_created=True))
    rows = []
    with django_db_blocker.unblock():
        try:
            with transaction.atomic():
                before = {model: set(model.objects.values_list("pk", flat=True)) for model in models}
                call_command("load_reference", verbosity=0)
                rows = [(model, list(model.objects.exclude(pk__in=before[model]).values())) for model in models]
                raise _RolledBack
        except _RolledBack:
            pass
    return rows


@pytest.fixture
def reference(_reference_rows, db):
    """The full reference file in the test database, as `load_reference` leaves it (a few milliseconds).

    Inserted per test from the session's copy: tests that do not ask for it keep drug tables of their own,
    and transactional tests (live_server), which empty the tables afterwards, get it back the next time.
    """
    from django.core.management.color import no_style
    from django.db import connection, transaction

    # One transaction, as the loader's: foreign keys are checked at its end, whatever the order of the tables
    # (transactional tests, such as live_server ones, would otherwise commit each table on its own).
    with transaction.atomic():
        for model, rows in _reference_rows:
            model.objects.bulk_create(model(**row) for row in rows)
        # Rows came with their primary keys: move PostgreSQL's sequences past them (SQLite needs nothing).
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [model for model, _ in _reference_rows]):
                cursor.execute(sql)


def sign_in(page, live_server, user) -> None:
    """Sign a browser page in as `user` with a real session cookie (no password form needed)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


# --- Reporting and REQUIRE_BROWSER -----------------------------------------------------------

# Lines tests add for the end of the run (the journeys' page weights and axe-core summary). A test hands
# them over as user properties named REPORT_PROPERTY, so they reach the summary from pytest-xdist's workers too.
REPORT_PROPERTY = "report_line"


def database_kind(item) -> int:
    """pytest-django's order, as Django's runner: 0 tests in a rolled-back transaction, 1 transactional tests
    (live_server, transactional_db), 2 tests without the database.

    A transactional test empties every table afterwards, the rows that migrations made too (the groups and their
    permissions): the tests that need those rows have to run before any transactional test on the same worker."""
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", [])
    if {"transactional_db", "live_server"} & set(fixtures) or (
        marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))
    ):
        return 1
    if marker or "db" in fixtures:
        return 0
    return 2


def start_order(item) -> tuple[int, int]:
    """Where a test starts in the run: in pytest-django's order of database kinds, and within each kind the long
    tests (marker `long`) first.

    `make test` runs two pytest-xdist workers that take the tests one at a time in this order (`--dist loadgroup`,
    no groups): started first in their kind, the long tests (the browser journeys are transactional) end while the
    other worker takes what comes next, and the many short tests after them keep both workers busy until the end.
    A long test started last would run alone for a minute or more while the other worker has nothing left to do."""
    return database_kind(item), 0 if item.get_closest_marker("long") else 1


def pytest_collection_modifyitems(config, items):
    items.sort(key=start_order)  # stable: file order within each kind


# The lines gathered by pytest_runtest_logreport, in the process that prints the summary.
report_lines: list[str] = []


def pytest_runtest_logreport(report):
    if report.when == "teardown":
        report_lines.extend(value for name, value in report.user_properties if name == REPORT_PROPERTY)


def skipped_browser_tests_message(require_browser: str | None, skipped: list[str]) -> str | None:
    """With REQUIRE_BROWSER=1 a skipped browser test fails the run: the message saying so, or None."""
    if require_browser != "1" or not skipped:
        return None
    listing = "\n".join(f"  {nodeid}" for nodeid in skipped)
    return f"REQUIRE_BROWSER=1 but {len(skipped)} browser test(s) were skipped, which fails the run:\n{listing}"


def _skipped_browser_tests(config) -> list[str]:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    reports = reporter.stats.get("skipped", []) if reporter else []
    return sorted({report.nodeid for report in reports if "browser" in getattr(report, "keywords", {})})


def pytest_sessionfinish(session, exitstatus):
    if skipped_browser_tests_message(os.environ.get("REQUIRE_BROWSER"), _skipped_browser_tests(session.config)):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if report_lines:
        terminalreporter.section("browser journeys: axe-core and page weights")
        for line in report_lines:
            terminalreporter.write_line(line)
    message = skipped_browser_tests_message(os.environ.get("REQUIRE_BROWSER"), _skipped_browser_tests(config))
    if message:
        terminalreporter.section("REQUIRE_BROWSER", red=True)
        terminalreporter.write_line(message, red=True)
