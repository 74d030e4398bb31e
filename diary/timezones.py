"""The time zones a patient can choose, and the check that a stored one is real.

The list is tzdata's `zone.tab`: the current canonical name of every zone, at least one per country, so
"Europe/Oslo" is there but old aliases ("US/Eastern", "Asia/Calcutta", "GB") are not. (`zone1970.tab` would
merge countries that share clocks since 1970, dropping names people know, such as Oslo or Amsterdam.)
"""

import importlib.resources
import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError

TIME_ZONE_INVALID = "Choose your time zone from the list: “%(value)s” is not one of them."

REGIONS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


def _tzdata(name: str) -> str:
    return importlib.resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")


@cache
def canonical_time_zones() -> frozenset[str]:
    """Every zone offered: zone.tab's third column, plus UTC."""
    names = {line.split("\t")[2] for line in _tzdata("zone.tab").splitlines() if line and not line.startswith("#")}
    return frozenset({"UTC"} | {name for name in names if name.split("/", 1)[0] in REGIONS})


def _label(name: str) -> str:
    """ "America/Argentina/Buenos_Aires" is listed under America as "Argentina, Buenos Aires"."""
    return name.split("/", 1)[1].replace("_", " ").replace("/", ", ")


@cache
def time_zone_choices() -> list[tuple[str, object]]:
    """UTC, then one optgroup per region; computed once per process."""
    by_region: dict[str, list[tuple[str, str]]] = {region: [] for region in REGIONS}
    for name in sorted(canonical_time_zones() - {"UTC"}):
        by_region[name.split("/", 1)[0]].append((name, _label(name)))
    return [("UTC", "UTC")] + [(region, zones) for region, zones in by_region.items() if zones]


@cache
def time_zone_aliases() -> dict[str, str]:
    """An old or alternative name (a browser may still report "Asia/Calcutta") -> the name in the list."""
    links = {}
    for line in _tzdata("tzdata.zi").splitlines():
        if line.startswith("L "):
            _, target, alias = line.split()
            links[alias] = target
    offered = canonical_time_zones()
    aliases = {}
    for alias in sorted(links):
        if alias in offered:
            continue
        target = links[alias]
        while target in links and target not in offered:
            target = links[target]
        if target in ("Etc/UTC", "Etc/GMT"):
            target = "UTC"
        if target in offered:
            aliases[alias] = target
    for name in ("Etc/UTC", "Etc/GMT"):
        aliases.setdefault(name, "UTC")
    return aliases


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError("%(value)s is not a known time zone.", params={"value": value}) from None
