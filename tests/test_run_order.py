"""The order the suite starts its tests in (tests/conftest.py): pytest-django's order of database kinds (tests in
a rolled-back transaction, then transactional tests, then tests without the database), long tests first in each.

Two pytest-xdist workers take the tests one at a time in this order (make test), so a test of a minute or more
never starts near the end, when the other worker would have nothing left to do; and no test that needs the rows
migrations made runs after a transactional test has emptied the tables."""

import pytest

SUITE_A = """
import pytest

def test_without_the_database():
    pass

@pytest.mark.browser
def test_in_chromium(live_server):
    pass

@pytest.mark.long
@pytest.mark.browser
def test_a_long_journey(live_server):
    pass

def test_reads_the_groups(db):
    pass
"""
SUITE_B = """
import pytest

@pytest.mark.django_db(transaction=True)
def test_commits():
    pass

@pytest.mark.long
def test_a_large_diary(db):
    pass

@pytest.mark.long
def test_a_long_computation():
    pass

@pytest.mark.django_db
def test_in_a_transaction():
    pass
"""
# The ordering hook, and nothing else of tests/conftest.py (its fixtures need the Django project); stand-ins for
# pytest-django's markers and fixtures.
HOOKS = """
import pytest
from tests.conftest import pytest_collection_modifyitems

def pytest_configure(config):
    for marker in ("browser", "long", "django_db"):
        config.addinivalue_line("markers", marker + ": a stand-in")

@pytest.fixture
def db():
    pass

@pytest.fixture
def live_server():
    pass
"""


@pytest.fixture
def suite(pytester):
    pytester.makeconftest(HOOKS)
    pytester.makepyfile(test_a=SUITE_A, test_b=SUITE_B)
    return pytester


def test_database_kinds_in_pytest_djangos_order_with_the_long_tests_first_in_each(suite):
    result = suite.runpytest("-p", "no:django", "-p", "no:cacheprovider", "--collect-only", "-q")

    collected = [line for line in result.stdout.lines if "::" in line]
    assert collected == [
        "test_b.py::test_a_large_diary",
        "test_a.py::test_reads_the_groups",
        "test_b.py::test_in_a_transaction",
        "test_a.py::test_a_long_journey",
        "test_a.py::test_in_chromium",
        "test_b.py::test_commits",
        "test_b.py::test_a_long_computation",
        "test_a.py::test_without_the_database",
    ]
