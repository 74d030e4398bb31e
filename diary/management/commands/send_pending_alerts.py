"""Send the dermatologist e-mails that could not be sent when their flags were raised."""

from django.core.management.base import BaseCommand

from diary import notifications


class Command(BaseCommand):
    help = "E-mail the care team about today/emergency flags still marked pending. Safe to run often (cron)."

    def handle(self, *args, **options):
        counts = notifications.send_pending()
        self.stdout.write(
            f"Sent {counts['sent']}, failed {counts['failed']} (left pending), "
            f"waiting {counts['waiting']} (shared with no clinic that has an e-mail address for alerts)."
        )
        if counts["failed"]:
            self.stderr.write("Some alerts could not be sent; see the log. They stay pending for the next run.")
