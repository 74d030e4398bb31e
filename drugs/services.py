"""Writes to the reference data that are not the loader's own (`drugs/reference.py`)."""

import time

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from drugs.models import ReferenceVersion

VERSION_ROW = 1


@transaction.atomic
def reference_version_bump() -> int:
    """The reference changed: a new version number, so that nothing cached from the old one is used again.

    The number is the clock in nanoseconds (or one more than the last, if the clock is behind it), not a count: a
    count would hand a rolled-back change's number to the next change, and whatever a request cached under it
    inside the rolled-back transaction would be served as the new version."""
    number = Greatest(F("number") + 1, Value(time.time_ns()))
    if not ReferenceVersion.objects.filter(pk=VERSION_ROW).update(number=number, changed=timezone.now()):
        ReferenceVersion.objects.create(pk=VERSION_ROW, number=time.time_ns())
    return ReferenceVersion.objects.get(pk=VERSION_ROW).number
