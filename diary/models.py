import zoneinfo

from django.conf import settings
from django.db import models
from django.utils import timezone

from diary.timezones import validate_time_zone


class Patient(models.Model):
    """A person keeping a diary: the profile beside their user account."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patient")
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="The patient's own time zone: it decides which day 'today' is.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user__username"]

    def __str__(self):
        return self.user.get_username()

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def today(self):
        """The date it is now where the patient lives."""
        return timezone.localdate(timezone=self.zone)
