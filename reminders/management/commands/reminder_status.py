"""For monitoring: when the reminder runner last finished a pass; exits 1 if that is too long ago."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reminders.models import ReminderSend, SchedulerPass


class Command(BaseCommand):
    help = "Show the last reminder pass and what waits; exit status 1 if no pass finished in the last --stale minutes."

    def add_arguments(self, parser):
        parser.add_argument("--stale", type=int, default=5, help="Minutes without a pass that count as stopped.")

    def handle(self, *args, stale, **options):
        last = SchedulerPass.objects.filter(finished__isnull=False).order_by("-started").first()
        waiting = ReminderSend.objects.filter(status=ReminderSend.Status.PENDING).count()
        if last is None:
            raise CommandError("No reminder pass has run yet: is `manage.py send_reminders` scheduled?")
        age = timezone.now() - last.started
        self.stdout.write(
            f"Last pass {last.started:%Y-%m-%d %H:%M:%S} UTC ({int(age.total_seconds())} s ago): sent {last.sent}, "
            f"skipped {last.skipped}, failed {last.failed}, alerts {last.alerts_sent}. Pending snoozes: {waiting}."
        )
        if age > datetime.timedelta(minutes=stale):
            raise CommandError(f"No pass in the last {stale} minutes: reminders are not being sent.")
