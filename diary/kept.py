"""What Progress and the visit summary work out from a diary's rows, kept per process under a digest of those rows.

Every request still reads the rows (so a write shows at once); what is kept is only what is made from them (the
weeks' figures, the charts), found again only when the same patient's rows for the same period are the same, down to
the last value. There is nothing to invalidate: a write changes the rows, so the next request's digest differs and
finds nothing; the old entry is dropped when the store is full (least recently used first). Nothing is shared
between processes, nothing is written anywhere, and the key starts with the patient's id.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Model

T = TypeVar("T")


def digest(*parts: Any) -> bytes:
    """A 32-byte digest of the values given (rows of ints, strings, dates, decimals...). pickle writes each value so
    that it can be read back, so unequal values never give the same bytes; equal values written differently (a
    string shared or not) only give a different digest, a miss."""
    return hashlib.blake2b(pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL), digest_size=32).digest()


def rows_of(instances: Iterable[Model]) -> list[tuple]:
    """Each model instance as the tuple of all its columns (what a digest needs of a row read as an instance)."""
    return [tuple(getattr(obj, f.attname) for f in obj._meta.concrete_fields) for obj in instances]


class Kept:
    """At most `size` values and about `budget` bytes (as `weigh` reckons a value), each under its key, the least
    recently used dropped first; thread-safe."""

    def __init__(self, size: int, *, budget: int, weigh: Callable[[Any], int]):
        self.size, self.budget, self.weigh = size, budget, weigh
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        if not settings.DIARY_KEEP_DERIVED:  # off: every request a miss (`make bench`'s cold runs)
            return make()
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key][0]
        value = make()
        weight = self.weigh(value)
        with self._lock:
            if key in self._items:  # made meanwhile by another thread
                self._weight -= self._items.pop(key)[1]
            self._items[key] = (value, weight)
            self._weight += weight
            while self._items and (len(self._items) > self.size or self._weight > self.budget):
                self._weight -= self._items.popitem(last=False)[1][1]
        return value

    def __len__(self) -> int:
        return len(self._items)

    @property
    def weight(self) -> int:
        return self._weight

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._weight = 0
