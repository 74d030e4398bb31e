"""Invariants on diary dates, one home each with its message; model `clean()`s, services and views use them."""

import datetime

from django.core.exceptions import ValidationError

# The phone rule lives with the clinics (whose phone it also checks); re-exported for the diary's models and forms.
from clinics.validators import NOT_A_PHONE_NUMBER as NOT_A_PHONE_NUMBER
from clinics.validators import PHONE_PATTERN as PHONE_PATTERN
from clinics.validators import validate_phone_number as validate_phone_number

# Diary days and dates of birth before this are refused (and date arithmetic near year 1 would overflow).
FIRST_DAY = datetime.date(1900, 1, 1)
NOT_COME_YET = "You cannot fill in a day that has not come yet."
BEFORE_FIRST_DAY = f"Choose a day from {FIRST_DAY.year} on."
NOT_A_DATE_OF_BIRTH = "Enter your real date of birth."
# A course may be entered ahead of time (a prescription starting next month), but not years ahead.
COURSE_START_AHEAD = datetime.timedelta(days=366)
COURSE_END_AHEAD = datetime.timedelta(days=5 * 366)
COURSE_BEFORE_FIRST_DAY = f"Choose a start from {FIRST_DAY.year} on."
COURSE_STARTS_TOO_LATE = "A course can start at most a year from today."
COURSE_ENDS_TOO_LATE = "A course can end at most five years from today."
# Dates typed into search or range forms (the admin timeline): far enough out for any real diary, and far from
# the calendar's limits, where date arithmetic overflows.
LAST_DAY = datetime.date(2999, 12, 31)
OUT_OF_RANGE = f"Choose a date from {FIRST_DAY.year} to {LAST_DAY.year}."


def validate_diary_day(*, day: datetime.date, today: datetime.date) -> None:
    """A diary page can be filled in for `today` (in the patient's zone) or an earlier day from FIRST_DAY on."""
    if day > today:
        raise ValidationError({"date": NOT_COME_YET})
    if day < FIRST_DAY:
        raise ValidationError({"date": BEFORE_FIRST_DAY})


def validate_date_of_birth(*, born: datetime.date, today: datetime.date) -> None:
    """A date of birth lies between FIRST_DAY and today."""
    if not FIRST_DAY <= born <= today:
        raise ValidationError({"date_of_birth": NOT_A_DATE_OF_BIRTH})


def validate_course_dates(*, started_on: datetime.date, ended_on: datetime.date | None, today: datetime.date) -> None:
    """A course starts from FIRST_DAY on and at most a year ahead of the patient's today; it ends at most five
    years ahead."""
    errors = {}
    if started_on < FIRST_DAY:
        errors["started_on"] = COURSE_BEFORE_FIRST_DAY
    elif started_on > today + COURSE_START_AHEAD:
        errors["started_on"] = COURSE_STARTS_TOO_LATE
    if ended_on is not None and ended_on > today + COURSE_END_AHEAD:
        errors["ended_on"] = COURSE_ENDS_TOO_LATE
    if errors:
        raise ValidationError(errors)


def validate_day_in_range(day: datetime.date) -> None:
    """A date typed into a search or range form lies between FIRST_DAY and LAST_DAY."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(OUT_OF_RANGE)
