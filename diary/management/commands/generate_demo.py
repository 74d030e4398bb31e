"""Generate a seeded, realistic data set of many patients' diaries (for benchmarks and demos)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from diary import demo
from diary.models import Patient


class Command(BaseCommand):
    help = (
        "Create N patients with D days of diary each (courses, entries, applications, reactions, notes), "
        "then their warning-sign flags. The same --seed gives the same data. Needs the drug reference loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=1000)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--prefix", default="demo", help="Usernames are <prefix>-p00001, <prefix>-derm1, ...")
        parser.add_argument("--batch", type=int, default=50, help="Patients per transaction.")

    def handle(self, *args, patients, days, seed, prefix, batch, **options):
        if patients < 1 or days < 1:
            raise CommandError("--patients and --days must be at least 1.")
        if Patient.objects.filter(Q(user__username__startswith=f"{prefix}-p")).exists():
            raise CommandError(f"Patients named {prefix}-p… already exist: use another --prefix or a fresh database.")
        started = time.perf_counter()
        try:
            result = demo.generate(
                patients=patients,
                days=days,
                seed=seed,
                prefix=prefix,
                batch=batch,
                progress=self.stdout.write if options["verbosity"] > 1 else None,
            )
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        total = time.perf_counter() - started
        self.stdout.write(
            f"Generated {result.patients} patients x {days} days (seed {seed}) in {total:.1f} s "
            f"(rows {result.seconds['rows']:.1f} s, flags {result.seconds['flags']:.1f} s): "
            f"{result.treatments} courses, {result.entries} entries, {result.applications} applications, "
            f"{result.reactions} reactions, {result.flags} flags, {result.photos} photos. "
            f"Dermatologists: {', '.join(result.dermatologists)}."
        )
