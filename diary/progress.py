"""The patient's own progress: scores, symptoms, adherence and amounts over a period, by day or by week.

Reads only, each a fixed number of queries however long the diary is, read as plain values (the figures the
page draws, not the dermatologist's timeline with its model instances, flags and photos). Adherence is
`diary.adherence`, the one definition the dermatologist's timeline and patient list use, so the patient and the
clinician see one number.
"""

from __future__ import annotations

import datetime
import html
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, lru_cache

from django.db.models import CharField, Count
from django.db.models.functions import Cast
from django.utils import dateformat
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from diary import admin_charts, scores
from diary.adherence import adherence, adherence_percent
from diary.admin_charts import Series
from diary.kept import Kept, digest, rows_of
from diary.models import Application, Entry, Patient, PoemChoice, PoemScore, Reaction, Treatment
from drugs.models import AmountLimit, Drug
from prepared import prepared

PERIODS = {"2w": ("2 weeks", 14), "3m": ("3 months", 91), "1y": ("1 year", 364)}
DEFAULT_PERIOD = "3m"
# Up to this many days the page shows one point a day; longer periods one a week (Monday to Sunday).
DAILY_UP_TO = 14
PHONE_WIDTH, PHONE_HEIGHT = 360, 220
ECZEMA_DRUGS = frozenset(
    {"tacrolimus-ointment", "pimecrolimus-cream", "crisaborole-ointment", "ruxolitinib-cream", "mometasone-furoate"}
)


def period_dates(patient: Patient, period: str) -> tuple[datetime.date, datetime.date]:
    """First and last day of a named period ending on the patient's today."""
    end = patient.today()
    return end - datetime.timedelta(days=PERIODS[period][1] - 1), end


@dataclass
class Bucket:
    """One day, or one week, of the period: the highest severity and score of its days."""

    start: datetime.date
    end: datetime.date
    peak_itch: int | None = None
    sleep_loss: int | None = None
    severities: dict[str, int] = field(default_factory=dict)
    poem: int | None = None
    expected: float = 0.0
    done: float = 0.0

    @property
    def adherence(self) -> int | None:
        return adherence_percent(self.done, self.expected)

    @property
    def poem_band(self) -> scores.Band | None:
        return scores.poem_band(self.poem)

    @property
    def label(self) -> str:
        if self.start == self.end:
            return f"{self.start:%a %d %b}"
        return f"{self.start:%d %b} to {self.end:%d %b}"


@lru_cache(maxsize=4096)
def short_day(day: datetime.date) -> str:
    """`{{ day|date:"j M" }}` ("9 Mar"), made once per day and process: the visit summary prints a day a row."""
    return dateformat.format(day, "j M")


@dataclass(frozen=True)
class WeeklyAmount:
    """Grams of one medicine in each 7-day window of the period, and its weekly limit where it has one."""

    drug: Drug
    limit: Decimal | None
    weeks: list[tuple[datetime.date, Decimal]]  # (last day of the window, grams)

    @property
    def over(self) -> list[tuple[datetime.date, Decimal]]:
        return [(day, grams) for day, grams in self.weeks if self.limit is not None and grams > self.limit]

    @property
    def rows_html(self) -> SafeString:
        """The visit summary's table of this medicine: a row per 7 days, its grams, and whether over the limit."""
        over = {day for day, _ in self.over}
        rows = (
            f'<tr><th scope="row">{short_day(day)}</th><td>{localize(grams.normalize())} g'
            f"{' (over the limit)' if day in over else ''}</td></tr>"
            for day, grams in self.weeks
        )
        return mark_safe("".join(rows))  # noqa: S308 - dates and numbers only


@dataclass(frozen=True)
class LoggedDay:
    """A day of the period with a diary entry: what Progress and the visit summary show of it."""

    date: datetime.date
    itch: int | None
    sleep_loss: int | None
    notes: str


