"""Invariants on diary dates, one home each with its message; model `clean()`s, services and views use them."""

import datetime
import re

from django.core.exceptions import ValidationError

# Diary days and dates of birth before this are refused (and date arithmetic near year 1 would overflow).
FIRST_DAY = datetime.date(1900, 1, 1)
NOT_COME_YET = "You cannot fill in a day that has not come yet."
BEFORE_FIRST_DAY = f"Choose a day from {FIRST_DAY.year} on."
NOT_A_DATE_OF_BIRTH = "Enter your real date of birth."
NOT_A_PHONE_NUMBER = "Enter a phone number: digits, spaces and + ( ) - only, for example +44 20 7946 0018."
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()\-]{6,24}$")


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


def validate_phone_number(value: str) -> None:
    """A phone number a clinic can dial: digits with spaces, brackets, dashes and a leading +."""
    if not PHONE_PATTERN.match(value) or sum(c.isdigit() for c in value) < 6:
        raise ValidationError(NOT_A_PHONE_NUMBER)
