"""Reminder arithmetic with no I/O: when doses fall, in the patient's own zone, and what is due in a window.

Dose times are wall-clock times in the patient's zone. A time that does not exist on a spring-forward
day (01:30 in London on the last Sunday of March) is read with the offset before the change, so it
fires once, an hour later on the clock; a time that happens twice on a fall-back day fires at its
first occurrence only. Every due instant is a UTC datetime, so the send record's unique key
(schedule, due instant) holds the same on every server.
"""

import datetime
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

UTC = datetime.UTC
DAY = datetime.timedelta(days=1)
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_SHORT = {name[:3].lower(): index for index, name in enumerate(WEEKDAY_NAMES)}

# Spread over the week so that doses are never on consecutive days where the count allows it
# (imiquimod "3 times per week on non-consecutive days, e.g. Mon/Wed/Fri").
DEFAULT_WEEKDAYS = {
    1: (0,),
    2: (0, 3),
    3: (0, 2, 4),
    4: (0, 1, 3, 4),
    5: (0, 1, 2, 3, 4),
    6: (0, 1, 2, 3, 4, 5),
    7: (0, 1, 2, 3, 4, 5, 6),
}
DEFAULT_TIMES = {
    1: ("09:00",),
    2: ("08:00", "20:00"),
    3: ("08:00", "14:00", "20:00"),
    4: ("08:00", "12:00", "16:00", "20:00"),
    5: ("08:00", "11:00", "14:00", "17:00", "20:00"),
    6: ("08:00", "10:30", "13:00", "15:30", "18:00", "20:30"),
}
BEDTIME = "21:30"


@dataclass(frozen=True)
class Plan:
    """When a course's doses fall: local times on some weekdays (0 = Monday), between two dates."""

    times: tuple[datetime.time, ...]
    weekdays: frozenset[int]
    zone: ZoneInfo
    starts: datetime.date
    ends: datetime.date | None = None
    paused: bool = False

    def is_dose_day(self, day: datetime.date) -> bool:
        return (
            not self.paused
            and self.starts <= day
            and (self.ends is None or day <= self.ends)
            and day.weekday() in self.weekdays
        )


def parse_time(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


def instant(day: datetime.date, time: datetime.time, zone: ZoneInfo) -> datetime.datetime:
    """The UTC instant of a wall-clock time on a day in `zone` (fold 0: see the module docstring)."""
    return datetime.datetime.combine(day, time, tzinfo=zone).astimezone(UTC)


# A wall-clock time lands at most this far outside its own local day (a time in a skipped hour moves
# forward by the size of the change, at most two hours anywhere).
_SHIFT = datetime.timedelta(hours=3)


def local_days(start: datetime.datetime, end: datetime.datetime, zone: ZoneInfo) -> list[datetime.date]:
    """Every local date in `zone` whose times can fall in [start, end] (a margin for shifted times)."""
    first = (start - _SHIFT).astimezone(zone).date()
    last = (end + _SHIFT).astimezone(zone).date()
    return [first + DAY * n for n in range((last - first).days + 1)]


def dose_instants(plan: Plan, start: datetime.datetime, end: datetime.datetime) -> Iterator[datetime.datetime]:
    """Due instants of a plan in the half-open window (start, end], each once, in order."""
    seen: set[datetime.datetime] = set()
    for day in local_days(start, end, plan.zone):
        if not plan.is_dose_day(day):
            continue
        for time in sorted(plan.times):
            due = instant(day, time, plan.zone)
            if start < due <= end and due not in seen:
                seen.add(due)
                yield due


def dose_window(
    due: datetime.datetime, times: Iterable[datetime.time], zone: ZoneInfo
) -> tuple[datetime.datetime, datetime.datetime]:
    """The dose a reminder is for counts as logged by an application in this window.

    On the dose's local day, the window runs from halfway after the previous dose time (or midnight)
    to halfway before the next one (or the next midnight): with doses at 08:00 and 20:00 the morning
    dose is 00:00-14:00 and the evening dose 14:00-24:00; a once-a-day dose is the whole day.
    """
    local = due.astimezone(zone)
    day = local.date()
    ordered = sorted(set(times))
    minutes = [t.hour * 60 + t.minute for t in ordered]
    own = local.hour * 60 + local.minute
    before = [m for m in minutes if m < own]
    after = [m for m in minutes if m > own]
    start_minute = (before[-1] + own) // 2 if before else 0
    end_minute = (after[0] + own) // 2 if after else 24 * 60
    midnight = datetime.datetime.combine(day, datetime.time(0), tzinfo=zone)
    start = (midnight + datetime.timedelta(minutes=start_minute)).astimezone(UTC)
    end = (midnight + datetime.timedelta(minutes=end_minute)).astimezone(UTC)
    if end_minute == 24 * 60:
        end = instant(day + DAY, datetime.time(0), zone)
    return start, end


def in_quiet_hours(
    moment: datetime.datetime, quiet: tuple[datetime.time, datetime.time] | None, zone: ZoneInfo
) -> bool:
    """Quiet hours are a local span [start, end); a span that crosses midnight (22:00-07:00) wraps."""
    if quiet is None or quiet[0] == quiet[1]:
        return False
    start, end = quiet
    clock = moment.astimezone(zone).time()
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


def check_in_instants(
    *,
    time: datetime.time,
    zone: ZoneInfo,
    plans: Iterable[Plan],
    start: datetime.datetime,
    end: datetime.datetime,
) -> Iterator[datetime.datetime]:
    """The daily check-in at `time` on each local day in (start, end] on which no course has a dose."""
    plans = list(plans)
    for day in local_days(start, end, zone):
        if any(plan.is_dose_day(day) for plan in plans):
            continue
        due = instant(day, time, zone)
        if start < due <= end:
            yield due


def default_plan_fields(
    *, schedule_kind: str, schedule_times: int, regimen_texts: Iterable[str]
) -> tuple[list[str], list[int]]:
    """Dose times and weekdays for a new course, from its schedule and the medicine's usual regimens.

    The course says how often (times a day, or days a week). The reference regimen whose wording
    matches that count supplies the rest: "at bedtime" moves a once-a-day dose to the evening, and
    named days ("Mon/Thu", "Mon/Wed/Fri") are used when there are as many as the course's days.
    """
    texts = [text.lower() for text in regimen_texts]
    if schedule_kind == "weekly":
        count = max(1, min(7, schedule_times))
        weekdays = list(DEFAULT_WEEKDAYS[count])
        for text in texts:
            named = _named_days(text)
            if len(named) == count:
                weekdays = named
                break
        bedtime = any("bedtime" in text for text in texts if _weekly_count(text) in (None, count))
        return [BEDTIME if bedtime else DEFAULT_TIMES[1][0]], weekdays
    count = max(1, min(len(DEFAULT_TIMES), schedule_times))
    times = list(DEFAULT_TIMES[count])
    if count == 1 and any("bedtime" in text and "daily" in text for text in texts):
        times = [BEDTIME]
    return times, list(range(7))


def _named_days(text: str) -> list[int]:
    match = re.search(r"\b((?:mon|tue|wed|thu|fri|sat|sun)(?:\s*/\s*(?:mon|tue|wed|thu|fri|sat|sun))+)\b", text)
    if not match:
        return []
    return sorted({_SHORT[part.strip()] for part in match.group(1).split("/")})


def _weekly_count(text: str) -> int | None:
    match = re.search(r"(\d)\s+times\s+per\s+week", text)
    return int(match.group(1)) if match else None
