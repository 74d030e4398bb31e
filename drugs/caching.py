"""What is made from the reference data alone, kept under the reference's version: per process, and once for all.

`drugs.selectors.reference_version()` is read from the database on every request that uses this, and
every change to the reference bumps it (`load_reference`, any reference admin), so a change made through
any process is seen by the next request everywhere. Only reference-made values go in: never anything
of a patient or a signed-in user.

Two tiers: the per-process "pages" alias (local memory) first, then the shared "reference" alias (the database
cache table, like "default"; old versions' values expire after a week), so a value is made once per reference
version for all workers, and a new worker (or one whose local entries were culled) reads it instead of making
it again.
"""

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import caches

T = TypeVar("T")


def for_reference(key: str, *, version: int, compute: Callable[[], T], shared: bool = True) -> T:
    """`compute()`'s value for `key` under this reference version: computed once per reference version (see the module).

    `shared=False` keeps it in the process only: for values of many keys that are cheaper to make than to fetch
    (and whose first making would otherwise write to the shared store on a page view).
    None is returned as it comes and not kept (e.g. a medicine not in the guide: made-up addresses fill nothing)."""
    pages = caches["pages"]
    full_key = f"ref:{version}:{key}"
    value = pages.get(full_key)
    if value is None:
        value = caches["reference"].get(full_key) if shared else None
        if value is None:
            value = compute()
            if value is None:
                return None
            if shared:
                caches["reference"].set(full_key, value)
        pages.set(full_key, value, None)
    return value
