"""The time zones a patient can choose, and the check that a stored one is real."""

import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError

# Region prefixes a person would recognise; drops legacy aliases such as "US/Pacific" or "Etc/GMT+5".
_REGIONS = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Indian/", "Pacific/")


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    names = sorted(name for name in zoneinfo.available_timezones() if name.startswith(_REGIONS))
    return [("UTC", "UTC")] + [(name, name.replace("_", " ")) for name in names]


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError("%(value)s is not a known time zone.", params={"value": value}) from None
