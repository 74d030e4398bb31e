"""Remove a user's authenticator, recovery codes and passkeys (they lost their phone); they enrol again at next
log-in."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts import services


class Command(BaseCommand):
    help = "Reset two-step sign-in of one account: its authenticator app, recovery codes and passkeys are removed."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        try:
            user = get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"There is no account {username!r}.") from None
        services.two_factor_disable(user=user, passkeys=True)
        self.stdout.write(f"Two-step sign-in of {username} was reset; staff will be asked to enrol again.")
