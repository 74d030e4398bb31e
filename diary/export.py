"""Everything a patient logged, as one ZIP they can download: JSON, CSV and their photos."""

import csv
import io
import json
import tempfile
import zipfile
from collections.abc import Callable
from typing import IO

from django.utils import timezone

from clinics.models import CareLink, JoinRequest, ShareLink, display_name
from diary import storage
from diary.amounts import format_amount
from diary.models import Entry, Flag, Patient, Photo, PoemScore, Treatment

README = """Your skin diary, exported on {now}.

diary.json   everything you logged: your courses, each day's applications, reactions, itch score and notes,
             your weekly questionnaires (POEM), your photos' details, the alerts raised from your diary
             (with your dermatologist's notes), the clinics you shared it with and your consents, your share
             links and your reminder settings
diary.csv    one row per application and per reaction, for spreadsheets
photos/      your photos as stored by the diary (location data was removed when you uploaded them)
"""


# Sections other apps add to diary.json (their data about the patient), by name: the app registers a
# function of the patient in its AppConfig.ready, because diary does not import the apps built on it.
SECTIONS: dict[str, Callable[[Patient], object]] = {}


def register_section(name: str, section: Callable[[Patient], object]) -> None:
    SECTIONS[name] = section


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _entries(patient: Patient):
    return Entry.objects.with_details().with_photos().filter(patient=patient).order_by("date")


def _photo_name(photo: Photo) -> str:
    return f"photos/{photo.taken_on:%Y-%m-%d}-{photo.body_area.code}-{photo.pk}.jpg"


def diary_data(patient: Patient, entries) -> dict:
    """The patient's whole diary as plain JSON-ready data."""
    zone = patient.zone
    treatments = Treatment.objects.filter(patient=patient).select_related("drug").prefetch_related("body_areas")
    flags = Flag.objects.filter(patient=patient).order_by("first_seen", "id")
    return {
        "patient": {
            "username": patient.user.get_username(),
            "email": patient.user.email,
            "time_zone": patient.time_zone,
            "name": display_name(patient.user),
            "date_of_birth": patient.date_of_birth.isoformat() if patient.date_of_birth else None,
            "phone_for_call_backs": patient.callback_phone,
        },
        "treatments": [
            {
                "medicine": str(t.drug),
                "strength": t.strength,
                "body_areas": [a.name for a in t.body_areas.all()],
                "schedule": t.schedule,
                "usual_amount": t.usual_amount_display,
                "started_on": t.started_on.isoformat(),
                "ended_on": t.ended_on.isoformat() if t.ended_on else None,
                "instructions": t.instructions,
            }
            for t in treatments
        ],
        "days": [
            {
                "date": e.date.isoformat(),
                "itch": e.itch,
                "notes": e.notes,
                "applications": [
                    {
                        "medicine": str(a.treatment.drug),
                        "time": a.applied_at.astimezone(zone).strftime("%H:%M"),
                        "body_areas": [area.name for area in a.body_areas.all()],
                        "amount": format_amount(a.amount),
                        "unit": a.unit,
                        "grams": format_amount(a.grams),
                    }
                    for a in e.applications.all()
                ],
                "reactions": [
                    {
                        "symptom": r.symptom.name,
                        "severity": r.severity,
                        "severity_label": r.get_severity_display(),
                        "body_area": r.body_area.name if r.body_area else "",
                        "medicine": str(r.treatment.drug) if r.treatment else "",
                    }
                    for r in e.reactions.all()
                ],
                "photos": [
                    {"file": _photo_name(p), "body_area": p.body_area.name, "caption": p.caption}
                    for p in e.photos.all()
                ],
            }
            for e in entries
        ],
        "alerts": [
            {
                "rule": f.rule_text,
                "urgency": f.get_urgency_display(),
                "advice": f.advice,
                "status": f.get_status_display(),
                "first_seen": f.first_seen.isoformat(),
                "last_seen": f.last_seen.isoformat(),
                "review_note": f.review_note,
                "evidence": f.evidence.get("days", []),
            }
            for f in flags
        ],
        "questionnaires": [
            {"date": score.date.isoformat(), "answers": score.answers, "total": score.total}
            for score in PoemScore.objects.filter(patient=patient).order_by("date")
        ],
        **_sharing(patient),
        **{name: section(patient) for name, section in SECTIONS.items()},
    }


def _sharing(patient: Patient) -> dict:
    """Who the diary was shared with, under which consent, and the patient's share links."""
    links = CareLink.objects.filter(patient=patient.user).select_related("clinic", "dermatologist").order_by("id")
    requests = JoinRequest.objects.filter(patient=patient.user).select_related("clinic").order_by("id")
    return {
        "clinics": [
            {
                "clinic": link.clinic.name,
                "dermatologist": display_name(link.dermatologist) if link.dermatologist else "",
                "how": link.get_source_display(),
                "consent_version": link.consent_version,
                "consented_at": _iso(link.consented_at),
                "shares_photos": link.shares_photos,
                "withdrawn_at": _iso(link.withdrawn_at),
            }
            for link in links
        ],
        "clinic_requests": [
            {"clinic": request.clinic.name, "status": request.get_status_display(), "sent_at": _iso(request.created)}
            for request in requests
        ],
        "share_links": [
            {
                "label": link.label,
                "period": [link.start.isoformat(), link.end.isoformat()],
                "with_photos": link.include_photos,
                "made_at": _iso(link.created),
                "expires_at": _iso(link.expires_at),
                "revoked_at": _iso(link.revoked_at),
            }
            for link in ShareLink.objects.filter(patient=patient.user).order_by("id")
        ],
    }


def _csv(data: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "date",
            "kind",
            "time",
            "medicine",
            "body areas",
            "amount",
            "unit",
            "grams",
            "symptom",
            "severity",
            "itch",
            "notes",
        ]
    )
    for day in data["days"]:
        for a in day["applications"]:
            row = [
                day["date"],
                "application",
                a["time"],
                a["medicine"],
                "; ".join(a["body_areas"]),
                a["amount"],
                a["unit"],
                a["grams"],
                "",
                "",
                day["itch"],
                day["notes"],
            ]
            writer.writerow(_safe(row))
        for r in day["reactions"]:
            row = [
                day["date"],
                "reaction",
                "",
                r["medicine"],
                r["body_area"],
                "",
                "",
                "",
                r["symptom"],
                r["severity_label"],
                day["itch"],
                day["notes"],
            ]
            writer.writerow(_safe(row))
    return out.getvalue()


FORMULA_FIRST = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ (or tab / CR) gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_FIRST) else text


def _safe(row: list) -> list:
    return [safe_cell(value) for value in row]


def patient_archive(patient: Patient) -> IO[bytes]:
    """A ZIP of the patient's whole diary, spooled to disk beyond a few MB; positioned at its start."""
    entries = list(_entries(patient))
    data = diary_data(patient, entries)
    archive = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
    photo_storage = storage.photo_storage()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("README.txt", README.format(now=timezone.now().astimezone(patient.zone).strftime("%Y-%m-%d %H:%M")))
        zf.writestr("diary.json", json.dumps(data, ensure_ascii=False, indent=2))
        zf.writestr("diary.csv", _csv(data))
        for entry in entries:
            for photo in entry.photos.all():
                if photo_storage.exists(photo.image):
                    with photo_storage.open(photo.image) as image:
                        # Already-compressed JPEGs: stored, not deflated again.
                        zf.writestr(_photo_name(photo), image.read(), compress_type=zipfile.ZIP_STORED)
    archive.seek(0)
    return archive
