"""The visit summary: one document for the patient and the dermatologist, over a chosen period.

`visit_summary` reads it (a fixed number of queries however long the diary), the templates
`diary/_summary.html` lay it out, and `diary.summary_pdf` prints it on the server with WeasyPrint.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from diary import progress as progress_reads
from diary.models import Entry, Flag, Patient, Photo, Treatment

DEFAULT_DAYS = 28
MAX_DAYS = 366


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


def visit_summary(*, patient: Patient, start: datetime.date, end: datetime.date) -> Summary:
    """The courses, adherence, amounts, symptoms, scores, flags, photos and (if included) notes of a period."""
    progress = progress_reads.progress(patient=patient, start=start, end=end, weekly=True)
    courses = list(
        Treatment.objects.filter(patient=patient)
        .overlapping(start, end)
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
        courses=[CourseRow(course, progress.course_adherence(course)) for course in courses],
        flags=flags,
        photos=pairs,
        notes=notes,
    )
