"""Create the demo accounts for local development (never in production)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from diary.models import Patient

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
        self.stdout.write("Demo accounts (development only):")
        for (username, role, _, _), was_created in zip(ACCOUNTS, created, strict=True):
            state = "created" if was_created else "already there"
            self.stdout.write(f"  {role:38} username: {username:14} password: {DEMO_PASSWORD}   ({state})")

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
