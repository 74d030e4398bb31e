"""The History page's reads: a patient's days in plain words, newest first, a page of logged days at a time.

Built for a year of diary and more: a fixed number of queries per page (rows as tuples, not model instances,
where a day has many), pages by date ("before this day", no OFFSET or COUNT), and every label and link written
here once per page so the template only prints them.
"""

import datetime
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import get_text_list

from diary.amounts import format_amount
from diary.models import Application, Entry, Flag, Patient, Photo, Reaction, Treatment
from diary.templatetags.diary_tags import severity_badge
from diary.widgets import escape
from drugs.models import Severity, Symptom, Urgency
from prepared import prepared

PAGE_SIZE = 20
EARLIEST = datetime.date(1900, 1, 1)  # an address before this names no diary day
URGENCY_BADGES = {
    Urgency.EMERGENCY: "text-bg-danger",
    Urgency.TODAY: "text-bg-warning",
    Urgency.SOON: "text-bg-primary",
    Urgency.ROUTINE: "text-bg-secondary",
}
# A date and a primary key no real row has, replaced in a URL reversed once per page instead of once per row.
_SAMPLE_DAY, _SAMPLE_PK = datetime.date(1999, 12, 31), 987654321
_LATE = ' <span class="badge text-bg-secondary">Recorded late</span>'
_NOTHING = '<p class="mb-0">Nothing logged.</p>'


@dataclass(frozen=True)
class Reported:
    """A reaction as History words it: "Burning on face and neck", with its severity in words."""

    text: str
    severity: int

    def __str__(self) -> str:  # safe HTML, as a bound form field's (the template prints it as it is)
        badge, label = severity_badge(self.severity), Severity(self.severity).label
        return format_html('{} <span class="badge {}">{}</span>', self.text, badge, label)


@dataclass(frozen=True)
class Alert:
    """An alert whose evidence includes the day, with its urgency in words (not colour alone)."""

    url: str
    text: str
    urgency: int
    resolved: bool

    def __str__(self) -> str:
        return format_html(
            '<span class="badge {}">{}<span class="visually-hidden"> urgency</span></span> <a href="{}">{}</a>{}',
            URGENCY_BADGES[self.urgency],
            Urgency(self.urgency).label,
            self.url,
            self.text,
            " (resolved)" if self.resolved else "",
        )


@dataclass
class Day:
    """One logged day."""

    date: datetime.date
    label: str
    url: str
    late: bool
    itch: int | None
    sleep_loss: int | None
    notes: str
    applied: list[str] = field(default_factory=list)
    reactions: list[Reported] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    photos: int = 0

    is_gap = False

    @property
    def anchor(self) -> str:
        return f"day-{self.date.isoformat()}"  # History's dates are after 1900: the same as %Y-%m-%d

    def __html__(self) -> str:
        """The day's card as the History page prints it (`{{ item }}`), written here in one go rather than by a
        template loop over 20 cards and their lines. Every value is escaped as the template would escape it (a line
        that is already safe HTML, e.g. a reaction with its badge, is kept)."""
        esc = escape
        facts = "".join(
            f"\n        <div><dt>{esc(label)}</dt>{''.join(f'<dd>{esc(str(line))}</dd>' for line in lines)}</div>"
            "\n      "
            for label, lines in self.facts
        )
        body = f'<dl class="history-facts">{facts}</dl>' if facts else _NOTHING
        anchor = esc(self.anchor)
        return mark_safe(  # noqa: S308 - every value above is escaped
            f'<article class="card history-day" aria-labelledby="{anchor}">\n    <div class="card-body">\n'
            f'      <h3 class="h6 mb-2" id="{anchor}"><a href="{esc(self.url)}">{esc(self.label)}</a>'
            f"{_LATE if self.late else ''}</h3>\n      {body}\n    </div>\n  </article>"
        )

    def __str__(self) -> str:
        return self.__html__()

    @property
    def facts(self) -> list[tuple[str, list]]:
        """(label, lines) for each kind of thing logged that day, in the order History shows them."""
        facts: list[tuple[str, list]] = []
        if self.applied:
            facts.append(("Applied", self.applied))
        if self.reactions:
            facts.append(("Reactions", self.reactions))
        if self.itch is not None:
            facts.append(("Peak itch", [f"{self.itch} of 10"]))
        if self.sleep_loss is not None:
            facts.append(("Sleep loss", [f"{self.sleep_loss} of 10"]))
        if self.notes:
            facts.append(("Notes", [linebreaksbr(self.notes)]))
        if self.photos:
            facts.append(("Photos", [f"{self.photos} photo{'s' if self.photos > 1 else ''}"]))
        if self.alerts:
            facts.append(("Alerts", self.alerts))
        return facts


