"""The visit summary: one document for the patient and the dermatologist, over a chosen period.

`visit_summary` reads it (a fixed number of queries however long the diary), the template
`diary/_summary_body.html` lays it out (`Summary.html`, which `diary/_summary.html` prints on the patient's page,
the admin page and the PDF), and `diary.summary_pdf` prints it on the server with WeasyPrint.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe

from diary import progress as progress_reads
from diary import selectors
from diary.kept import Kept, digest, rows_of
from diary.models import Flag, Patient, Photo, Treatment
from prepared import prepared

DEFAULT_DAYS = 28
MAX_DAYS = 366


def default_period(patient: Patient) -> tuple[datetime.date, datetime.date]:
    """The last 4 weeks, or since the last reviewed flag when that is longer ago (at most MAX_DAYS days)."""
    end = patient.today()
    start = end - datetime.timedelta(days=DEFAULT_DAYS - 1)
    for (reviewed,) in _last_review(patient_id=patient.pk):
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
    notes: list[progress_reads.LoggedDay] | None  # None: the patient has not included their notes
    key: bytes  # the digest of everything the body shows (see `visit_summary`)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def days_logged(self) -> int:
        return len(self.progress.logged)

    @property
    def symptom_rows_html(self) -> SafeString:
        """The symptom timeline's rows: per week, its peak itch, sleep loss and the highest severity of each symptom
        reported in the period ("-" where none), written in one go as the template wrote them."""
        names = self.progress.symptom_names
        rows = []
        for bucket in self.progress.buckets:
            cells = [bucket.peak_itch, bucket.sleep_loss, *(bucket.severities.get(name) for name in names)]
            cells_html = "".join(f"<td>{'-' if value is None else localize(value)}</td>" for value in cells)
            rows.append(f'<tr><th scope="row">{progress_reads.short_day(bucket.start)}</th>{cells_html}</tr>')
        return mark_safe("\n      ".join(rows))  # noqa: S308 - dates and numbers only

    @property
    def photo_list(self) -> list[Photo]:
        return [photo for pair in self.photos for photo in (pair.first, pair.last) if photo]

    @property
    def html(self) -> SafeString:
        """The body (`diary/_summary_body.html`), kept per process under `key`: the same rows, the same HTML."""
        body = _BODIES.get_or_make(self.key, lambda: render_to_string("diary/_summary_body.html", {"summary": self}))
        return mark_safe(body)  # noqa: S308 - the template's own escaped output


def generated_on() -> datetime.date:
    """The day the footer's `{% now "j M Y" %}` prints, read from the clock as that tag reads it."""
    return datetime.datetime.now(tz=timezone.get_current_timezone() if settings.USE_TZ else None).date()


# The summaries' bodies (about 10 kB for 4 weeks), per process, by the digest of what they show, within 8 MB.
_BODIES = Kept(256, budget=8 * 2**20, weigh=len)


def visit_summary(*, patient: Patient, start: datetime.date, end: datetime.date) -> Summary:
    """The courses, adherence, amounts, symptoms, scores, flags, photos and (if included) notes of a period."""
    progress = progress_reads.progress(patient=patient, start=start, end=end, weekly=True)
    courses = sorted(progress.courses, key=lambda course: (course.started_on, course.pk))
    selectors.with_body_areas(courses, patient=patient)
    flags = _flags(patient_id=patient.pk, start=start, end=end)
    photos = _photos(patient_id=patient.pk, start=start, end=end)
    by_area: dict[int, list[Photo]] = {}
    for photo in photos:
        by_area.setdefault(photo.body_area_id, []).append(photo)
    pairs = [
        PhotoPair(area=group[0].body_area.name, first=group[0], last=group[-1] if len(group) > 1 else None)
        for group in by_area.values()
    ]
    notes = None
    if patient.summary_notes:
        notes = [day for day in progress.logged if day.notes.strip()]
    key = digest(
        progress.key,  # the patient, the period and every row of Progress's
        str(patient),
        patient.summary_notes,
        rows_of(courses),
        rows_of(course.drug for course in courses),
        [[area.name for area in course.body_areas.all()] for course in courses],
        rows_of(flags),
        rows_of(photos),
        [photo.body_area.name for photo in photos],
        generated_on(),
        translation.get_language(),
    )
    return Summary(
        patient=patient,
        start=start,
        end=end,
        progress=progress,
        courses=[CourseRow(course, progress.course_adherence(course)) for course in courses],
        flags=flags,
        photos=pairs,
        notes=notes,
        key=key,
    )


# The summary's own reads, prepared (prepared/: the SQL built once per connection); the rest is Progress's.


@prepared
def _last_review(*, patient_id: int):
    reviewed = Flag.objects.filter(patient_id=patient_id, reviewed_at__isnull=False).order_by("-reviewed_at")
    return reviewed.values_list("reviewed_at")[:1]


@prepared
def _flags(*, patient_id: int, start: datetime.date, end: datetime.date):
    flags = Flag.objects.filter(patient_id=patient_id, first_seen__lte=end, last_seen__gte=start)
    return flags.select_related("reviewer").order_by("first_seen", "id")


@prepared
def _photos(*, patient_id: int, start: datetime.date, end: datetime.date):
    photos = Photo.objects.filter(entry__patient_id=patient_id, taken_on__range=(start, end))
    return photos.select_related("body_area").order_by("body_area__name", "taken_on", "pk")
