"""Signed-in sessions for the load: `python -m bench.sessions COUNT` prints them as JSON.

Run with DJANGO_SETTINGS_MODULE=config.settings_bench. Cookies come straight from Django's SessionStore
(what `login()` stores), so no password is checked and nothing depends on the login form.
"""

import datetime
import json
import sys
import time

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from accounts.middleware import OTP_REQUIRED  # noqa: E402
from clinics import selectors as care  # noqa: E402
from diary.models import Entry, Patient  # noqa: E402
from drugs.models import Symptom  # noqa: E402

PREFIX = "bench"
# Days before each patient's first entry: the write-contention run creates entries there.
EMPTY_DAYS = 60
ADMIN_PERMISSIONS = ["diary.view_flag", "diary.view_patient"]


def cookie(user) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store["_renewed"] = int(time.time())
    if user.is_staff:
        # Admin needs two-step sign-in: the session is one that typed a valid code.
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="Bench authenticator", confirmed=True)
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
        store[OTP_REQUIRED] = True
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def patients(count: int) -> list[dict]:
    chosen = Patient.objects.filter(user__username__startswith=f"{PREFIX}-p").select_related("user").order_by("pk")
    out = []
    for patient in chosen[:count]:
        first = Entry.objects.filter(patient=patient).order_by("date").values_list("date", flat=True).first()
        first = first or patient.today()
        out.append(
            {
                "id": patient.pk,
                "cookie": cookie(patient.user),
                "today": patient.today().isoformat(),
                "empty_days": [(first - datetime.timedelta(days=n)).isoformat() for n in range(1, EMPTY_DAYS + 1)],
            }
        )
    return out


def dermatologists() -> tuple[str, list[dict]]:
    """The generated dermatologists if their group lets them see diaries in admin, else a superuser."""
    User = get_user_model()
    derms = list(User.objects.filter(username__startswith=f"{PREFIX}-derm").order_by("pk"))
    if derms and all(d.has_perms(ADMIN_PERMISSIONS) for d in derms):
        kind = "staff users in the Dermatologists group, each with their assigned patients"
        users = derms
    else:
        superuser, _ = User.objects.get_or_create(
            username=f"{PREFIX}-superuser", defaults={"is_staff": True, "is_superuser": True}
        )
        kind = (
            f"superuser {PREFIX}-superuser: the Dermatologists group cannot yet view diary flags and patients in "
            "admin, so the admin pages are measured as a superuser, who sees every patient"
        )
        users = [superuser]
    out = []
    for n, user in enumerate(users):
        owner = derms[n % len(derms)] if derms else user
        mine = (
            Patient.objects.filter(user_id__in=care.patients_visible_to(owner))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        out.append({"username": user.username, "cookie": cookie(user), "patient_ids": list(mine[:50])})
    return kind, out


def main() -> None:
    kind, derms = dermatologists()
    sessions = {
        "patients": patients(int(sys.argv[1])),
        "dermatologists": derms,
        "dermatologist_kind": kind,
        "symptoms": dict(Symptom.objects.values_list("code", "pk")),
    }
    print("SESSIONS_JSON", json.dumps(sessions))


if __name__ == "__main__":
    main()
