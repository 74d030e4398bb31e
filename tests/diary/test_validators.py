"""The date invariants, each with its one message."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from diary.validators import (
    BEFORE_FIRST_DAY,
    FIRST_DAY,
    NOT_A_DATE_OF_BIRTH,
    NOT_COME_YET,
    validate_date_of_birth,
    validate_diary_day,
)

TODAY = datetime.date(2026, 3, 10)


@pytest.mark.parametrize(
    ("day", "message"),
    [(TODAY + datetime.timedelta(days=1), NOT_COME_YET), (FIRST_DAY - datetime.timedelta(days=1), BEFORE_FIRST_DAY)],
)
def test_a_diary_day_is_between_1900_and_today(day, message):
    with pytest.raises(ValidationError) as refused:
        validate_diary_day(day=day, today=TODAY)

    assert refused.value.message_dict == {"date": [message]}


@pytest.mark.parametrize("day", [TODAY, FIRST_DAY])
def test_today_and_the_first_day_are_diary_days(day):
    validate_diary_day(day=day, today=TODAY)


@pytest.mark.parametrize("born", [TODAY + datetime.timedelta(days=1), datetime.date(1899, 12, 31)])
def test_a_date_of_birth_is_between_1900_and_today(born):
    with pytest.raises(ValidationError) as refused:
        validate_date_of_birth(born=born, today=TODAY)

    assert refused.value.message_dict == {"date_of_birth": [NOT_A_DATE_OF_BIRTH]}
