"""With REQUIRE_BROWSER=1 (as in .ci/run) a skipped browser test fails the whole run (tests/conftest.py)."""

import pytest

from tests.conftest import skipped_browser_tests_message

SKIPPING_SUITE = """
import pytest

@pytest.mark.browser
def test_in_chromium():
    pytest.skip("no browser here")

def test_elsewhere():
    pytest.skip("not a browser test")

def test_that_passes():
    pass
"""
# The hooks under test, and nothing else of tests/conftest.py (its fixtures need the Django project).
HOOKS = """
import pytest
from tests.conftest import pytest_sessionfinish, pytest_terminal_summary

def pytest_configure(config):
    config.addinivalue_line("markers", "browser: a browser test")
"""


def test_without_require_browser_skips_are_allowed():
    assert skipped_browser_tests_message(None, ["tests/browser/test_x.py::test_y"]) is None
    assert skipped_browser_tests_message("0", ["tests/browser/test_x.py::test_y"]) is None


def test_with_require_browser_and_nothing_skipped_the_run_stands():
    assert skipped_browser_tests_message("1", []) is None


def test_with_require_browser_a_skipped_browser_test_is_named_in_the_failure():
    message = skipped_browser_tests_message("1", ["tests/browser/test_x.py::test_y"])
    assert message.startswith("REQUIRE_BROWSER=1 but 1 browser test(s) were skipped")
    assert "tests/browser/test_x.py::test_y" in message


@pytest.fixture
def suite(pytester):
    pytester.makeconftest(HOOKS)
    pytester.makepyfile(test_suite=SKIPPING_SUITE)
    return pytester


def test_a_run_with_require_browser_fails_when_a_browser_test_skips(suite, monkeypatch):
    monkeypatch.setenv("REQUIRE_BROWSER", "1")

    result = suite.runpytest("-p", "no:django", "-p", "no:cacheprovider")

    result.assert_outcomes(passed=1, skipped=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*REQUIRE_BROWSER=1 but 1 browser test(s) were skipped, which fails the run:*",
            "*test_suite.py::test_in_chromium",
        ]
    )
    assert "test_elsewhere" not in result.stdout.str().split("REQUIRE_BROWSER=1 but")[1]


def test_the_same_run_without_require_browser_passes(suite, monkeypatch):
    monkeypatch.delenv("REQUIRE_BROWSER", raising=False)

    result = suite.runpytest("-p", "no:django", "-p", "no:cacheprovider")

    result.assert_outcomes(passed=1, skipped=2)
    assert result.ret == pytest.ExitCode.OK
    assert "REQUIRE_BROWSER" not in result.stdout.str()