@dataclass(frozen=True)
class Gap:
    """Consecutive days inside a course with nothing logged, newest first."""

    newest: datetime.date
    oldest: datetime.date

    is_gap = True

    @property
    def label(self) -> str:
        if self.newest == self.oldest:
            return f"{self.newest:%A} {self.newest.day} {self.newest:%B}"
        return f"{self.oldest.day} to {self.newest.day} {self.newest:%B}"


@dataclass(frozen=True)
class Month:
    label: str
    anchor: str
    items: list  # Day | Gap, newest first

    def __html__(self) -> str:
        """The month's section as the History page prints it (`{{ month }}`): its heading, then each day's card or
        gap, written here rather than by a template loop with a test per item (the same characters)."""
        anchor = escape(self.anchor)
        items = "".join(
            f'\n  \n  <p class="history-gap">{escape(item.label)}: nothing logged</p>\n  \n  '
            if item.is_gap
            else f"\n  \n  {item.__html__()}\n  \n  "
            for item in self.items
        )
        return mark_safe(  # noqa: S308 - every value above is escaped
            f'<section class="history-month" aria-labelledby="{anchor}">\n'
            f'  <h2 class="h5 history-month-title" id="{anchor}">{escape(self.label)}</h2>\n  {items}\n</section>'
        )

    def __str__(self) -> str:
        return self.__html__()


@dataclass(frozen=True)
class HistoryPage:
    months: list[Month]
    older: datetime.date | None  # the `before` of the next page of older days, None when there are none
    newer: datetime.date | None  # the `before` of the page of newer days (None: the newest page)
    has_newer: bool
    drugs: list[tuple[str, str]]  # (slug, name) of the patient's medicines, for the filter
    symptoms: list[tuple[str, str]]  # (code, name) of the symptoms the patient has reported, for the filter
    drug_slug: str  # the filters applied: those asked for that name a medicine of the patient's or a symptom
    symptom_code: str
    ignored: list[str]  # what the address asked for that is neither: "medicine", "symptom"


@functools.lru_cache(maxsize=4096)
def day_label(day: datetime.date) -> str:
    """ "Tuesday 3 March 2026" (kept per process: `strftime` of a weekday and month name costs more than the rest of
    a day's card)."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def history_page(
    *,
    patient: Patient,
    before: datetime.date | None = None,
    drug_slug: str = "",
    symptom_code: str = "",
) -> HistoryPage:
    """The PAGE_SIZE newest logged days before `before` (all days when None), optionally only days with that
    medicine applied or that symptom; without a filter, days inside a course with nothing logged show as gaps."""
    today = patient.today()
    symptoms = _reported_symptoms(patient_id=patient.pk)
    courses = _courses(patient_id=patient.pk)
    drugs = sorted({(slug, name) for _, slug, name, *_ in courses}, key=lambda drug: drug[1])
    ignored = []
    if drug_slug and drug_slug not in {slug for slug, _ in drugs}:
        ignored, drug_slug = [*ignored, "medicine"], ""
    if symptom_code and symptom_code not in {code for code, _ in symptoms}:
        ignored, symptom_code = [*ignored, "symptom"], ""
    if drug_slug or symptom_code:
        logged = _matching(patient=patient, drug_slug=drug_slug, symptom_code=symptom_code)
        entries = list(_page(logged, before=before or datetime.date.max))
        after = list(_after(logged, before=before)) if before else []
    else:  # the usual page: prepared reads of the same two queries
        entries = _page_rows(patient_id=patient.pk, before=before or datetime.date.max)
        after = _after_rows(patient_id=patient.pk, before=before) if before else []
    older = entries[PAGE_SIZE - 1][1] if len(entries) > PAGE_SIZE else None
    entries = entries[:PAGE_SIZE]
    newer = after[PAGE_SIZE][0] if len(after) > PAGE_SIZE else None
    has_newer = bool(after)
    days = _days(patient=patient, entries=entries, courses=courses, today=today)
    if drug_slug or symptom_code or not courses:
        items: list = list(days)
    else:
        top = min(before - datetime.timedelta(days=1), today) if before else today
        starts = [started for *_, started, _ in courses]
        bottom = entries[-1][1] if older else min([*starts, *(date for _, date, *_ in entries[-1:])])
        items = _with_gaps(days=days, courses=courses, top=top, bottom=bottom)
    return HistoryPage(
        months=_months(items),
        older=older,
        newer=newer,
        has_newer=has_newer,
        drugs=drugs,
        symptoms=symptoms,
        drug_slug=drug_slug,
        symptom_code=symptom_code,
        ignored=ignored,
    )


def page_start(*, before: str, month: str, today: datetime.date) -> tuple[datetime.date | None, bool]:
    """The page's first day not shown, from the address: `before=YYYY-MM-DD`, or `month=YYYY-MM` (the page
    ending with that month). None for the newest page; False when the address named no day History can show."""
    try:
        if month:
            chosen = datetime.datetime.strptime(month, "%Y-%m").date()
            start = (chosen + datetime.timedelta(days=31)).replace(day=1)
        elif before:
            start = datetime.date.fromisoformat(before)
        else:
            return None, True
    except (ValueError, OverflowError):
        return None, False
    if start < EARLIEST:
        return None, False
    return (None if start > today else start), True


def _matching(*, patient: Patient, drug_slug: str, symptom_code: str) -> QuerySet[Entry]:
    entries = Entry.objects.filter(patient=patient)
    if drug_slug:
        entries = entries.filter(
            Exists(Application.objects.filter(entry=OuterRef("pk"), treatment__drug__slug=drug_slug))
        )
    if symptom_code:
        entries = entries.filter(Exists(Reaction.objects.filter(entry=OuterRef("pk"), symptom__code=symptom_code)))
    return entries


def _page(entries: QuerySet[Entry], *, before: datetime.date) -> QuerySet:
    """The page's entries, newest first, and one more (whether there is an older page)."""
    rows = entries.filter(date__lt=before).order_by("-date")
    return rows.values_list("pk", "date", "itch", "sleep_loss", "notes", "created")[: PAGE_SIZE + 1]


