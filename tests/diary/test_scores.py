"""POEM scoring and banding, and the score-change rules, as tables and properties (no database)."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diary import flagging, scores

D = datetime.date(2026, 3, 10)


def day(n: int) -> datetime.date:
    return D + datetime.timedelta(days=n)


@pytest.mark.parametrize(
    ("answers", "total", "band"),
    [
        ([0, 0, 0, 0, 0, 0, 0], 0, "clear"),
        ([1, 1, 0, 0, 0, 0, 0], 2, "clear"),
        ([1, 1, 1, 0, 0, 0, 0], 3, "mild"),
        ([1, 1, 1, 1, 1, 1, 1], 7, "mild"),
        ([2, 1, 1, 1, 1, 1, 1], 8, "moderate"),
        ([4, 4, 4, 4, 0, 0, 0], 16, "moderate"),
        ([4, 4, 4, 4, 1, 0, 0], 17, "severe"),
        ([4, 4, 4, 4, 4, 4, 0], 24, "severe"),
        ([4, 4, 4, 4, 4, 4, 1], 25, "very_severe"),
        ([4, 4, 4, 4, 4, 4, 4], 28, "very_severe"),
        # One unanswered question scores 0 and the rest are banded as usual.
        ([None, 4, 4, 4, 4, 4, 4], 24, "severe"),
        ([3, None, 0, 0, 0, 0, 0], 3, "mild"),
        # Two or more unanswered: no score at all.
        ([None, None, 4, 4, 4, 4, 4], None, None),
        ([None] * 7, None, None),
    ],
)
def test_poem_totals_and_bands_follow_the_authors_table(answers, total, band):
    assert scores.poem_total(answers) == total
    assert (scores.poem_band(total).code if total is not None else None) == band


def test_a_poem_with_the_wrong_number_of_answers_or_an_answer_out_of_range_is_refused():
    with pytest.raises(ValueError, match="7 questions"):
        scores.poem_total([0] * 6)
    with pytest.raises(ValueError, match="0 to 4"):
        scores.poem_total([5, 0, 0, 0, 0, 0, 0])


@given(st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=7, max_size=7))
def test_every_scored_poem_falls_in_exactly_one_band(answers):
    total = scores.poem_total(answers)
    if answers.count(None) >= 2:
        assert total is None
        return
    assert 0 <= total <= 28
    assert [b for b in scores.POEM_BANDS if b.low <= total <= b.high] == [scores.poem_band(total)]


def rules(matches) -> set[str]:
    return {flagging.SCORE_RULES[m.rule[1]].code for m in matches}


@pytest.mark.parametrize(
    ("poems", "flagged"),
    [
        ({day(0): 6, day(7): 9}, set()),  # up 3: under the minimal clinically important difference
        ({day(0): 6, day(7): 10}, {"poem_rise"}),  # up 4
        ({day(0): 6, day(7): None, day(14): 10}, {"poem_rise"}),  # an unscored week is skipped
        ({day(0): 12, day(7): 17}, {"poem_rise", "poem_severe"}),  # moderate to severe
        ({day(0): 17, day(7): 18}, set()),  # already severe: not entering
        ({day(0): 22, day(7): 25}, {"poem_severe"}),  # severe to very severe is a worse band
        ({day(7): 20}, {"poem_severe"}),  # the first score ever, already severe
        ({day(0): 20, day(7): 14}, set()),  # better
    ],
)
def test_poem_changes_are_matched_on_the_day_of_the_new_score(poems, flagged):
    matches = flagging.evaluate_scores(max(poems), itch={}, poems=poems)
    assert rules(matches) == flagged
    assert all(m.urgency == flagging.URGENCY_SOON and m.date == max(poems) for m in matches)


@pytest.mark.parametrize(
    ("itch", "flagged"),
    [
        ({day(0): 7, day(1): 7, day(2): 7}, True),
        ({day(0): 7, day(1): 6, day(2): 9}, False),
        ({day(0): 7, day(2): 8}, False),  # a day without a score breaks the run
        ({day(1): 10, day(2): 10}, False),  # only two days
        ({day(-1): 8, day(0): 8, day(1): 8, day(2): 8}, True),
    ],
)
def test_peak_itch_of_seven_or_more_on_three_days_in_a_row_is_a_routine_match(itch, flagged):
    matches = flagging.evaluate_scores(day(2), itch=itch, poems={})
    assert (rules(matches) == {"itch_run"}) is flagged
    if flagged:
        assert matches[0].urgency == flagging.URGENCY_ROUTINE
        assert [d for d, _ in matches[0].scores] == [day(0), day(1), day(2)]


@given(st.integers(0, 28), st.integers(0, 28))
def test_a_poem_rise_is_flagged_exactly_when_it_is_four_or_more(before, after):
    matches = flagging.evaluate_scores(day(7), itch={}, poems={day(0): before, day(7): after})
    assert ("poem_rise" in rules(matches)) == (after - before >= scores.POEM_RISE)
    for match in matches:
        assert match.scores[-1] == (day(7), after)


@given(st.lists(st.one_of(st.none(), st.integers(0, 10)), min_size=1, max_size=20))
def test_the_itch_rule_matches_only_where_the_last_three_days_are_all_seven_or_more(values):
    itch = {day(n): v for n, v in enumerate(values)}
    on = day(len(values) - 1)
    expected = len(values) >= 3 and all(v is not None and v >= 7 for v in values[-3:])
    assert ("itch_run" in rules(flagging.evaluate_scores(on, itch=itch, poems={}))) == expected