@dataclass
class Progress:
    patient: Patient
    start: datetime.date
    end: datetime.date
    logged: list[LoggedDay]  # the days with an entry, oldest first
    courses: list[Treatment]  # running on a day of the period, with their medicine
    applied: dict[tuple[int, datetime.date], int]  # applications per (course id, date), as diary.adherence counts
    buckets: list[Bucket]
    poems: list[PoemScore]
    amounts: list[WeeklyAmount]
    symptom_names: list[str]
    adherence: int | None  # of all the courses over the period (the page shows it twice and a chart sums it again)
    key: bytes  # the digest of the rows read (diary.kept): what is worked out from them is kept under it

    @property
    def daily(self) -> bool:
        return len(self.buckets) == (self.end - self.start).days + 1

    def running_on(self, day: datetime.date) -> list[Treatment]:
        """The period's courses running on `day` (a day of the period), with their medicine."""
        return [course for course in self.courses if course.is_active_on(day)]

    def course_adherence(self, course: Treatment) -> int | None:
        return adherence(courses=[course], applied=self.applied, start=self.start, end=self.end).percent

    @property
    def latest_poem(self) -> PoemScore | None:
        scored = [p for p in self.poems if p.total is not None]
        return scored[-1] if scored else None

    @property
    def poem_change(self) -> int | None:
        """The change between the first and the last POEM score of the period."""
        scored = [p for p in self.poems if p.total is not None]
        return scored[-1].total - scored[0].total if len(scored) > 1 else None


def _buckets(
    *,
    start: datetime.date,
    end: datetime.date,
    logged: list[LoggedDay],
    reactions: list[tuple[datetime.date, str, int]],
    poems: list[PoemScore],
    daily: bool,
    courses: list[Treatment],
    applied: dict[tuple[int, datetime.date], int],
) -> list[Bucket]:
    buckets: list[Bucket] = []
    by_date: dict[datetime.date, Bucket] = {}
    day = start
    while day <= end:
        if daily or not buckets or day.weekday() == 0:
            buckets.append(Bucket(start=day, end=day))
        buckets[-1].end = day
        by_date[day] = buckets[-1]
        day += datetime.timedelta(days=1)
    for entry in logged:
        bucket = by_date[entry.date]
        if entry.itch is not None:
            bucket.peak_itch = max(bucket.peak_itch or 0, entry.itch)
        if entry.sleep_loss is not None:
            bucket.sleep_loss = max(bucket.sleep_loss or 0, entry.sleep_loss)
    for date, name, severity in reactions:
        severities = by_date[date].severities
        severities[name] = max(severities.get(name, 0), severity)
    for bucket in buckets:
        figures = adherence(courses=courses, applied=applied, start=bucket.start, end=bucket.end)
        bucket.expected, bucket.done = figures.expected, figures.done
    for poem in poems:
        if poem.total is not None and poem.date in by_date:
            by_date[poem.date].poem = poem.total  # the latest of the bucket: poems come oldest first
    return buckets