def _after(entries: QuerySet[Entry], *, before: datetime.date) -> QuerySet:
    """The dates from `before` on, oldest first: where the page of newer days starts (its PAGE_SIZE + 1st)."""
    return entries.filter(date__gte=before).order_by("date").values_list("date")[: PAGE_SIZE + 1]


@prepared
def _page_rows(*, patient_id: int, before: datetime.date):
    return _page(Entry.objects.filter(patient_id=patient_id), before=before)


@prepared
def _after_rows(*, patient_id: int, before: datetime.date):
    return _after(Entry.objects.filter(patient_id=patient_id), before=before)


@prepared
def _reported_symptoms(*, patient_id: int):
    reported = Reaction.objects.filter(entry__patient_id=patient_id).values("symptom_id")
    return Symptom.objects.filter(pk__in=reported).values_list("code", "name")


@prepared
def _courses(*, patient_id: int):
    return Treatment.objects.filter(patient_id=patient_id).values_list(
        "pk", "drug__slug", "drug__generic_name", "strength", "started_on", "ended_on"
    )


# The page's applications, reactions, photos and alerts are read by patient and the page's dates (prepared: a list
# of ids would change the SQL with its length); with a medicine or symptom filter the range also holds days the
# page does not show, and those rows are skipped.


@prepared
def _application_rows(*, patient_id: int, oldest: datetime.date, newest: datetime.date):
    rows = Application.objects.filter(entry__patient_id=patient_id, entry__date__range=(oldest, newest))
    return rows.order_by("applied_at", "pk", "body_areas__name").values_list(
        "pk", "entry_id", "treatment_id", "applied_at", "amount", "unit", "body_areas__name"
    )


@prepared
def _reaction_rows(*, patient_id: int, oldest: datetime.date, newest: datetime.date):
    rows = Reaction.objects.filter(entry__patient_id=patient_id, entry__date__range=(oldest, newest))
    return rows.order_by("-severity", "pk").values_list("entry_id", "symptom__name", "severity", "body_area__name")


@prepared
def _photo_counts(*, patient_id: int, oldest: datetime.date, newest: datetime.date):
    photos = Photo.objects.filter(entry__patient_id=patient_id, entry__date__range=(oldest, newest))
    return photos.values("entry_id").annotate(n=Count("pk")).order_by().values_list("entry_id", "n")


@prepared
def _alert_rows(*, patient_id: int, newest: datetime.date, oldest: datetime.date):
    flags = Flag.objects.filter(patient_id=patient_id, first_seen__lte=newest, last_seen__gte=oldest)
    flags = flags.exclude(status=Flag.Status.WITHDRAWN).order_by("-urgency", "pk")
    return flags.values_list("pk", "rule_text", "urgency", "status", "evidence")


