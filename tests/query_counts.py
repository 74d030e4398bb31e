"""Counting a page's own queries when its first view also fills the shared cache of reference-made values.

A deployment's first view of a page made from the reference reads, and writes in a savepoint, the shared cache's
table for each value (drugs/caching.py): queries of the cache, not of the page, and never more as data grows.
"""

from contextlib import contextmanager

from django.db import connection
from django.test.utils import CaptureQueriesContext

SHARED_CACHE = ('"django_cache"', "SAVEPOINT", "RELEASE SAVEPOINT")


def own(queries: list[dict]) -> list[dict]:
    """The page's own queries: without the shared cache's (pages counted with this write nothing else)."""
    return [query for query in queries if not any(part in query["sql"] for part in SHARED_CACHE)]


@contextmanager
def assert_own_queries(expected: int, *, at_most: bool = False):
    with CaptureQueriesContext(connection) as captured:
        yield captured
    count = len(own(captured.captured_queries))
    assert count <= expected if at_most else count == expected, (count, [q["sql"] for q in own(captured)])
