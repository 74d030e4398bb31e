"""The one scheduled job: send the reminders that fell due and the pending clinician alert e-mails."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from diary import notifications
from reminders import delivery
from reminders.models import SchedulerPass


class Command(BaseCommand):
    help = (
        "Send due reminders (push or e-mail) and pending alert e-mails. Run it every minute (cron or a systemd "
        "timer); several at once, on several servers, still send each reminder once."
    )

    def handle(self, *args, **options):
        started = timezone.now()
        result = delivery.run_pass(now=started)
        alerts = notifications.send_pending()
        SchedulerPass.objects.create(
            started=started,
            finished=timezone.now(),
            sent=result.sent,
            skipped=result.skipped_total,
            failed=result.failed,
            alerts_sent=alerts["sent"],
        )
        skipped = ", ".join(f"{count} {reason}" for reason, count in sorted(result.skipped.items())) or "none"
        self.stdout.write(
            f"Reminders: sent {result.sent}, failed {result.failed}, skipped {result.skipped_total} ({skipped}); "
            f"{result.subscriptions_removed} gone push subscription(s) removed. "
            f"Alerts: sent {alerts['sent']}, failed {alerts['failed']}, waiting {alerts['waiting']}."
        )
