"""Every amount in the diary, the admin, the exports and the flag evidence is written by one formatter."""

from decimal import Decimal

from django.template import Context, Template

from diary.amounts import AmountUnit, format_amount


def test_an_amount_drops_trailing_zeros_and_names_its_unit():
    assert format_amount(Decimal("1.50"), AmountUnit.FTU) == "1.5 FTU"
    assert format_amount(Decimal("2.0"), AmountUnit.GRAMS) == "2 g"
    assert format_amount(Decimal("10")) == "10"
    assert format_amount(Decimal("0.5")) == "0.5"


def test_templates_write_amounts_with_the_same_formatter():
    template = Template('{% load diary_tags %}{{ grams|amount:"g" }} / {{ ftu|amount:"ftu" }} / {{ bare|amount }}')
    rendered = template.render(Context({"grams": "12.50", "ftu": Decimal("3.0"), "bare": Decimal("20")}))
    assert rendered == "12.5 g / 3 FTU / 20"
