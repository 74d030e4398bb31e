"""The per-process reference cache (config/caches.py): Django's local-memory cache without memcached's key check."""

import warnings

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

from config.caches import LocalMemoryCache


def test_the_per_process_cache_keeps_and_returns_values_without_memcached_key_warnings():
    pages = caches["pages"]
    assert isinstance(pages, LocalMemoryCache) and isinstance(pages, LocMemCache)
    key = "ref:7:field:" + "0" * 300 + " with a space"
    value = ["<select>", ("one", 1)]

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a CacheKeyWarning would fail the test
        pages.set(key, value, None)
        kept = pages.get(key)

    assert kept == value and kept is not value  # a copy, as Django's local-memory cache returns
    pages.delete(key)
    assert pages.get(key) is None
