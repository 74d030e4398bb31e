"""Writes to the reference data that are not the loader's own (`drugs/reference.py`)."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from drugs.models import ReferenceVersion

VERSION_ROW = 1


@transaction.atomic
def reference_version_bump() -> int:
    """The reference changed: a new version number, so that nothing cached from the old one is used again."""
    if not ReferenceVersion.objects.filter(pk=VERSION_ROW).update(number=F("number") + 1, changed=timezone.now()):
        ReferenceVersion.objects.create(pk=VERSION_ROW, number=1)
    return ReferenceVersion.objects.get(pk=VERSION_ROW).number
