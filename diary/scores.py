"""Validated scores a patient keeps in the diary: POEM weekly, peak itch and sleep loss daily.

Pure definitions and scoring, no database: the models store the answers, `diary.services` saves
them, the flag rules (`diary.flagging`) and the Progress page read the totals and bands.

POEM (Patient-Oriented Eczema Measure) © University of Nottingham. Its questions, answers,
missing-answer rule and bands are used as the University publishes them for free use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

POEM_CREDIT = "POEM © University of Nottingham"
POEM_RECALL = "Over the last week, on how many days"
POEM_QUESTIONS = (
    "has your skin been itchy because of your eczema?",
    "has your sleep been disturbed because of your eczema?",
    "has your skin been bleeding because of your eczema?",
    "has your skin been weeping or oozing clear fluid because of your eczema?",
    "has your skin been cracked because of your eczema?",
    "has your skin been flaking off because of your eczema?",
    "has your skin felt dry or rough because of your eczema?",
)
POEM_ANSWERS = ((0, "No days"), (1, "1-2 days"), (2, "3-4 days"), (3, "5-6 days"), (4, "Every day"))
POEM_MAX = 28
# The authors' rule: one unanswered question scores 0; with two or more unanswered there is no score.
POEM_MAX_UNANSWERED = 1
POEM_SCORING_TEXT = (
    "Each question scores 0 (no days) to 4 (every day); the total is 0 to 28. One unanswered question "
    "scores 0; if two or more are unanswered the questionnaire is not scored. Bands: 0-2 clear or almost "
    "clear, 3-7 mild, 8-16 moderate, 17-24 severe, 25-28 very severe eczema."
)


@dataclass(frozen=True)
class Band:
    code: str
    label: str
    low: int
    high: int


POEM_BANDS = (
    Band("clear", "Clear or almost clear", 0, 2),
    Band("mild", "Mild", 3, 7),
    Band("moderate", "Moderate", 8, 16),
    Band("severe", "Severe", 17, 24),
    Band("very_severe", "Very severe", 25, 28),
)
# Entering one of these bands is a score change the dermatologist hears about.
POEM_SEVERE_BANDS = frozenset({"severe", "very_severe"})
# A rise of this much since the previous score is above POEM's minimal clinically important difference (~3.4).
POEM_RISE = 4


def poem_total(answers: Sequence[int | None]) -> int | None:
    """The POEM total of seven answers (None = unanswered): one blank scores 0, two or more mean no score."""
    if len(answers) != len(POEM_QUESTIONS):
        raise ValueError(f"POEM has {len(POEM_QUESTIONS)} questions, got {len(answers)} answers.")
    if any(a is not None and not 0 <= a <= 4 for a in answers):
        raise ValueError("Each POEM answer is 0 to 4.")
    if sum(a is None for a in answers) > POEM_MAX_UNANSWERED:
        return None
    return sum(a or 0 for a in answers)


def poem_band(total: int | None) -> Band | None:
    """The severity band of a POEM total (None for no score)."""
    if total is None:
        return None
    for band in POEM_BANDS:
        if band.low <= total <= band.high:
            return band
    raise ValueError(f"A POEM total is 0 to {POEM_MAX}, not {total}.")


@dataclass(frozen=True)
class Nrs:
    """A 0-10 numeric rating scale: what is asked, over which period, and what its ends mean."""

    code: str
    name: str
    question: str
    recall: str
    low: str
    high: str


PEAK_ITCH = Nrs(
    "peak_itch",
    "Peak itch",
    "How bad was your itch at its worst in the past 24 hours?",
    "the past 24 hours",
    "0 = no itch",
    "10 = worst itch imaginable",
)
SLEEP_LOSS = Nrs(
    "sleep_loss",
    "Sleep loss",
    "How much did your skin keep you from sleeping last night?",
    "last night",
    "0 = slept as usual",
    "10 = could not sleep at all",
)
NRS_MAX = 10
# Peak itch at or above this on this many days in a row is a score change the dermatologist hears about.
HIGH_ITCH = 7
HIGH_ITCH_DAYS = 3
