"""One scheduler pass over 10,000 generated patients with two reminders a day: CPU time and queries.

    .venv/bin/python bench/reminders_bench.py [--patients 10000]

Uses a throwaway SQLite file (or BENCH_DATABASE_URL, a PostgreSQL database it may empty: it deletes every
patient there; DATABASE_URL is ignored so that a production database is never touched), the production
settings (config.settings_bench) and the locmem e-mail backend, so reminders are "sent" in memory:
what is measured is the scheduler's own work (finding what is due, recording it, claiming it,
checking logged doses), not an SMTP server or a push service. Three passes are timed:
  typical  - dose times spread over the day in 5-minute steps, so about 1/200 of the reminders fall due;
  peak     - every patient's morning dose at the same minute (all 10,000 due in one pass);
  idle     - the minute after the peak, when everything in the look-back window is already recorded.
A pass must finish well inside the one-minute period of the cron line.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _setup(database: str) -> None:
    os.environ.pop("DATABASE_URL", None)
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    os.environ["BENCH_DB"] = database
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_bench"
    os.environ["DJANGO_ENV_FILE"] = ""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _generate(patients: int, *, peak: bool, seed: int = 1) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from diary.models import Patient, Treatment
    from drugs.models import Drug
    from reminders.models import ReminderSchedule, ReminderSend, ReminderSettings, SchedulerPass

    rng = random.Random(seed)
    User = get_user_model()
    with transaction.atomic():
        SchedulerPass.objects.all().delete()
        ReminderSend.objects.all().delete()
        ReminderSchedule.objects.all().delete()
        Treatment.objects.all().delete()
        ReminderSettings.objects.all().delete()
        Patient.objects.all().delete()
        User.objects.filter(username__startswith="bench-reminder-").delete()
        drug, _ = Drug.objects.get_or_create(slug="bench-drug", defaults={"generic_name": "Bench cream"})
        zones = ["Europe/London", "America/New_York", "Europe/Berlin", "Asia/Tokyo", "Australia/Sydney"]
        users = User.objects.bulk_create(
            [User(username=f"bench-reminder-{n}", email=f"p{n}@example.org", password="!") for n in range(patients)]
        )
        people = Patient.objects.bulk_create(
            [Patient(user=u, time_zone=zones[n % len(zones)]) for n, u in enumerate(users)]
        )
        ReminderSettings.objects.bulk_create([ReminderSettings(patient=p, channel="email") for p in people])
        courses = Treatment.objects.bulk_create(
            [Treatment(patient=p, drug=drug, started_on=datetime.date(2026, 1, 1), schedule_times=2) for p in people]
        )
        schedules = []
        for course in courses:
            if peak:
                times = ["08:00", "20:00"]
            else:
                morning = 6 * 60 + 5 * rng.randrange(72)  # 06:00-11:55
                times = [f"{morning // 60:02d}:{morning % 60:02d}", f"{(morning // 60) + 12:02d}:{morning % 60:02d}"]
            schedules.append(ReminderSchedule(treatment=course, times=times, weekdays=list(range(7))))
        ReminderSchedule.objects.bulk_create(schedules)


def _timed_pass(now: datetime.datetime) -> dict:
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reminders import delivery
    from reminders.models import SchedulerPass

    mail.outbox = []
    with CaptureQueriesContext(connection) as queries:
        cpu, wall = time.process_time(), time.perf_counter()
        result = delivery.run_pass(now=now)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    SchedulerPass.objects.create(started=now, finished=now)
    return {"cpu": cpu, "wall": wall, "queries": len(queries), "sent": result.sent, "recorded": result.recorded}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        _setup(str(Path(folder) / "reminders-bench.sqlite3"))
        from django.conf import settings
        from django.test.utils import setup_test_environment

        setup_test_environment()  # the locmem outbox
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        # Wednesday 1 July 2026; London 08:00 BST is 07:00 UTC.
        rows = []
        _generate(args.patients, peak=False)
        rows.append(("typical", _timed_pass(datetime.datetime(2026, 7, 1, 7, 0, 5, tzinfo=datetime.UTC))))
        _generate(args.patients, peak=True)
        # The peak: every London patient's 08:00 at once (a fifth of them: the other zones' 08:00 is other hours),
        # so time the minute where the most fall due: pick London and run every patient's zone to London too.
        from diary.models import Patient

        Patient.objects.update(time_zone="Europe/London")
        rows.append(("peak", _timed_pass(datetime.datetime(2026, 7, 1, 7, 0, 5, tzinfo=datetime.UTC))))
        rows.append(("idle", _timed_pass(datetime.datetime(2026, 7, 1, 7, 1, 5, tzinfo=datetime.UTC))))
    print(f"Scheduler pass over {args.patients:,} patients, two reminders a day each ({engine}):")
    print(f"{'pass':<8} {'due & sent':>10} {'new rows':>8} {'CPU s':>7} {'wall s':>7} {'queries':>8}")
    for name, row in rows:
        figures = f"{row['cpu']:>7.2f} {row['wall']:>7.2f} {row['queries']:>8,}"
        print(f"{name:<8} {row['sent']:>10,} {row['recorded']:>8,} {figures}")


if __name__ == "__main__":
    main()
