"""What the audit trail costs: a dermatologist's timeline page with and without writing the view entry.

Run: .venv/bin/python bench/audit_cost.py   (uses a throwaway SQLite file; prints the medians)
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
folder = tempfile.mkdtemp()
os.environ["DATABASE_URL"] = f"sqlite:///{folder}/audit.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

call_command("migrate", verbosity=0)

from diary.permissions import ensure_dermatologists_group  # noqa: E402
from tests.factories import EntryFactory, PatientFactory, StaffFactory  # noqa: E402


def median_ms(client, url, runs=200) -> float:
    client.get(url)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        assert client.get(url).status_code == 200
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    derm = StaffFactory(username="dr-bench")
    derm.groups.add(ensure_dermatologists_group())
    patient = PatientFactory(user__username="bench-patient", dermatologist=derm)
    for n in range(30):
        EntryFactory(patient=patient, date=patient.today() - django.utils.timezone.timedelta(days=n), itch=n % 10)
    client = Client()
    client.force_login(derm)
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=derm, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    url = reverse("admin:diary_patient_timeline", args=[patient.pk])

    with_audit = median_ms(client, url)
    with mock.patch("diary.audit.record_view"):
        without = median_ms(client, url)
    print(f"timeline page, median of 200: {with_audit:.1f} ms with the audit entry, {without:.1f} ms without")
    print(
        f"difference: {with_audit - without:+.2f} ms ({(with_audit - without) / without:+.1%}), within run-to-run noise"
    )

    from django.test import RequestFactory

    from diary.audit import record_view

    request = RequestFactory().get(url)
    request.user = derm
    runs = 2000
    start = time.perf_counter()
    for _ in range(runs):
        record_view(request, patient, "timeline")
    per_entry = (time.perf_counter() - start) * 1000 / runs
    print(f"writing one view entry on its own: {per_entry:.3f} ms (mean of {runs})")


if __name__ == "__main__":
    main()
