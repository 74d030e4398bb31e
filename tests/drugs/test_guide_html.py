"""A medicine page written in Python (drugs/guide_html.py): its numbers as the template's `floatformat` wrote them."""

from decimal import Decimal

from django.template.defaultfilters import floatformat

from drugs.guide_html import number
from drugs.models import AmountLimit, BodyArea, grams_of_ftu


def test_a_body_areas_fingertip_units_and_grams_read_as_floatformat_wrote_them():
    """Every value the field can hold (0.1 to 999.9), and its grams."""
    field = BodyArea._meta.get_field("adult_ftu")
    assert (field.max_digits, field.decimal_places) == (4, 1)
    for tenths in range(1, 10_000):
        ftu = Decimal(tenths).scaleb(-1)
        assert number(ftu, 1) == floatformat(ftu, "-1")
        assert number(grams_of_ftu(ftu), 2) == floatformat(grams_of_ftu(ftu), "-2")


def test_an_amount_limits_grams_read_as_floatformat_wrote_them():
    """Every value up to 999.9 and one in 97 above it, to the field's largest (99,999.9): no thousands separator."""
    field = AmountLimit._meta.get_field("max_grams_per_week")
    assert (field.max_digits, field.decimal_places) == (6, 1)
    for tenths in [*range(1, 10_000), *range(10_000, 1_000_000, 97), 999_999]:
        grams = Decimal(tenths).scaleb(-1)
        assert number(grams, 1) == floatformat(grams, "-1")
    assert number(Decimal("12345.0"), 1) == "12345"
    assert number(Decimal("2.5"), 1) == "2.5"
    assert number(Decimal("1.50"), 2) == "1.50"
