"""The reminder arithmetic: local dose times, weekdays, daylight-saving changes, course dates, quiet hours."""

import datetime
from zoneinfo import ZoneInfo

from reminders import schedule as s

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
UTC = datetime.UTC


def _t(text):
    return datetime.time.fromisoformat(text)


def _plan(zone, times=("08:00", "20:00"), weekdays=range(7), starts=datetime.date(2026, 1, 1), ends=None, paused=False):
    return s.Plan(
        times=tuple(_t(x) for x in times),
        weekdays=frozenset(weekdays),
        zone=zone,
        starts=starts,
        ends=ends,
        paused=paused,
    )


def _utc(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def _local(instants, zone):
    return [i.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z") for i in instants]


def test_dose_times_are_the_patients_wall_clock_in_winter_and_summer():
    plan = _plan(NEW_YORK, times=("08:00",))
    winter = list(s.dose_instants(plan, _utc(2026, 1, 10), _utc(2026, 1, 11)))
    summer = list(s.dose_instants(plan, _utc(2026, 7, 10), _utc(2026, 7, 11)))
    assert winter == [_utc(2026, 1, 10, 13, 0)]
    assert summer == [_utc(2026, 7, 10, 12, 0)]


def test_a_london_week_across_the_spring_change_has_every_dose_once_at_its_local_time():
    # Clocks go forward at 01:00 GMT on Sunday 29 March 2026.
    plan = _plan(LONDON)
    doses = list(s.dose_instants(plan, _utc(2026, 3, 27), _utc(2026, 4, 1)))
    assert len(doses) == 10
    assert len(set(doses)) == 10
    assert _local(doses, LONDON)[4:6] == ["2026-03-29 08:00 BST", "2026-03-29 20:00 BST"]
    assert all(d.astimezone(LONDON).hour in (8, 20) for d in doses)


def test_a_london_week_across_the_autumn_change_has_every_dose_once():
    # Clocks go back at 02:00 BST on Sunday 25 October 2026: that day has 25 hours.
    plan = _plan(LONDON)
    doses = list(s.dose_instants(plan, _utc(2026, 10, 23), _utc(2026, 10, 28)))
    assert len(doses) == len(set(doses)) == 10
    assert _local(doses, LONDON)[4:6] == ["2026-10-25 08:00 GMT", "2026-10-25 20:00 GMT"]


def test_a_dose_in_the_skipped_spring_hour_fires_once_an_hour_later_on_the_clock():
    # New York skips 02:00-03:00 on Sunday 8 March 2026.
    plan = _plan(NEW_YORK, times=("02:30",))
    doses = list(s.dose_instants(plan, _utc(2026, 3, 7), _utc(2026, 3, 10)))
    assert _local(doses, NEW_YORK) == ["2026-03-07 02:30 EST", "2026-03-08 03:30 EDT", "2026-03-09 02:30 EDT"]


def test_a_dose_in_the_repeated_autumn_hour_fires_once_not_twice():
    # New York repeats 01:00-02:00 on Sunday 1 November 2026.
    plan = _plan(NEW_YORK, times=("01:30",))
    doses = list(s.dose_instants(plan, _utc(2026, 10, 31), _utc(2026, 11, 3)))
    assert len(doses) == 3
    assert _local(doses, NEW_YORK)[1] == "2026-11-01 01:30 EDT"


def test_consecutive_windows_across_a_change_neither_lose_nor_repeat_a_dose():
    """A runner every minute: windows (t, t+1 min] tile the day, so each dose falls in exactly one."""
    plan = _plan(LONDON, times=("00:30", "01:30", "02:30", "08:00"))
    start = _utc(2026, 3, 28, 22)
    whole = list(s.dose_instants(plan, start, start + datetime.timedelta(hours=12)))
    by_minute = []
    for minute in range(12 * 60):
        a = start + datetime.timedelta(minutes=minute)
        by_minute += list(s.dose_instants(plan, a, a + datetime.timedelta(minutes=1)))
    assert by_minute == whole
    # 01:30 does not exist that night in London; it becomes 02:30 BST, the same instant as 02:30: one reminder.
    assert _local(whole, LONDON) == ["2026-03-29 00:30 GMT", "2026-03-29 02:30 BST", "2026-03-29 08:00 BST"]


def test_three_days_a_week_reminds_on_those_days_only():
    plan = _plan(LONDON, times=("21:30",), weekdays=(0, 2, 4))
    doses = list(s.dose_instants(plan, _utc(2026, 11, 1), _utc(2026, 11, 15)))
    assert [d.astimezone(LONDON).strftime("%a %d") for d in doses] == [
        "Mon 02", "Wed 04", "Fri 06", "Mon 09", "Wed 11", "Fri 13",
    ]  # fmt: skip


def test_no_reminder_before_the_course_starts_after_it_ends_or_while_paused():
    plan = _plan(LONDON, times=("09:00",), starts=datetime.date(2026, 11, 3), ends=datetime.date(2026, 11, 5))
    doses = list(s.dose_instants(plan, _utc(2026, 11, 1), _utc(2026, 11, 10)))
    assert [d.astimezone(LONDON).day for d in doses] == [3, 4, 5]
    paused = _plan(LONDON, times=("09:00",), paused=True)
    assert list(s.dose_instants(paused, _utc(2026, 11, 1), _utc(2026, 11, 10))) == []


def test_quiet_hours_wrap_past_midnight():
    quiet = (_t("22:00"), _t("07:00"))
    assert s.in_quiet_hours(_utc(2026, 1, 5, 23, 0), quiet, LONDON)
    assert s.in_quiet_hours(_utc(2026, 1, 5, 6, 59), quiet, LONDON)
    assert not s.in_quiet_hours(_utc(2026, 1, 5, 7, 0), quiet, LONDON)
    assert not s.in_quiet_hours(_utc(2026, 1, 5, 12, 0), quiet, LONDON)
    # Summer: 21:30 UTC is 22:30 BST, inside the local quiet hours.
    assert s.in_quiet_hours(_utc(2026, 7, 5, 21, 30), quiet, LONDON)
    assert not s.in_quiet_hours(_utc(2026, 7, 5, 12, 0), None, LONDON)


def test_quiet_hours_within_a_day():
    quiet = (_t("13:00"), _t("15:00"))
    assert s.in_quiet_hours(_utc(2026, 1, 5, 14, 0), quiet, LONDON)
    assert not s.in_quiet_hours(_utc(2026, 1, 5, 15, 0), quiet, LONDON)


def test_the_dose_window_splits_the_day_halfway_between_doses():
    times = (_t("08:00"), _t("20:00"))
    morning = s.dose_window(s.instant(datetime.date(2026, 7, 1), _t("08:00"), LONDON), times, LONDON)
    evening = s.dose_window(s.instant(datetime.date(2026, 7, 1), _t("20:00"), LONDON), times, LONDON)
    assert _local(morning, LONDON) == ["2026-07-01 00:00 BST", "2026-07-01 14:00 BST"]
    assert _local(evening, LONDON) == ["2026-07-01 14:00 BST", "2026-07-02 00:00 BST"]


def test_a_once_a_day_dose_window_is_the_whole_local_day_even_on_a_25_hour_day():
    due = s.instant(datetime.date(2026, 10, 25), _t("09:00"), LONDON)
    start, end = s.dose_window(due, (_t("09:00"),), LONDON)
    assert end - start == datetime.timedelta(hours=25)


def test_the_check_in_comes_only_on_days_without_a_dose():
    plan = _plan(LONDON, times=("21:30",), weekdays=(0, 2, 4))
    check_ins = list(
        s.check_in_instants(time=_t("19:00"), zone=LONDON, plans=[plan], start=_utc(2026, 11, 2), end=_utc(2026, 11, 9))
    )
    assert [d.astimezone(LONDON).strftime("%a %H:%M") for d in check_ins] == [
        "Tue 19:00", "Thu 19:00", "Sat 19:00", "Sun 19:00",
    ]  # fmt: skip


def test_defaults_come_from_the_course_and_the_medicines_usual_regimen():
    imiquimod = [
        "2 times per week on non-consecutive days (e.g. Mon/Thu), at bedtime, left on about 8 hours",
        "3 times per week on non-consecutive days (e.g. Mon/Wed/Fri) at bedtime, left on 6-10 hours",
    ]
    assert s.default_plan_fields(schedule_kind="weekly", schedule_times=3, regimen_texts=imiquimod) == (
        ["21:30"],
        [0, 2, 4],
    )
    assert s.default_plan_fields(schedule_kind="weekly", schedule_times=2, regimen_texts=imiquimod) == (
        ["21:30"],
        [0, 3],
    )
    tacrolimus = ["Thin layer twice daily"]
    assert s.default_plan_fields(schedule_kind="daily", schedule_times=2, regimen_texts=tacrolimus) == (
        ["08:00", "20:00"],
        list(range(7)),
    )
    bedtime = ["Once daily at bedtime, left on about 8 hours"]
    assert s.default_plan_fields(schedule_kind="daily", schedule_times=1, regimen_texts=bedtime)[0] == ["21:30"]
