"""Who looked at which patient's data, and when: the read half of the audit trail.

Changes are recorded by django-auditlog itself (settings.AUDITLOG_INCLUDE_TRACKING_MODELS).
Views by anyone other than the patient are written here, one row per page or file.
"""

import datetime

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max

from diary.models import Patient


def record_view(request, patient: Patient, what: str, obj=None) -> None:
    """Write an access entry when someone other than the patient opens this patient's data."""
    user = request.user
    if not user.is_authenticated or patient.user_id == user.pk:
        return
    viewed = {"viewed": what}
    if obj is not None:
        viewed["object"] = f"{obj._meta.verbose_name} {obj.pk}"
    LogEntry.objects.log_create(
        patient,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        actor=user,
        additional_data=viewed,
    )


def last_views(patient: Patient) -> dict[int, datetime.datetime]:
    """When each person other than the patient last opened the patient's diary or photos (by user id)."""
    rows = (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Patient),
            object_id=patient.pk,
            action=LogEntry.Action.ACCESS,
            actor__isnull=False,
        )
        .exclude(actor_id=patient.user_id)
        .values("actor_id")
        .annotate(last=Max("timestamp"))
    )
    return {row["actor_id"]: row["last"] for row in rows}
