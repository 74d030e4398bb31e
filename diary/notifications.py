"""E-mail to the assigned dermatologist about flags that need them today or now.

Sent after the diary write commits; a failure is logged and leaves the flag pending for
`manage.py send_pending_alerts`. The e-mail names no patient and quotes nothing they wrote.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from diary.models import Flag, Patient
from drugs.models import Urgency

logger = logging.getLogger(__name__)


def _message(flag: Flag) -> tuple[str, str]:
    when = "now (emergency)" if flag.urgency == Urgency.EMERGENCY else "today"
    link = settings.SITE_URL.rstrip("/") + reverse("admin:diary_flag_change", args=[flag.pk])
    subject = f"[Skin diary] A diary entry needs your review {when}"
    body = (
        f"A diary entry of one of your patients matched a warning sign that needs review {when}.\n\n"
        f"Open it in the clinician admin (sign-in required):\n{link}\n\n"
        "For privacy this e-mail contains no patient details.\n"
    )
    return subject, body


def send_pending(*, patient: Patient | None = None) -> dict[str, int]:
    """Send every pending alert (of one patient, or all); return how many were sent, failed or are waiting."""
    counts = {"sent": 0, "failed": 0, "waiting": 0}
    flags = Flag.objects.filter(notification=Flag.Notification.PENDING).select_related("patient__dermatologist")
    if patient is not None:
        flags = flags.filter(patient=patient)
    for flag in flags:
        if not flag.is_active:
            Flag.objects.filter(pk=flag.pk).update(notification=Flag.Notification.NOT_NEEDED)
            continue
        dermatologist = flag.patient.dermatologist
        if dermatologist is None or not dermatologist.email:
            counts["waiting"] += 1
            continue
        # Claim before sending: of two runners at once, only the one whose update changes the row sends.
        if not Flag.objects.filter(pk=flag.pk, notification=Flag.Notification.PENDING).update(
            notification=Flag.Notification.SENT
        ):
            continue
        subject, body = _message(flag)
        try:
            send_mail(subject, body, None, [dermatologist.email])
        except Exception:
            # Any transport error: the flag goes back to pending and the command retries it later.
            logger.exception("Could not e-mail the alert for flag %s; it stays pending", flag.pk)
            Flag.objects.filter(pk=flag.pk).update(notification=Flag.Notification.PENDING)
            counts["failed"] += 1
            continue
        counts["sent"] += 1
    return counts