def _days(*, patient: Patient, entries: list[tuple], courses: list, today: datetime.date) -> list[Day]:
    """The entries (pk, date, itch, sleep_loss, notes, created) in words: one query each for applications,
    reactions, photos and alerts."""
    if not entries:
        return []
    day_url = reverse("diary:day", args=[_SAMPLE_DAY]).replace(_SAMPLE_DAY.isoformat(), "{}")
    home = reverse("home")
    days = {
        pk: Day(
            date=date,
            label=day_label(date),
            url=home if date == today else day_url.format(date.isoformat()),
            late=Entry.written_late(patient=patient, date=date, created=created),
            itch=itch,
            sleep_loss=sleep_loss,
            notes=notes,
        )
        for pk, date, itch, sleep_loss, notes, created in entries
    }
    names = {pk: f"{drug} {strength}".strip() for pk, _, drug, strength, *_ in courses}
    span = {"patient_id": patient.pk, "oldest": entries[-1][1], "newest": entries[0][1]}
    for entry_id, lines in _applied(patient=patient, span=span, names=names).items():
        if entry_id in days:
            days[entry_id].applied = lines
    for entry_id, symptom, severity, area in _reaction_rows(**span):
        if entry_id in days:
            days[entry_id].reactions.append(Reported(f"{symptom} on {area.lower()}" if area else symptom, severity))
    for entry_id, count in _photo_counts(**span):
        if entry_id in days:
            days[entry_id].photos = count
    by_date = {day.date: day for day in days.values()}
    for alert_day, alert in _alerts(**span):
        if alert_day in by_date:
            by_date[alert_day].alerts.append(alert)
    return list(days.values())


def _applied(*, patient: Patient, span: dict, names: dict[int, str]) -> dict[int, list[str]]:
    """Each day's applications, one line per course: "Tacrolimus ointment 0.1% at 08:00 and 20:00 · 1 FTU each ·
    on face and neck", or each time with its own amount and areas when they differ."""
    doses: dict[int, tuple] = {}  # one row per application and area
    for pk, entry_id, course, at, amount, unit, area in _application_rows(**span):
        if pk not in doses:
            doses[pk] = (entry_id, course, at, format_amount(Decimal(amount), unit), [])
        if area:
            doses[pk][4].append(area.lower())
    by_course: dict[tuple[int, int], list[tuple[str, str, str]]] = defaultdict(list)
    zone = patient.zone
    for entry_id, course, at, amount, areas in doses.values():
        by_course[entry_id, course].append((f"{at.astimezone(zone):%H:%M}", amount, ", ".join(areas)))
    lines: dict[int, list[str]] = defaultdict(list)
    for (entry_id, course), times in by_course.items():
        if len({(amount, where) for _, amount, where in times}) == 1:
            _, amount, where = times[0]
            each = " each" if len(times) > 1 else ""
            at = get_text_list([time for time, _, _ in times], "and")
            line = f"{names[course]} at {at} · {amount}{each}" + (f" · on {where}" if where else "")
        else:
            each = [f"{time} ({amount}" + (f" on {where})" if where else ")") for time, amount, where in times]
            line = f"{names[course]} at {get_text_list(each, 'and')}"
        lines[entry_id].append(line)
    return lines


def _alerts(*, patient_id: int, newest: datetime.date, oldest: datetime.date):
    """(day, Alert) for each day of the page an alert's evidence lists; withdrawn alerts no longer match."""
    url = reverse("diary:alert-detail", args=[_SAMPLE_PK]).replace(str(_SAMPLE_PK), "{}")
    for pk, text, urgency, status, evidence in _alert_rows(patient_id=patient_id, newest=newest, oldest=oldest):
        alert = Alert(url=url.format(pk), text=text, urgency=urgency, resolved=status == Flag.Status.RESOLVED)
        for matched in (evidence or {}).get("days", []):
            yield datetime.date.fromisoformat(matched["date"]), alert


def _with_gaps(*, days: list[Day], courses: list, top: datetime.date, bottom: datetime.date) -> list:
    """The days from `top` down to `bottom` with, between them, each month's runs of days inside a course with
    nothing logged."""
    by_date = {day.date: day for day in days}
    spans = [(started, ended or top) for *_, started, ended in courses]
    items: list = []
    run: list[datetime.date] = []
    current = top
    while current >= bottom:
        if current in by_date:
            _close(run, items)
            items.append(by_date[current])
        elif any(start <= current <= end for start, end in spans):
            if run and run[-1].month != current.month:
                _close(run, items)
            run.append(current)
        else:
            _close(run, items)
        current -= datetime.timedelta(days=1)
    _close(run, items)
    return items


def _close(run: list[datetime.date], items: list) -> None:
    if run:
        items.append(Gap(newest=run[0], oldest=run[-1]))
        run.clear()


def _months(items: list) -> list[Month]:
    months: list[Month] = []
    key = None
    for item in items:
        date = item.date if not item.is_gap else item.newest
        if (date.year, date.month) != key:
            key = (date.year, date.month)
            months.append(Month(label=f"{date:%B %Y}", anchor=f"month-{date:%Y-%m}", items=[]))
        months[-1].items.append(item)
    return months
