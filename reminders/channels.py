"""How a reminder reaches the patient: Web Push (pywebpush, VAPID) or e-mail. No health data in either.

A notification may show on a locked screen and an e-mail may be read by anyone with the inbox, so
both say only that it is time for a dose (or the daily check-in), never which medicine or why.
"""

import functools
import json
import logging

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.urls import reverse
from pywebpush import WebPushException, webpush

from reminders.models import PushSubscription, ReminderSend

logger = logging.getLogger(__name__)

ACTION_SALT = "reminders.action"
UNSUBSCRIBE_SALT = "reminders.unsubscribe"
GONE = {404, 410}
TITLES = {
    ReminderSend.Kind.DOSE: "Time for your dose",
    ReminderSend.Kind.SNOOZE: "Time for your dose",
    ReminderSend.Kind.CHECK_IN: "How is your skin today?",
}
BODIES = {
    ReminderSend.Kind.DOSE: "Open your diary to record it.",
    ReminderSend.Kind.SNOOZE: "Open your diary to record it.",
    ReminderSend.Kind.CHECK_IN: "Open your diary to score your skin.",
}


def push_configured() -> bool:
    return bool(settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY)


def action_token(send: ReminderSend) -> str:
    """Signed proof, carried by the notification, that its actions act on this one reminder."""
    return signing.dumps({"send": send.pk}, salt=ACTION_SALT)


def send_from_token(token: str, max_age_days: int = 2) -> int | None:
    try:
        return signing.loads(token, salt=ACTION_SALT, max_age=max_age_days * 86400)["send"]
    except (signing.BadSignature, KeyError, TypeError):
        return None


def unsubscribe_url(patient_pk: int) -> str:
    token = signing.dumps(patient_pk, salt=UNSUBSCRIBE_SALT)
    return settings.SITE_URL.rstrip("/") + reverse("reminders:unsubscribe", args=[token])


@functools.cache
def _today_url() -> str:
    return reverse("home")


def patient_from_unsubscribe_token(token: str) -> int | None:
    try:
        return int(signing.loads(token, salt=UNSUBSCRIBE_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def push_payload(send: ReminderSend) -> dict:
    actions = (
        []
        if send.kind == ReminderSend.Kind.CHECK_IN
        else [
            {"action": "applied", "title": "Applied"},
            {"action": "snooze", "title": "Snooze"},
        ]
    )
    return {
        "title": TITLES[send.kind],
        "body": BODIES[send.kind],
        "tag": f"reminder-{send.schedule_id or 'check-in'}",
        "url": reverse("home"),
        "actions": actions,
        "token": action_token(send) if actions else "",
    }


def push(send: ReminderSend, subscriptions: list[PushSubscription]) -> tuple[int, list[int]]:
    """Push to each subscription; return how many took it and the ids the push service says are gone."""
    delivered, gone = 0, []
    data = json.dumps(push_payload(send))
    for subscription in subscriptions:
        try:
            webpush(
                subscription_info=subscription.info(),
                data=data,
                vapid_private_key=settings.VAPID_PRIVATE_KEY,
                vapid_claims={"sub": settings.VAPID_SUBJECT},
                ttl=3600,
                timeout=10,
            )
        except WebPushException as error:
            if error.status_code in GONE:
                gone.append(subscription.pk)
            else:
                logger.warning("Push to subscription %s failed: %s", subscription.pk, error.status_code)
            continue
        except Exception:
            logger.exception("Push to subscription %s failed", subscription.pk)
            continue
        delivered += 1
    return delivered, gone


def email(send: ReminderSend, address: str, connection=None) -> None:
    """A reminder e-mail: the time has come, a link to the diary, and a one-click unsubscribe."""
    site = settings.SITE_URL.rstrip("/")
    unsubscribe = unsubscribe_url(send.patient_id)
    body = (
        f"{TITLES[send.kind]}.\n\n"
        f"{BODIES[send.kind]}\n{site}{_today_url()}\n\n"
        f"To stop reminder e-mails: {unsubscribe}\n"
    )
    message = EmailMessage(
        subject=f"[Skin diary] {TITLES[send.kind]}",
        body=body,
        to=[address],
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        connection=connection,
    )
    message.send()
