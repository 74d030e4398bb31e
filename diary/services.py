"""Writes to patient data. Views and admin call these; each runs in one transaction."""

from django.contrib.auth import get_user_model
from django.db import transaction

from diary.models import Patient


@transaction.atomic
def patient_register(*, username: str, email: str, password: str, time_zone: str) -> Patient:
    """Create a user account and the patient profile that goes with it."""
    user = get_user_model().objects.create_user(username=username, email=email, password=password)
    return Patient.objects.create(user=user, time_zone=time_zone)
