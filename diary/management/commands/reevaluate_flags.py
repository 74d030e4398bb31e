"""Re-run the warning-sign rules over whole diaries, e.g. after clinicians edited the rules."""

from django.core.management.base import BaseCommand, CommandError

from diary import flag_services
from diary.models import Patient
from drugs.services import reference_version_bump


class Command(BaseCommand):
    help = "Re-check every entry against the current rules: raise, update or withdraw flags. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--patient", type=int, help="Only this patient (their id).")
        parser.add_argument(
            "--no-email", action="store_true", help="Do not e-mail dermatologists about flags this run raises."
        )

    def handle(self, *args, patient=None, no_email=False, **options):
        patients = Patient.objects.order_by("pk")
        if patient is not None:
            patients = patients.filter(pk=patient)
            if not patients.exists():
                raise CommandError(f"There is no patient with id {patient}.")
        # Rules edited other than through admin (e.g. in a shell) are read afresh here and by every process.
        reference_version_bump()
        totals = {"patients": 0, "changed": 0}
        for each in patients.iterator():
            changed = flag_services.flags_reevaluate_all(patient=each, notify=not no_email)
            totals["patients"] += 1
            totals["changed"] += changed
        self.stdout.write(
            f"Re-evaluated {totals['patients']} patient(s): {totals['changed']} flag(s) raised or changed."
        )
