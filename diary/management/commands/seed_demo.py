"""Create the demo accounts for local development (never in production)."""

import base64

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from diary import demo_story
from diary.models import Patient
from diary.permissions import ensure_dermatologists_group

DEMO_PASSWORD = "demo-pass-2026"
ACCOUNTS = [
    # username, role, is_staff, is_superuser
    ("patient", "patient", False, False),
    ("dermatologist", "dermatologist (staff, admin access)", True, False),
    ("admin", "superuser", True, True),
]


class Command(BaseCommand):
    help = "Create demo accounts (a patient, a dermatologist, a superuser). Runs only with DJANGO_DEBUG=1."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are for development only: set DJANGO_DEBUG=1 to create them.")
        with transaction.atomic():
            created = [
                self._account(username, is_staff, is_superuser) for username, _, is_staff, is_superuser in ACCOUNTS
            ]
            # The demo dermatologist reviews the demo patient's diary (only if nobody was assigned yet).
            dermatologist = get_user_model().objects.get(username="dermatologist")
            dermatologist.groups.add(ensure_dermatologists_group())
            Patient.objects.filter(user__username="patient", dermatologist__isnull=True).update(
                dermatologist=dermatologist
            )
            diary_note = self._demo_diary()
        self.stdout.write("Demo accounts (development only):")
        for (username, role, _, _), was_created in zip(ACCOUNTS, created, strict=True):
            state = "created" if was_created else "already there"
            self.stdout.write(f"  {role:38} username: {username:14} password: {DEMO_PASSWORD}   ({state})")
        self.stdout.write(
            "  Admin needs two-step sign-in: add these keys to an authenticator app (Google Authenticator, Aegis...):"
        )
        for username, _, is_staff, _ in ACCOUNTS:
            if is_staff:
                self.stdout.write(f"    {username:14} key: {self._demo_authenticator_key(username)}")
        if diary_note:
            self.stdout.write(diary_note)

    def _account(self, username: str, is_staff: bool, is_superuser: bool) -> bool:
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@example.org", "is_staff": is_staff, "is_superuser": is_superuser},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if username == "patient":
            Patient.objects.get_or_create(user=user, defaults={"time_zone": "Europe/London"})
        return created

    def _demo_authenticator_key(self, username: str) -> str:
        """The demo staff account's authenticator key (created once), so a developer can sign in to admin."""
        user = get_user_model().objects.get(username=username)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="Demo authenticator", confirmed=True)
        return base64.b32encode(device.bin_key).decode()

    def _demo_diary(self) -> str:
        """About 60 days of diary for the demo patient (diary.demo_story), once, if the reference is loaded."""
        patient = Patient.objects.filter(user__username="patient").first()
        if patient is None:
            return ""
        return demo_story.tell(patient=patient, dermatologist=get_user_model().objects.get(username="dermatologist"))
