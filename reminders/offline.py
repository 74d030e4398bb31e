"""Writes queued on the phone while offline, sent when the connection returns (static/js/offline.js).

Each queued write carries its own idempotency key, so a retry after a lost answer stores nothing new.
A write that can no longer apply (the course was stopped meanwhile, the day is not allowed) comes
back as a 422 with a message the page shows; the queue then drops it. Warning signs are evaluated by
the same services as online writes, and the answer lists the day's alerts so the patient sees them.
"""

import datetime
import json

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from diary import idempotency, selectors
from diary import services as diary_services
from diary.forms import ApplyForm, ReactionForm
from diary.models import Patient
from drugs.models import Severity

SIGNED_OUT = "Sign in again to send what you recorded offline: it stays saved on this phone until then."


def _alerts(patient: Patient, day: datetime.date) -> list[dict]:
    return [
        {
            "urgency": flag.get_urgency_display(),
            "advice": flag.advice,
            "url": reverse("diary:alert-detail", args=[flag.pk]),
        }
        for flag in selectors.alerts_on(patient=patient, day=day).flags
    ]


def _refused(form_or_error) -> tuple[int, dict]:
    if isinstance(form_or_error, ValidationError):
        reasons = form_or_error.messages
    else:
        reasons = [message for messages in form_or_error.errors.values() for message in messages]
    return 422, {"ok": False, "message": "Not recorded: " + " ".join(reasons)}


def _local(patient: Patient, at: datetime.datetime) -> tuple[datetime.date, datetime.time]:
    moment = at.astimezone(patient.zone)
    return moment.date(), moment.time().replace(second=0, microsecond=0)


def record_application(*, user, patient: Patient, treatment_pk, at: datetime.datetime, key: str) -> tuple[int, dict]:
    """An application of a course at the instant the patient tapped "Applied", once per key."""
    day, time = _local(patient, at)
    if day > patient.today():
        return 422, {"ok": False, "message": "Not recorded: that time has not come yet."}
    form = ApplyForm({"treatment": treatment_pk, "time": time.strftime("%H:%M")}, patient=patient, day=day)
    if not form.is_valid():
        return _refused(form)
    treatment = form.cleaned_data["treatment"]
    try:
        outcome = idempotency.once(
            user=user,
            key=key,
            action=lambda: {
                "pk": diary_services.application_create(patient=patient, treatment=treatment, date=day, time=time).pk
            },
        )
    except ValidationError as error:
        return _refused(error)
    message = f"Recorded {treatment.drug} at {time:%H:%M} on {day:%d %b}."
    return 200, {"ok": True, "message": message, "repeated": outcome.repeated, "alerts": _alerts(patient, day)}


def record_reaction(*, user, patient: Patient, fields: dict, at: datetime.datetime, key: str) -> tuple[int, dict]:
    """A reaction as the Today form would post it, on the day the patient recorded it, once per key."""
    day, _ = _local(patient, at)
    if day > patient.today():
        return 422, {"ok": False, "message": "Not recorded: that day has not come yet."}
    form = ReactionForm({name: fields.get(name) or "" for name in ReactionForm.base_fields}, patient=patient)
    if not form.is_valid():
        return _refused(form)
    try:
        outcome = diary_services.reaction_create_once(
            user=user,
            key=key,
            patient=patient,
            date=day,
            result=lambda reaction: {"pk": reaction.pk},
            **form.cleaned_data,
        )
    except ValidationError as error:
        return _refused(error)
    severity = Severity(form.cleaned_data["severity"]).label.lower()
    message = f"Logged {severity} {form.cleaned_data['symptom'].name.lower()} on {day:%d %b}."
    return 200, {"ok": True, "message": message, "repeated": outcome.repeated, "alerts": _alerts(patient, day)}


@never_cache
@require_POST
def sync(request):
    """One queued write: {"kind": "application" or "reaction", "at": ISO instant, "idempotency_key", "fields"}."""
    if not request.user.is_authenticated:
        return JsonResponse({"ok": False, "message": SIGNED_OUT}, status=401)
    patient = Patient.objects.filter(user=request.user).first()
    if patient is None:
        return JsonResponse({"ok": False, "message": "Only patients keep a diary."}, status=403)
    try:
        data = json.loads(request.body or b"{}")
        at = parse_datetime(str(data.get("at", ""))) if isinstance(data, dict) else None
    except (ValueError, UnicodeDecodeError):
        data, at = None, None
    fields = data.get("fields") if isinstance(data, dict) else None
    key = idempotency.key_from(data) if isinstance(data, dict) else ""
    if at is None or at.tzinfo is None or not isinstance(fields, dict) or not key:
        return JsonResponse({"ok": False, "message": "Not recorded: this queued entry is damaged."}, status=400)
    if data.get("kind") == "application":
        status, body = record_application(
            user=request.user, patient=patient, treatment_pk=fields.get("treatment"), at=at, key=key
        )
    elif data.get("kind") == "reaction":
        status, body = record_reaction(user=request.user, patient=patient, fields=fields, at=at, key=key)
    else:
        status, body = 400, {"ok": False, "message": "Not recorded: unknown kind of entry."}
    return JsonResponse(body, status=status)