def weekly_amounts(
    start: datetime.date, end: datetime.date, applications: list[tuple], drugs: list[Drug], limits: list[tuple]
) -> list[WeeklyAmount]:
    """Per medicine applied in the period, grams in each 7-day window ending on `end`, 7 days apart, from
    `applications` (`_applications` of `_applications_by_day` from `amounts_start(start, end)` to `end`), the
    patient's medicines (`_drugs_of`) and their weekly limits (`_weekly_limits`)."""
    grams: dict[int, dict[datetime.date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    window_ends: dict[datetime.date, datetime.date] = {}  # a date's window, worked out once per date
    for _, drug_id, date, unit, amount, count in applications:
        window_end = window_ends.get(date)
        if window_end is None:
            window_end = window_ends[date] = end - datetime.timedelta(days=((end - date).days // 7) * 7)
        grams[drug_id][window_end] += Application.grams_of(amount, unit) * count
    drugs_by_id = {drug.pk: drug for drug in drugs if drug.pk in grams}
    lowest = dict(limits)  # the lowest limit of a medicine wins: it comes last
    ends = []
    day = end
    while day >= start:
        ends.append(day)
        day -= datetime.timedelta(days=7)
    return [
        WeeklyAmount(
            drug=drug,
            limit=lowest.get(drug.pk),
            weeks=[(day, grams[drug.pk].get(day, Decimal(0))) for day in reversed(ends)],
        )
        for drug in sorted(drugs_by_id.values(), key=lambda d: d.generic_name)
    ]


def amounts_start(start: datetime.date, end: datetime.date) -> datetime.date:
    """The first day of the earliest 7-day window `weekly_amounts` sums (on or before `start`)."""
    return end - datetime.timedelta(days=((end - start).days // 7 + 1) * 7 - 1)


@prepared
def _applications_by_day(*, patient_id: int, start: datetime.date, end: datetime.date):
    """(course id, medicine id, date, unit, amount, how many): the applications of [start, end] counted by course,
    day and amount (a day's doses are mostly the same amount: a row or two a course and day, not one a dose). The date
    and the amount come as text ("2026-03-09", "1.5"): they go into the digest of the rows (diary.kept) on every
    request, and are made a date and a Decimal (`_applications`) only when the figures are worked out."""
    applications = Application.objects.filter(entry__patient_id=patient_id, entry__date__range=(start, end))
    as_text = {"day": Cast("entry__date", CharField()), "quantity": Cast("amount", CharField())}
    fields = ["treatment_id", "treatment__drug_id", "day", "unit", "quantity"]
    return applications.order_by().annotate(**as_text).values_list(*fields).annotate(count=Count("pk"))


_AMOUNT = Application._meta.get_field("amount")
_AMOUNT_STEP = Decimal(1).scaleb(-_AMOUNT.decimal_places)


def _applications(rows: list[tuple]) -> list[tuple]:
    """`_applications_by_day`'s rows with their date and amount as a date and a Decimal, the amount rounded to the
    field's places as Django's SQLite converter rounds it (from the value's 15 significant digits, as SQLite writes
    it as text; on PostgreSQL the column holds no more places than the field)."""
    return [
        (
            course_id,
            drug_id,
            datetime.date.fromisoformat(day),
            unit,
            Decimal(amount).quantize(_AMOUNT_STEP, context=_AMOUNT.context),
            count,
        )
        for course_id, drug_id, day, unit, amount, count in rows
    ]


@prepared
def _drugs_of(*, patient_id: int):
    """The medicines of the patient's courses (a few: a list of ids would change the SQL with its length)."""
    return Drug.objects.filter(pk__in=Treatment.objects.filter(patient_id=patient_id).values("drug_id"))


@prepared
def _weekly_limits(*, patient_id: int):
    """(drug id, grams) of the weekly limits of the patient's medicines, the lowest of a medicine last."""
    limits = AmountLimit.objects.filter(drug_id__in=Treatment.objects.filter(patient_id=patient_id).values("drug_id"))
    return limits.order_by("-max_grams_per_week").values_list("drug_id", "max_grams_per_week")


@prepared
def _poems(*, patient_id: int, start: datetime.date, end: datetime.date):
    return PoemScore.objects.filter(patient_id=patient_id, date__range=(start, end)).order_by("date")


@dataclass(frozen=True)
class _Figures:
    """What `progress` works out from the rows it read (kept under their digest: diary.kept)."""

    logged: list[LoggedDay]
    applied: dict[tuple[int, datetime.date], int]
    buckets: list[Bucket]
    amounts: list[WeeklyAmount]
    symptom_names: list[str]
    adherence: int | None


def _figures_weight(figures: _Figures) -> int:
    """About the bytes a `_Figures` holds (tracemalloc: 48 kB for 3 months of a generated diary, 127 kB for a year):
    150 a day, course-day and week, 400 a bucket, and the notes' text."""
    rows = len(figures.logged) + len(figures.applied) + sum(len(amount.weeks) for amount in figures.amounts)
    return 150 * rows + 400 * len(figures.buckets) + sum(len(day.notes) for day in figures.logged)


def _charts_weight(charts: list[Chart]) -> int:
    """The bytes of the charts' text (their tables made now: the page prints them anyway)."""
    return sum(len(chart.svg) + len(chart.head_html) + len(chart.body_html) + len(chart.summary) for chart in charts)


# Progress's figures (about 48 kB for 3 months) and charts (about 26 kB for 3 months, 70 kB for a year), per process, by
# the digest of the rows they are made from: the patients one worker serves in a few minutes, within 16 MB each.
_FIGURES = Kept(512, budget=16 * 2**20, weigh=_figures_weight)
_CHARTS = Kept(256, budget=16 * 2**20, weigh=_charts_weight)


def progress(*, patient: Patient, start: datetime.date, end: datetime.date, weekly: bool = False) -> Progress:
    """Everything the Progress page and the visit summary show for the period, in a fixed number of queries.

    By day up to DAILY_UP_TO days (unless `weekly`), by week (Monday to Sunday) beyond. The rows are read on every
    call; what is worked out from them is kept under their digest, so equal rows give the same figures at once.
    """
    reads = {"patient_id": patient.pk, "start": start, "end": end}
    logged_rows = _logged_days(**reads)
    courses = _courses(**reads)
    applications = _applications_by_day(patient_id=patient.pk, start=amounts_start(start, end), end=end)
    reactions = _reactions(**reads)
    poems = _poems(**reads)
    drugs = _drugs_of(patient_id=patient.pk)
    limits = _weekly_limits(patient_id=patient.pk)
    daily = not weekly and (end - start).days + 1 <= DAILY_UP_TO
    key = digest(
        patient.pk,
        start,
        end,
        daily,
        logged_rows,
        rows_of(courses),
        applications,
        reactions,
        rows_of(poems),
        rows_of(drugs),
        limits,
    )

    def work_out() -> _Figures:
        doses = _applications(applications)
        applied: dict[tuple[int, datetime.date], int] = defaultdict(int)  # as diary.adherence counts them
        for course_id, _, date, _, _, count in doses:
            if date >= start:
                applied[course_id, date] += count
        logged = [LoggedDay(*row) for row in logged_rows]
        buckets = _buckets(
            start=start,
            end=end,
            logged=logged,
            reactions=reactions,
            poems=poems,
            daily=daily,
            courses=courses,
            applied=applied,
        )
        return _Figures(
            logged=logged,
            applied=dict(applied),
            buckets=buckets,
            amounts=weekly_amounts(start, end, doses, drugs, limits),
            symptom_names=sorted({name for _, name, _ in reactions}),
            adherence=adherence(courses=courses, applied=applied, start=start, end=end).percent,
        )

    figures = _FIGURES.get_or_make(key, work_out)
    return Progress(
        patient=patient,
        start=start,
        end=end,
        logged=figures.logged,
        courses=courses,
        applied=figures.applied,
        buckets=figures.buckets,
        poems=poems,
        amounts=figures.amounts,
        symptom_names=figures.symptom_names,
        adherence=figures.adherence,
        key=key,
    )


# Progress's reads, prepared (prepared/: the SQL built once per connection, run with the patient and the period).


@prepared
def _logged_days(*, patient_id: int, start: datetime.date, end: datetime.date):
    entries = Entry.objects.filter(patient_id=patient_id, date__range=(start, end)).order_by("date")
    return entries.values_list("date", "itch", "sleep_loss", "notes")


@prepared
def _courses(*, patient_id: int, start: datetime.date, end: datetime.date):
    return Treatment.objects.filter(patient_id=patient_id).overlapping(start, end).select_related("drug")


@prepared
def _reactions(*, patient_id: int, start: datetime.date, end: datetime.date):
    reactions = Reaction.objects.filter(entry__patient_id=patient_id, entry__date__range=(start, end))
    return reactions.order_by().values_list("entry__date", "symptom__name", "severity")


def poem_offered(*, patient: Patient, day: datetime.date, courses: list[Treatment] | None = None) -> bool:
    """Whether Today asks for the weekly POEM: turned on, or (by default) a course that treats eczema is active.

    `courses`: the courses active on `day` with their drugs, when the caller has them (no query then).
    """
    if patient.poem == PoemChoice.OFF:
        return False
    if patient.poem == PoemChoice.ON:
        return True
    if courses is not None:
        return any(course.drug.slug in ECZEMA_DRUGS for course in courses)
    return bool(_eczema_course(patient_id=patient.pk, day=day))


@prepared
def _eczema_course(*, patient_id: int, day: datetime.date):
    return (
        Treatment.objects.filter(patient_id=patient_id, drug__slug__in=ECZEMA_DRUGS)
        .active_on(day)
        .values_list("pk")[:1]
    )


def poem_due(*, patient: Patient, day: datetime.date, courses: list[Treatment] | None = None) -> bool:
    """Offered, and no POEM answered in the 7 days up to `day`."""
    if not poem_offered(patient=patient, day=day, courses=courses):
        return False
    return not _poem_answered(patient_id=patient.pk, after=day - datetime.timedelta(days=7), day=day)


@prepared
def _poem_answered(*, patient_id: int, after: datetime.date, day: datetime.date):
    return PoemScore.objects.filter(patient_id=patient_id, date__gt=after, date__lte=day).values_list("pk")[:1]


# --- Charts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """A chart, a sentence summarising it, and its numbers as a table (the alternative to the picture)."""

    heading: str
    svg: str
    summary: str
    columns: list[str]
    rows: list[list[str]]

    # The table's head and body written in one go (each cell escaped as the template escapes it): the template's
    # nested loops over weeks x series cost more than the rest of the page.
    @cached_property
    def head_html(self) -> SafeString:
        return mark_safe("".join(f'<th scope="col">{conditional_escape(column)}</th>' for column in self.columns))  # noqa: S308

    @cached_property
    def body_html(self) -> SafeString:
        # The cells are plain strings (`_table`): Python's html.escape is what Django's escape does to them.
        rows = (
            f'<tr><th scope="row">{html.escape(row[0])}</th>'
            + "".join(f"<td>{html.escape(cell)}</td>" for cell in row[1:])
            + "</tr>"
            for row in self.rows
        )
        return mark_safe("".join(rows))  # noqa: S308 - every cell is escaped


def _table(series: list[Series], first: str, unit: str = "") -> tuple[list[str], list[list[str]]]:
    rows = []
    for index, (day, _) in enumerate(series[0].points if series else []):
        values = [one.points[index][1] for one in series]
        rows.append([admin_charts.day_label(day)] + ["-" if v is None else f"{v:g}{unit}" for v in values])
    return [first] + [one.name for one in series], rows


def _points(progress: Progress, value) -> list[tuple[datetime.date, float | None]]:
    return [(bucket.start, value(bucket)) for bucket in progress.buckets]


def charts(progress: Progress, *, width: int = PHONE_WIDTH, height: int = PHONE_HEIGHT) -> list[Chart]:
    """The Progress charts, each an SVG with a title and a description, and a sentence summarising it; kept under the
    digest of the rows they are drawn from (`Progress.key`) and their size."""
    return _CHARTS.get_or_make((progress.key, width, height), lambda: _draw(progress, width=width, height=height))


def _draw(progress: Progress, *, width: int, height: int) -> list[Chart]:
    per = "per day" if progress.daily else "per week (highest of the week)"
    first = "Day" if progress.daily else "Week from"
    span = f"{progress.start:%d %b %Y} to {progress.end:%d %b %Y}"
    size = {"width": width, "height": height}
    made = []

    itch = [
        Series(scores.PEAK_ITCH.name, _points(progress, lambda b: b.peak_itch)),
        Series(scores.SLEEP_LOSS.name, _points(progress, lambda b: b.sleep_loss)),
    ]
    made.append(
        Chart(
            "Peak itch and sleep loss",
            admin_charts.line_chart(
                chart_id="chart-itch",
                title=f"Peak itch and sleep loss (0 to 10) {per}, {span}",
                description=admin_charts.summary(itch),
                series=itch,
                top_value=10,
                ticks=[(0, "0"), (5, "5"), (10, "10")],
                **size,
            ),
            admin_charts.summary(itch),
            *_table(itch, first),
        )
    )

    poem = [Series("POEM", _points(progress, lambda b: b.poem))]
    poem_text = poem_summary(progress)
    made.append(
        Chart(
            "Eczema score (POEM)",
            admin_charts.line_chart(
                chart_id="chart-poem",
                title=f"POEM score (0 to 28, higher is worse), {span}",
                description=poem_text,
                series=poem,
                top_value=scores.POEM_MAX,
                ticks=[(band.low, f"{band.low}") for band in scores.POEM_BANDS] + [(28, "28")],
                **size,
            ),
            poem_text,
            *_table(poem, first),
        )
    )

    severity = [
        Series(name, _points(progress, lambda b, n=name: b.severities.get(n))) for name in progress.symptom_names
    ]
    severity_text = admin_charts.summary(severity) if severity else "No symptoms were reported in this period."
    made.append(
        Chart(
            "Symptoms",
            admin_charts.line_chart(
                chart_id="chart-severity",
                title=f"Symptom severity {per} (1 mild, 2 moderate, 3 severe), {span}",
                description=severity_text,
                series=severity,
                top_value=3,
                ticks=[(1, "Mild"), (2, "Mod."), (3, "Severe")],
                **size,
            ),
            severity_text,
            *_table(severity, first),
        )
    )

    adherence = [Series("Adherence", _points(progress, lambda b: b.adherence))]
    overall = progress.adherence
    adherence_text = (
        f"Over the period you did {overall} % of the applications your courses planned. "
        if overall is not None
        else "No course planned applications in this period. "
    ) + admin_charts.summary(adherence, " %")
    made.append(
        Chart(
            "Applications done as planned",
            admin_charts.line_chart(
                chart_id="chart-adherence",
                title=f"Applications done against the schedule {per} (%), {span}",
                description=adherence_text,
                series=adherence,
                top_value=100,
                ticks=[(0, "0 %"), (50, "50 %"), (100, "100 %")],
                **size,
            ),
            adherence_text,
            *_table(adherence, first, " %"),
        )
    )

    for number, amount in enumerate(progress.amounts):
        lines = [Series("Grams in 7 days", [(day, float(grams)) for day, grams in amount.weeks])]
        if amount.limit is not None:
            lines.append(Series("Weekly limit", [(day, float(amount.limit)) for day, _ in amount.weeks]))
        top = max([float(amount.limit or 0)] + [float(g) for _, g in amount.weeks] + [1.0])
        text = amount_summary(amount)
        made.append(
            Chart(
                f"{amount.drug}: grams per week",
                admin_charts.line_chart(
                    chart_id=f"chart-amount-{number}",
                    title=f"Grams of {amount.drug} in each 7 days, {span}",
                    description=text,
                    series=lines,
                    top_value=top,
                    ticks=[(0, "0 g"), (top, f"{top:g} g")],
                    **size,
                ),
                text,
                *_table(lines, "7 days ending", " g"),
            )
        )
    return made


def poem_summary(progress: Progress) -> str:
    latest = progress.latest_poem
    if latest is None:
        return "No POEM score in this period."
    text = f"Latest POEM {latest.total} ({latest.band.label.lower()}) on {latest.date:%d %b %Y}."
    if progress.poem_change is not None:
        text += f" Change over the period: {progress.poem_change:+d}."
    return text


def amount_summary(amount: WeeklyAmount) -> str:
    most = max((grams for _, grams in amount.weeks), default=Decimal(0))
    text = f"At most {most.normalize():f} g of {amount.drug} in 7 days."
    if amount.limit is not None:
        text += f" The weekly limit is {amount.limit.normalize():f} g"
        text += (
            f"; it was exceeded in {len(amount.over)} of {len(amount.weeks)} weeks."
            if amount.over
            else "; never exceeded."
        )
    return text
