"""The order the suite starts its tests in (tests/conftest.py): long tests first, then browser tests, then the rest.

Two pytest-xdist workers take the tests one at a time in this order (make test), so a test of a minute or more
never starts near the end, when the other worker would have nothing left to do."""

import pytest

SUITE_A = """
import pytest

def test_quick_first():
    pass

@pytest.mark.browser
def test_in_chromium():
    pass

@pytest.mark.long
@pytest.mark.browser
def test_a_long_journey():
    pass
"""
SUITE_B = """
import pytest

def test_quick_second():
    pass

@pytest.mark.long
def test_a_large_diary():
    pass

@pytest.mark.browser
def test_in_chromium_again():
    pass
"""
# The ordering hook, and nothing else of tests/conftest.py (its fixtures need the Django project).
HOOKS = """
from tests.conftest import pytest_collection_modifyitems

def pytest_configure(config):
    config.addinivalue_line("markers", "browser: a browser test")
    config.addinivalue_line("markers", "long: a long test")
"""


@pytest.fixture
def suite(pytester):
    pytester.makeconftest(HOOKS)
    pytester.makepyfile(test_a=SUITE_A, test_b=SUITE_B)
    return pytester


def test_long_tests_start_first_then_browser_tests_then_the_rest_each_in_file_order(suite):
    result = suite.runpytest("-p", "no:django", "-p", "no:cacheprovider", "--collect-only", "-q")

    collected = [line for line in result.stdout.lines if "::" in line]
    assert collected == [
        "test_a.py::test_a_long_journey",
        "test_b.py::test_a_large_diary",
        "test_a.py::test_in_chromium",
        "test_b.py::test_in_chromium_again",
        "test_a.py::test_quick_first",
        "test_b.py::test_quick_second",
    ]
