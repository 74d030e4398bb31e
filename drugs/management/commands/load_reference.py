"""Create or update the drug reference data from the project's file (or --file); safe to run again."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from drugs.reference import DEFAULT_PATH, LoadReport, ReferenceDataError, load_reference, read_file


class Command(BaseCommand):
    help = (
        "Load the drug reference data (medicines, symptoms, body areas, warning signs, amount limits). "
        "Creates or updates records from the file; never deletes, and never touches rules added in admin."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", type=Path, default=DEFAULT_PATH, help=f"JSON file to load (default {DEFAULT_PATH})"
        )

    def handle(self, *args, file: Path, verbosity: int, **options):
        try:
            report = load_reference(read_file(file))
        except ReferenceDataError as error:
            problems = "\n".join(f"  {problem}" for problem in error.problems)
            raise CommandError(f"{file} was not loaded; nothing was changed:\n{problems}") from error
        if verbosity:
            self._print(file, report, verbosity)

    def _print(self, file: Path, report: LoadReport, verbosity: int) -> None:
        self.stdout.write(f"Reference data from {file}:")
        for kind, tally in report.tallies.items():
            self.stdout.write(
                f"  {kind}: {len(tally.created)} created, {len(tally.updated)} updated, {tally.unchanged} unchanged"
            )
            if verbosity > 1:
                for name in tally.created:
                    self.stdout.write(f"    created {name}")
            for name in tally.updated:
                self.stdout.write(f"    updated {name}")
            for name in tally.kept_edits:
                self.stdout.write(f"    kept as edited in admin: {name}")
        if report.stale_rules:
            self.stdout.write(
                "Rules loaded from an earlier file but not in this one (left as they are; retire in admin):"
            )
            for rule in report.stale_rules:
                self.stdout.write(f"  {rule}")
        if not report.changed:
            self.stdout.write("Everything was already up to date.")
