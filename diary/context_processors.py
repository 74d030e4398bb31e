"""Template context every page may need: the clinics a patient shares with, and what an alert offers the patient
(numbers to call, "did you get help?")."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from clinics import selectors as care
from diary.models import Flag


def care_team(request) -> dict:
    """`care_links`: the clinics the signed-in patient shares the diary with (queried only if a page asks), so
    no page says a clinic or dermatologist will see something when none can."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_staff:
        return {"care_links": []}
    return {"care_links": SimpleLazyObject(lambda: care.care_for(patient_user=user))}


def alert_contacts(request) -> dict:
    return {
        "emergency_number": settings.EMERGENCY_NUMBER,
        "non_emergency_number": settings.NON_EMERGENCY_NUMBER,
        "non_emergency_name": settings.NON_EMERGENCY_NAME,
        "help_choices": Flag.Help.choices,
    }
