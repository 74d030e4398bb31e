"""Template context every page may need: what an alert offers the patient (numbers to call, "did you get help?")."""

from django.conf import settings

from diary.models import Flag


def alert_contacts(request) -> dict:
    return {
        "emergency_number": settings.EMERGENCY_NUMBER,
        "non_emergency_number": settings.NON_EMERGENCY_NUMBER,
        "non_emergency_name": settings.NON_EMERGENCY_NAME,
        "help_choices": Flag.Help.choices,
    }
