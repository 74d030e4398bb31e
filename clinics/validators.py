"""The phone-number rule, one home for the whole project: the clinic's phone here, the patient's call-back phone in
the diary (`diary.validators` uses this one; clinics never import the diary)."""

import re

from django.core.exceptions import ValidationError

NOT_A_PHONE_NUMBER = "Enter a phone number: digits, spaces and + ( ) - only, for example +44 20 7946 0018."
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()\-]{6,24}$")


def validate_phone_number(value: str) -> None:
    """A phone number a person can dial: digits with spaces, brackets, dashes and a leading +."""
    if not PHONE_PATTERN.match(value) or sum(c.isdigit() for c in value) < 6:
        raise ValidationError(NOT_A_PHONE_NUMBER)
