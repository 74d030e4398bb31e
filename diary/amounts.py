"""Amounts of medicine: the units a patient logs in and the one way an amount is written out."""

from decimal import Decimal

from django.db import models


class AmountUnit(models.TextChoices):
    FTU = "ftu", "FTU"
    GRAMS = "g", "grams"


UNIT_SYMBOLS = {AmountUnit.FTU: "FTU", AmountUnit.GRAMS: "g"}


def format_amount(value: Decimal, unit: str | None = None) -> str:
    """An amount without trailing zeros ("1.5", "2"), followed by its unit's symbol ("1.5 FTU", "2 g") if given."""
    number = f"{Decimal(value).normalize():f}"
    return f"{number} {UNIT_SYMBOLS[AmountUnit(unit)]}" if unit else number
