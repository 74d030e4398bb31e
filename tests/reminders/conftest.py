import datetime

import pytest

from reminders.models import ReminderSchedule, ReminderSettings
from tests.factories import PatientFactory, TreatmentFactory


@pytest.fixture(autouse=True)
def _vapid(settings):
    settings.VAPID_PUBLIC_KEY = "BPublicKeyForTests"
    settings.VAPID_PRIVATE_KEY = "private-key-for-tests"
    settings.VAPID_SUBJECT = "mailto:test@example.org"
    settings.REMINDER_GRACE_MINUTES = 30


def reminded_course(*, username="rita", zone="Europe/London", channel="email", times=("08:00", "20:00"), **course):
    """A patient with reminders on, and a course with a schedule at `times` every day."""
    patient = PatientFactory(user__username=username, time_zone=zone)
    ReminderSettings.objects.create(patient=patient, channel=channel)
    treatment = TreatmentFactory(
        patient=patient, started_on=course.pop("started_on", datetime.date(2026, 1, 1)), **course
    )
    schedule = ReminderSchedule.objects.create(treatment=treatment, times=list(times), weekdays=list(range(7)))
    return patient, treatment, schedule
