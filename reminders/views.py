"""Reminder settings and schedules, push subscriptions, notification actions, unsubscribe, and the offline queue."""

import datetime
import json

from django.conf import settings as django_settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from diary.models import Patient, Treatment
from diary.views import patient_page
from reminders import channels, services
from reminders.forms import ReminderScheduleForm, ReminderSettingsForm
from reminders.models import PushSubscription, ReminderSchedule, ReminderSend
from reminders.offline import record_application


def _patient(request) -> Patient:
    return get_object_or_404(Patient, user=request.user)


def _json_body(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


@patient_page
def reminder_settings(request):
    patient = _patient(request)
    current = services.reminder_settings_of(patient)
    form = ReminderSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.reminder_settings_update(patient=patient, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, "Reminder settings saved.")
            return redirect("reminders:settings")
    courses = list(
        Treatment.objects.filter(patient=patient)
        .exclude(ended_on__lt=patient.today())
        .select_related("drug", "reminder_schedule")
        .order_by("started_on", "id")
    )
    context = {
        "form": form,
        "courses": courses,
        "devices": PushSubscription.objects.filter(patient=patient).count(),
        "push_ready": channels.push_configured(),
        "push_public_key": django_settings.VAPID_PUBLIC_KEY,
    }
    return render(request, "reminders/settings.html", context)


def _schedule_for(request, pk) -> ReminderSchedule:
    treatment = get_object_or_404(
        Treatment.objects.select_related("drug", "patient").prefetch_related("drug__regimens"),
        pk=pk,
        patient__user=request.user,
    )
    services.reminder_schedules_ensure(treatments=[treatment])
    return ReminderSchedule.objects.select_related("treatment__patient", "treatment__drug").get(treatment=treatment)


@patient_page
def schedule_edit(request, pk):
    schedule = _schedule_for(request, pk)
    form = ReminderScheduleForm(request.POST or None, initial=ReminderScheduleForm.initial_for(schedule))
    if request.method == "POST" and form.is_valid():
        try:
            services.reminder_schedule_update(
                patient=schedule.treatment.patient,
                schedule=schedule,
                times=form.cleaned_data["times"],
                weekdays=form.cleaned_data["weekdays"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, f"Reminders for {schedule.treatment} saved.")
            return redirect("reminders:settings")
    return render(request, "reminders/schedule_form.html", {"form": form, "schedule": schedule})


@patient_page
@require_POST
def schedule_pause(request, pk):
    schedule = _schedule_for(request, pk)
    paused = request.POST.get("paused") == "1"
    services.reminder_schedule_pause(patient=schedule.treatment.patient, schedule=schedule, paused=paused)
    verb = "Paused" if paused else "Resumed"
    messages.success(request, f"{verb} reminders for {schedule.treatment}.")
    return redirect("reminders:settings")


@patient_page
@require_POST
def push_subscribe(request):
    """The browser's PushSubscription (JSON, as `subscription.toJSON()` gives it) for this patient."""
    data = _json_body(request)
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    fields = {"endpoint": data.get("endpoint"), "p256dh": keys.get("p256dh"), "auth": keys.get("auth")}
    if not all(isinstance(value, str) and value for value in fields.values()):
        return JsonResponse({"ok": False, "message": "This browser sent no usable subscription."}, status=400)
    try:
        services.push_subscription_save(
            patient=_patient(request), user_agent=request.headers.get("User-Agent", ""), **fields
        )
    except ValidationError:
        return JsonResponse({"ok": False, "message": "This browser sent no usable subscription."}, status=400)
    return JsonResponse({"ok": True, "message": "Reminders will come to this device."})


@patient_page
@require_POST
def push_unsubscribe(request):
    endpoint = _json_body(request).get("endpoint")
    if not isinstance(endpoint, str):
        return JsonResponse({"ok": False, "message": "No subscription given."}, status=400)
    services.push_subscription_delete(patient=_patient(request), endpoint=endpoint)
    return JsonResponse({"ok": True, "message": "No more reminders on this device."})


@csrf_exempt  # The signed token of one reminder, sent by our service worker, stands in for the CSRF token.
@require_POST
def notification_action(request):
    """The "Applied" or "Snooze" action of a reminder notification; the service worker opens Today otherwise."""
    data = _json_body(request)
    send_pk = channels.send_from_token(str(data.get("token", "")))
    if not request.user.is_authenticated or send_pk is None:
        return JsonResponse({"ok": False, "message": "Open the diary to record it."}, status=403)
    send = get_object_or_404(
        ReminderSend.objects.select_related("patient", "schedule__treatment__patient"),
        pk=send_pk,
        patient__user=request.user,
    )
    if send.schedule_id is None:
        return JsonResponse({"ok": False, "message": "Open the diary to record it."}, status=400)
    if data.get("action") == "snooze":
        services.reminder_snooze(patient=send.patient, send=send)
        return JsonResponse({"ok": True, "message": "We will remind you again soon."})
    if data.get("action") != "applied":
        return JsonResponse({"ok": False, "message": "Unknown action."}, status=400)
    status, body = record_application(
        user=request.user,
        patient=send.patient,
        treatment_pk=send.schedule.treatment_id,
        at=datetime.datetime.now(datetime.UTC),
        key=f"reminder-{send.pk}-applied",
    )
    return JsonResponse(body, status=status)


@csrf_exempt  # Mail clients post the one-click unsubscribe (RFC 8058) without a session or CSRF token.
@never_cache
def unsubscribe(request, token):
    """A signed link from a reminder e-mail: the page asks once, the button (or the mail client's POST) stops them."""
    patient_pk = channels.patient_from_unsubscribe_token(token)
    patient = get_object_or_404(Patient, pk=patient_pk) if patient_pk is not None else None
    if patient is None:
        return render(request, "reminders/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        services.reminder_email_unsubscribe(patient=patient)
        return render(request, "reminders/unsubscribe.html", {"done": True})
    return render(request, "reminders/unsubscribe.html", {"token": token})
