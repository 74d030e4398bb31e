"""The reminders' part of the patient's download (diary.json's "reminders"), registered in RemindersConfig.ready."""

from diary.models import Patient
from reminders.models import PushSubscription, ReminderSchedule, ReminderSettings


def _time(value) -> str | None:
    return value.strftime("%H:%M") if value else None


def reminders_section(patient: Patient) -> dict:
    """The patient's reminder settings, each course's dose times, and the devices that receive notifications
    (named by their browser; the push addresses and keys are secrets of the browser and stay out)."""
    settings = ReminderSettings.objects.filter(patient=patient).first()
    schedules = ReminderSchedule.objects.filter(treatment__patient=patient).select_related("treatment__drug")
    return {
        "settings": {
            "channel": settings.get_channel_display(),
            "quiet_hours": [_time(settings.quiet_start), _time(settings.quiet_end)] if settings.quiet else None,
            "daily_check_in": _time(settings.check_in_time) if settings.check_in else None,
            "email_when_no_device": settings.email_fallback,
        }
        if settings
        else None,
        "courses": [
            {
                "medicine": str(schedule.treatment.drug),
                "times": [_time(time) for time in schedule.time_values],
                "days": schedule.weekday_names,
                "paused": schedule.paused,
            }
            for schedule in schedules.order_by("treatment__started_on", "treatment_id")
        ],
        "devices": [
            {"browser": device.user_agent, "added_at": device.created.isoformat()}
            for device in PushSubscription.objects.filter(patient=patient).order_by("created")
        ],
    }
