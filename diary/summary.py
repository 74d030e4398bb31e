"""The visit summary: one document for the patient and the dermatologist, over a chosen period.

`visit_summary` reads it (a fixed number of queries however long the diary), the templates
`diary/_summary.html` lay it out, and `summary_pdf` prints it on the server with WeasyPrint.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from diary import progress as progress_reads
from diary.admin_selectors import adherence_percent
from diary.models import Entry, Flag, Patient, Photo, Treatment
from diary.storage import photo_storage

DEFAULT_DAYS = 28
MAX_DAYS = 366
PAPER_SIZES = {"a4": "A4", "letter": "letter"}


def default_period(patient: Patient) -> tuple[datetime.date, datetime.date]:
    """The last 4 weeks, or since the last reviewed flag when that is longer ago (at most MAX_DAYS days)."""
    end = patient.today()
    start = end - datetime.timedelta(days=DEFAULT_DAYS - 1)
    reviewed = (
        Flag.objects.for_patient(patient)
        .filter(reviewed_at__isnull=False)
        .order_by("-reviewed_at")
        .values_list("reviewed_at", flat=True)
        .first()
    )
    if reviewed is not None:
        start = min(start, patient.local_date(reviewed))
    return max(start, end - datetime.timedelta(days=MAX_DAYS - 1)), end


@dataclass(frozen=True)
class CourseRow:
    treatment: Treatment
    adherence: int | None


@dataclass(frozen=True)
class PhotoPair:
    area: str
    first: Photo
    last: Photo | None  # None when the area was photographed once in the period


@dataclass
class Summary:
    patient: Patient
    start: datetime.date
    end: datetime.date
    progress: progress_reads.Progress
    courses: list[CourseRow]
    flags: list[Flag]
    photos: list[PhotoPair]
    notes: list[Entry] | None  # None: the patient has not included their notes

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def days_logged(self) -> int:
        return sum(1 for day in self.progress.timeline.days if day.entry)

    @property
    def symptom_rows(self) -> list[dict]:
        """Per week, the highest severity of each symptom reported in the period (None where not reported)."""
        names = self.progress.symptom_names
        return [
            {"bucket": bucket, "severities": [bucket.severities.get(name) for name in names]}
            for bucket in self.progress.buckets
        ]

    @property
    def photo_list(self) -> list[Photo]:
        return [photo for pair in self.photos for photo in (pair.first, pair.last) if photo]


def _course_adherence(timeline, course: Treatment) -> int | None:
    """The course's share of the dermatologist's adherence: its applications against its schedule, per day."""
    expected = done = 0.0
    weekly = course.schedule_kind == Treatment.ScheduleKind.WEEKLY
    for day in timeline.days:
        if not course.is_active_on(day.date):
            continue
        expected += course.schedule_times / 7 if weekly else course.schedule_times
        applied = sum(1 for a in day.entry.applications.all() if a.treatment_id == course.pk) if day.entry else 0
        done += min(applied, 1 if weekly else course.schedule_times)
    return adherence_percent(done, expected)


def visit_summary(*, patient: Patient, start: datetime.date, end: datetime.date) -> Summary:
    """The courses, adherence, amounts, symptoms, scores, flags, photos and (if included) notes of a period."""
    progress = progress_reads.progress(patient=patient, start=start, end=end, weekly=True)
    courses = list(
        Treatment.objects.filter(patient=patient, started_on__lte=end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
        .select_related("drug")
        .prefetch_related("body_areas")
        .order_by("started_on", "id")
    )
    flags = list(
        Flag.objects.for_patient(patient)
        .filter(first_seen__lte=end, last_seen__gte=start)
        .select_related("reviewer")
        .order_by("first_seen", "id")
    )
    photos = (
        Photo.objects.for_patient(patient)
        .filter(taken_on__range=(start, end))
        .select_related("body_area")
        .order_by("body_area__name", "taken_on", "pk")
    )
    by_area: dict[int, list[Photo]] = {}
    for photo in photos:
        by_area.setdefault(photo.body_area_id, []).append(photo)
    pairs = [
        PhotoPair(area=group[0].body_area.name, first=group[0], last=group[-1] if len(group) > 1 else None)
        for group in by_area.values()
    ]
    notes = None
    if patient.summary_notes:
        notes = [day.entry for day in progress.timeline.days if day.entry and day.entry.notes.strip()]
    return Summary(
        patient=patient,
        start=start,
        end=end,
        progress=progress,
        courses=[CourseRow(course, _course_adherence(progress.timeline, course)) for course in courses],
        flags=flags,
        photos=pairs,
        notes=notes,
    )


# --- The PDF ---------------------------------------------------------------------------------

# Every URL in the PDF's HTML resolves against this base; the fetcher serves only our own files under it.
PDF_BASE_URL = "https://summary.invalid/"


class SummaryFetcher(URLFetcher):
    """Serves WeasyPrint our static files and the summary's own photos; anything else (a remote URL) is refused."""

    def __init__(self, photos: list[Photo]):
        super().__init__(allowed_protocols=("https",), allow_redirects=False)
        self.photos = {reverse("diary:photo-file", args=[p.pk, "thumb"]): p.thumbnail for p in photos}

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}/" != PDF_BASE_URL:
            raise ValueError(f"The summary embeds no remote resource: {url}")
        if parts.path in self.photos:
            with photo_storage().open(self.photos[parts.path], "rb") as file:
                return URLFetcherResponse(url, file.read(), {"Content-Type": "image/jpeg"})
        static = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else f"/{settings.STATIC_URL}"
        content = _static_file(parts.path.removeprefix(static)) if parts.path.startswith(static) else None
        if content is None:
            raise ValueError(f"Not a file the summary may embed: {parts.path}")
        kind = "text/css" if parts.path.endswith(".css") else "application/octet-stream"
        return URLFetcherResponse(url, content, {"Content-Type": kind})


def _static_file(name: str) -> bytes | None:
    """One of our static files: collected (hashed names in production) or from the source folders."""
    if staticfiles_storage.exists(name):
        with staticfiles_storage.open(name) as file:
            return file.read()
    found = finders.find(name)
    if not found:
        return None
    with open(found, "rb") as file:
        return file.read()


def summary_pdf(summary: Summary, *, paper: str = "a4") -> bytes:
    """The summary as a PDF on A4 or Letter paper; it embeds only our stylesheet and the patient's own photos."""
    html = render_to_string("diary/summary_pdf.html", {"summary": summary})
    page = CSS(string=f"@page {{ size: {PAPER_SIZES[paper]}; }}")
    return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=SummaryFetcher(summary.photo_list)).write_pdf(
        stylesheets=[page]
    )
