"""The warning-sign rules of docs/flagging.md, decided over plain data (no database)."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from diary.flagging import (
    ACKNOWLEDGED,
    MAX_GAP_DAYS,
    OPEN,
    RESOLVED,
    WITHDRAWN,
    CourseFacts,
    DayFacts,
    FlagState,
    LimitRule,
    Match,
    ReactionFact,
    SignRule,
    drugs_in_scope,
    evaluate_day,
    evaluation_window,
    lookback_days,
    plan_flags,
    symptom_run_start,
)

TACROLIMUS, CALCIPOTRIENE = 1, 2
BURNING, BLISTERS, NO_IMPROVEMENT, FEVER = 10, 11, 12, 13
ROUTINE, SOON, TODAY, EMERGENCY = 1, 2, 3, 4
D = date(2026, 3, 10)

PERSISTENT_BURNING = SignRule(
    id=1, drug_id=TACROLIMUS, symptom_id=BURNING, min_severity=1, urgency=SOON, persists_days=7
)
SEVERE_BURNING = SignRule(id=2, drug_id=TACROLIMUS, symptom_id=BURNING, min_severity=3, urgency=SOON)
BLISTERING = SignRule(id=3, drug_id=None, symptom_id=BLISTERS, min_severity=1, urgency=TODAY)
NOT_BETTER = SignRule(
    id=4, drug_id=TACROLIMUS, symptom_id=NO_IMPROVEMENT, min_severity=1, urgency=ROUTINE, after_course_days=14
)
HIGH_FEVER = SignRule(id=5, drug_id=None, symptom_id=FEVER, min_severity=3, urgency=EMERGENCY)
ANY_FEVER = SignRule(id=6, drug_id=None, symptom_id=FEVER, min_severity=1, urgency=TODAY)
WEEKLY_LIMIT = LimitRule(id=1, drug_id=CALCIPOTRIENE, max_grams_per_week=Decimal(100), urgency=SOON)
SIGNS = [PERSISTENT_BURNING, SEVERE_BURNING, BLISTERING, NOT_BETTER, HIGH_FEVER, ANY_FEVER]
ON_TACROLIMUS = [CourseFacts(drug_id=TACROLIMUS, started_on=D - timedelta(days=30))]


def day(on: date, *reactions: tuple[int, int], grams: dict | None = None) -> DayFacts:
    return DayFacts(date=on, reactions=tuple(ReactionFact(s, sev) for s, sev in reactions), grams_by_drug=grams or {})


def diary(*days: DayFacts) -> dict[date, DayFacts]:
    return {d.date: d for d in days}


def burning_every_day(first: date, last: date, severity: int = 1) -> dict[date, DayFacts]:
    return diary(*(day(first + timedelta(n), (BURNING, severity)) for n in range((last - first).days + 1)))


def rules(matches: list[Match]) -> list:
    return [m.rule for m in matches]


# --- Symptom rules ---------------------------------------------------------------------------


def test_a_severe_reaction_matches_the_severe_burning_rule():
    matches = evaluate_day(D, diary(day(D, (BURNING, 3))), ON_TACROLIMUS, SIGNS, [])

    assert rules(matches) == [SEVERE_BURNING.key]
    assert matches[0].reactions == (ReactionFact(BURNING, 3),)


def test_a_moderate_reaction_does_not_match_a_rule_for_severe_ones():
    assert evaluate_day(D, diary(day(D, (BURNING, 2))), ON_TACROLIMUS, SIGNS, []) == []


def test_it_flags_burning_that_lasts_seven_days_but_not_six():
    days = burning_every_day(D - timedelta(days=6), D)

    assert rules(evaluate_day(D, days, ON_TACROLIMUS, SIGNS, [])) == [PERSISTENT_BURNING.key]
    assert evaluate_day(D - timedelta(days=1), days, ON_TACROLIMUS, SIGNS, []) == []
    assert evaluate_day(D, days, ON_TACROLIMUS, SIGNS, [])[0].present_since == D - timedelta(days=6)


def test_present_since_is_the_first_day_of_the_whole_run_not_just_enough_of_it():
    # Burning on d6, d8, d11 and d14 (gaps of at most two days): on d14 it has been there since d6.
    d = [D + timedelta(days=n) for n in (6, 8, 11, 14)]
    days = diary(*(day(on, (BURNING, 1)) for on in d))

    (match,) = evaluate_day(d[-1], days, ON_TACROLIMUS, [PERSISTENT_BURNING], [])

    assert match.present_since == d[0]


def test_an_unchanged_flag_is_handed_back_to_refresh_its_evidence_with_the_matches_as_they_stand():
    open_flag = flag(7, BLISTERING, OPEN, D, D + timedelta(days=2))
    now = [match(BLISTERING, D), match(BLISTERING, D + timedelta(days=1)), match(BLISTERING, D + timedelta(days=2))]

    plan = plan_flags(start=D, end=D + timedelta(days=9), matches=now, flags=[open_flag])

    assert plan.update == plan.raise_ == []
    assert [(c.flag_id, [m.date for m in c.matches]) for c in plan.refresh] == [(7, [m.date for m in now])]


def test_a_day_without_burning_breaks_the_run():
    days = burning_every_day(D - timedelta(days=6), D)
    days[D - timedelta(days=3)] = day(D - timedelta(days=3))

    assert evaluate_day(D, days, ON_TACROLIMUS, SIGNS, []) == []


def test_two_days_without_an_entry_keep_the_run_and_three_end_it():
    # Entries on days 1, 4 and 7: two empty days between each, so burning is present 7 days.
    kept = diary(*(day(D - timedelta(days=n), (BURNING, 1)) for n in (6, 3, 0)))
    # Entries on days 0, 4 and 7: three empty days break the run after day 4.
    broken = diary(*(day(D - timedelta(days=n), (BURNING, 1)) for n in (7, 3, 0)))

    assert symptom_run_start(kept, BURNING, 1, D) == D - timedelta(days=6)
    assert rules(evaluate_day(D, kept, ON_TACROLIMUS, SIGNS, [])) == [PERSISTENT_BURNING.key]
    assert symptom_run_start(broken, BURNING, 1, D) == D - timedelta(days=3)
    assert evaluate_day(D, broken, ON_TACROLIMUS, SIGNS, []) == []


def test_the_run_counts_only_days_at_the_rules_minimum_severity():
    days = burning_every_day(D - timedelta(days=6), D, severity=1)

    assert symptom_run_start(days, BURNING, 2, D) is None
    assert symptom_run_start(days, BURNING, 1, D) == D - timedelta(days=6)


def test_drug_rules_apply_while_the_course_runs_and_14_days_after_it_ends():
    ended_14_days_ago = [CourseFacts(TACROLIMUS, D - timedelta(days=60), D - timedelta(days=14))]
    ended_15_days_ago = [CourseFacts(TACROLIMUS, D - timedelta(days=60), D - timedelta(days=15))]
    starts_tomorrow = [CourseFacts(TACROLIMUS, D + timedelta(days=1))]
    days = diary(day(D, (BURNING, 3)))

    assert rules(evaluate_day(D, days, ended_14_days_ago, SIGNS, [])) == [SEVERE_BURNING.key]
    assert evaluate_day(D, days, ended_15_days_ago, SIGNS, []) == []
    assert evaluate_day(D, days, starts_tomorrow, SIGNS, []) == []
    assert drugs_in_scope(starts_tomorrow, D) == set()


def test_rules_for_any_drug_apply_to_everyone():
    assert rules(evaluate_day(D, diary(day(D, (BLISTERS, 1))), [], SIGNS, [])) == [BLISTERING.key]


def test_no_improvement_is_flagged_only_once_the_course_is_14_days_old():
    days = diary(day(D, (NO_IMPROVEMENT, 1)))
    thirteen_days = [CourseFacts(TACROLIMUS, D - timedelta(days=13))]
    fourteen_days = [CourseFacts(TACROLIMUS, D - timedelta(days=14))]

    assert evaluate_day(D, days, thirteen_days, SIGNS, []) == []
    assert rules(evaluate_day(D, days, fourteen_days, SIGNS, [])) == [NOT_BETTER.key]


def test_only_the_most_urgent_rule_counts_for_one_reaction():
    matches = evaluate_day(D, diary(day(D, (FEVER, 3))), [], SIGNS, [])

    assert rules(matches) == [HIGH_FEVER.key]


def test_between_equally_urgent_rules_the_stricter_one_counts():
    # Severe burning on the 7th day matches both tacrolimus burning rules (both "soon"); the
    # severe rule matched from the first day, so its episode simply continues.
    days = burning_every_day(D - timedelta(days=6), D, severity=3)
    mild_then_severe = burning_every_day(D - timedelta(days=6), D, severity=1) | diary(day(D, (BURNING, 3)))

    assert rules(evaluate_day(D, days, ON_TACROLIMUS, SIGNS, [])) == [SEVERE_BURNING.key]
    assert rules(evaluate_day(D, mild_then_severe, ON_TACROLIMUS, SIGNS, [])) == [SEVERE_BURNING.key]
    any_drug_blisters = SignRule(20, None, BLISTERS, 1, TODAY)
    drug_blisters = SignRule(21, TACROLIMUS, BLISTERS, 1, TODAY)
    both = [any_drug_blisters, drug_blisters]
    assert rules(evaluate_day(D, diary(day(D, (BLISTERS, 1))), ON_TACROLIMUS, both, [])) == [drug_blisters.key]


def test_several_matches_on_one_entry_come_most_urgent_first():
    days = diary(day(D, (BURNING, 3), (BLISTERS, 2), (FEVER, 3)))

    matches = evaluate_day(D, days, ON_TACROLIMUS, SIGNS, [])

    assert rules(matches) == [HIGH_FEVER.key, BLISTERING.key, SEVERE_BURNING.key]
    assert [m.urgency for m in matches] == [EMERGENCY, TODAY, SOON]


def test_two_reactions_matching_one_rule_make_one_match():
    days = {D: DayFacts(D, (ReactionFact(BLISTERS, 1, body_area_id=1), ReactionFact(BLISTERS, 2, body_area_id=2)))}

    matches = evaluate_day(D, days, [], SIGNS, [])

    assert rules(matches) == [BLISTERING.key]
    assert len(matches[0].reactions) == 2


def test_a_day_without_an_entry_matches_nothing():
    assert evaluate_day(D, diary(day(D - timedelta(days=1), (FEVER, 3))), [], SIGNS, []) == []


# --- Amount rules ----------------------------------------------------------------------------


ON_CALCIPOTRIENE = [CourseFacts(CALCIPOTRIENE, D - timedelta(days=30))]


def test_more_grams_than_the_weekly_limit_over_seven_days_is_flagged():
    days = diary(*(day(D - timedelta(days=n), grams={CALCIPOTRIENE: Decimal(15)}) for n in range(7)))

    matches = evaluate_day(D, days, ON_CALCIPOTRIENE, [], [WEEKLY_LIMIT])

    assert rules(matches) == [WEEKLY_LIMIT.key]
    assert matches[0].grams == Decimal(105)


def test_exactly_the_weekly_limit_is_not_flagged():
    days = diary(*(day(D - timedelta(days=n), grams={CALCIPOTRIENE: Decimal(20)}) for n in range(5)))

    assert evaluate_day(D, days, ON_CALCIPOTRIENE, [], [WEEKLY_LIMIT]) == []


def test_grams_from_eight_days_ago_do_not_count():
    days = diary(
        day(D - timedelta(days=7), grams={CALCIPOTRIENE: Decimal(60)}),
        day(D, grams={CALCIPOTRIENE: Decimal(60)}),
    )

    assert evaluate_day(D, days, ON_CALCIPOTRIENE, [], [WEEKLY_LIMIT]) == []
    assert rules(
        evaluate_day(
            D - timedelta(days=1),
            days | diary(day(D - timedelta(days=1), grams={CALCIPOTRIENE: Decimal(50)})),
            ON_CALCIPOTRIENE,
            [],
            [WEEKLY_LIMIT],
        )
    ) == [WEEKLY_LIMIT.key]


def test_grams_of_another_drug_do_not_count():
    days = diary(day(D, grams={TACROLIMUS: Decimal(150)}))

    assert evaluate_day(D, days, ON_CALCIPOTRIENE + ON_TACROLIMUS, [], [WEEKLY_LIMIT]) == []


def test_lookback_covers_the_longest_persistence_rule_and_the_amount_week():
    assert lookback_days([PERSISTENT_BURNING]) >= 6
    assert lookback_days([]) >= 6
    assert lookback_days([SignRule(9, None, BURNING, 1, SOON, persists_days=28)]) >= 27


# --- Episodes --------------------------------------------------------------------------------


def match(rule: SignRule, on: date) -> Match:
    return Match(rule=rule.key, urgency=rule.urgency, date=on)


def flag(id_: int, rule: SignRule, status: str, first: date, last: date) -> FlagState:
    return FlagState(id=id_, rule=rule.key, status=status, first_seen=first, last_seen=last)


def test_a_first_match_raises_a_flag():
    plan = plan_flags(start=D, end=D, matches=[match(BLISTERING, D)], flags=[])

    assert [(c.rule, c.first_seen, c.last_seen, c.flag_id) for c in plan.raise_] == [(BLISTERING.key, D, D, None)]
    assert plan.update == plan.withdraw == []


def test_a_later_match_moves_the_open_flags_last_seen_date_instead_of_raising_another():
    open_flag = flag(7, BLISTERING, OPEN, D - timedelta(days=2), D - timedelta(days=2))

    plan = plan_flags(start=D, end=D, matches=[match(BLISTERING, D)], flags=[open_flag])

    assert plan.raise_ == []
    assert [(c.flag_id, c.first_seen, c.last_seen, c.status) for c in plan.update] == [
        (7, D - timedelta(days=2), D, OPEN)
    ]


def test_an_acknowledged_flag_stays_acknowledged_when_seen_again():
    acknowledged = flag(7, BLISTERING, ACKNOWLEDGED, D - timedelta(days=2), D - timedelta(days=2))

    plan = plan_flags(start=D, end=D, matches=[match(BLISTERING, D)], flags=[acknowledged])

    assert [(c.flag_id, c.status) for c in plan.update] == [(7, ACKNOWLEDGED)]


def test_after_a_flag_is_resolved_a_new_match_raises_a_new_one():
    resolved = flag(7, BLISTERING, RESOLVED, D - timedelta(days=5), D - timedelta(days=3))

    plan = plan_flags(start=D, end=D, matches=[match(BLISTERING, D)], flags=[resolved])

    assert [(c.flag_id, c.first_seen) for c in plan.raise_] == [(None, D)]


def test_re_saving_a_day_a_resolved_flag_covered_raises_nothing():
    resolved = flag(7, BLISTERING, RESOLVED, D - timedelta(days=5), D - timedelta(days=3))
    window = (D - timedelta(days=4), D - timedelta(days=4) + timedelta(days=9))

    plan = plan_flags(
        start=window[0], end=window[1], matches=[match(BLISTERING, D - timedelta(days=4))], flags=[resolved]
    )

    assert plan.raise_ == plan.update == plan.withdraw == []


def test_a_flag_whose_condition_no_longer_holds_is_withdrawn():
    open_flag = flag(7, SEVERE_BURNING, OPEN, D, D)

    plan = plan_flags(start=D, end=D + timedelta(days=9), matches=[], flags=[open_flag])

    assert plan.withdraw == [7]


def test_a_flag_shrinks_to_the_days_that_still_match():
    open_flag = flag(7, SEVERE_BURNING, OPEN, D - timedelta(days=2), D)

    plan = plan_flags(
        start=D - timedelta(days=2),
        end=D + timedelta(days=9),
        matches=[match(SEVERE_BURNING, D - timedelta(days=2))],
        flags=[open_flag],
    )

    assert [(c.flag_id, c.first_seen, c.last_seen) for c in plan.update] == [
        (7, D - timedelta(days=2), D - timedelta(days=2))
    ]
    assert plan.withdraw == []


def test_a_flag_that_started_before_the_window_is_only_extended_never_withdrawn():
    long_open = flag(7, SEVERE_BURNING, OPEN, D - timedelta(days=20), D - timedelta(days=15))

    assert plan_flags(start=D, end=D, matches=[], flags=[long_open]).withdraw == []
    plan = plan_flags(start=D, end=D, matches=[match(SEVERE_BURNING, D)], flags=[long_open])
    assert [(c.first_seen, c.last_seen) for c in plan.update] == [(D - timedelta(days=20), D)]


def test_undoing_an_edit_brings_the_withdrawn_flag_back_instead_of_raising_a_second():
    withdrawn = flag(7, BLISTERING, WITHDRAWN, D, D)

    plan = plan_flags(start=D, end=D + timedelta(days=9), matches=[match(BLISTERING, D)], flags=[withdrawn])

    assert plan.raise_ == []
    assert [(c.flag_id, c.status) for c in plan.update] == [(7, OPEN)]


def test_an_unchanged_open_flag_needs_no_write():
    open_flag = flag(7, BLISTERING, OPEN, D, D)

    plan = plan_flags(start=D, end=D + timedelta(days=9), matches=[match(BLISTERING, D)], flags=[open_flag])

    assert plan.raise_ == plan.update == plan.withdraw == []


def test_the_window_stretches_over_the_active_flags_an_edit_can_touch():
    long_open = flag(7, PERSISTENT_BURNING, OPEN, D - timedelta(days=20), D - timedelta(days=1))
    old_open = flag(8, BLISTERING, OPEN, D - timedelta(days=40), D - timedelta(days=30))
    resolved = flag(9, SEVERE_BURNING, RESOLVED, D - timedelta(days=50), D + timedelta(days=1))

    start, end = evaluation_window([D - timedelta(days=2)], [long_open, old_open, resolved], SIGNS)

    assert start == D - timedelta(days=20)
    assert end == D - timedelta(days=2) + timedelta(days=lookback_days(SIGNS))


# --- Property: the persistence walk against a brute-force oracle ----------------------------


def _oracle_run_start(days: dict[date, DayFacts], symptom: int, min_severity: int, on: date) -> date | None:
    """The earliest entry date s such that every entry from s to `on` reports the symptom and no two
    consecutive entries in that span are more than MAX_GAP_DAYS empty days apart (the definition, by search)."""

    def reports(d: date) -> bool:
        return any(r.symptom_id == symptom and r.severity >= min_severity for r in days[d].reactions)

    if on not in days or not reports(on):
        return None
    candidates = sorted(d for d in days if d <= on)
    best = on
    for start in candidates:
        span = [d for d in candidates if d >= start]
        gaps_ok = all((b - a).days - 1 <= MAX_GAP_DAYS for a, b in itertools.pairwise(span))
        if gaps_ok and all(reports(d) for d in span):
            best = min(best, start)
    return best


diaries = st.lists(
    st.one_of(st.none(), st.integers(min_value=0, max_value=3)),  # no entry, or an entry with this severity (0: none)
    min_size=1,
    max_size=40,
)


@settings(max_examples=400, deadline=None)
@given(diary_days=diaries, min_severity=st.integers(min_value=1, max_value=3))
def test_the_persistence_walk_agrees_with_a_brute_force_search(diary_days, min_severity):
    first = date(2026, 1, 1)
    days = {
        first + timedelta(days=n): day(first + timedelta(days=n), *([(BURNING, sev)] if sev else []))
        for n, sev in enumerate(diary_days)
        if sev is not None
    }
    on = first + timedelta(days=len(diary_days) - 1)

    assert symptom_run_start(days, BURNING, min_severity, on) == _oracle_run_start(days, BURNING, min_severity, on)


def _each_rule_against_each_reaction(on, days, courses, signs):
    """The sign matches of a day as the rule reads: every applicable rule tried on every reaction, the most
    specific rule that holds taking the reaction (the plain reading `evaluate_day` must agree with)."""
    from diary.flagging import _sign_holds, _specificity

    in_scope = drugs_in_scope(courses, on)
    chosen = {}
    for reaction in days[on].reactions:
        held = [
            (rule, since)
            for rule in signs
            if rule.drug_id is None or rule.drug_id in in_scope
            for holds, since in [_sign_holds(rule, reaction, days, courses, on)]
            if holds
        ]
        if held:
            rule, since = max(held, key=lambda pair: _specificity(pair[0]))
            chosen.setdefault(rule.key, (rule, [], since))[1].append(reaction)
    return sorted(
        (
            Match(rule=key, urgency=rule.urgency, date=on, reactions=tuple(reactions), present_since=since)
            for key, (rule, reactions, since) in chosen.items()
        ),
        key=lambda m: (-m.urgency, m.rule),
    )


reaction_days = st.lists(
    st.lists(
        st.tuples(st.sampled_from([BURNING, BLISTERS, NO_IMPROVEMENT, FEVER]), st.integers(min_value=1, max_value=3)),
        max_size=6,
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(diary_days=reaction_days, course_age=st.integers(min_value=-2, max_value=40))
def test_a_days_matches_agree_with_trying_every_rule_on_every_reaction(diary_days, course_age):
    first = date(2026, 1, 1)
    days = {first + timedelta(days=n): day(first + timedelta(days=n), *found) for n, found in enumerate(diary_days)}
    on = first + timedelta(days=len(diary_days) - 1)
    courses = [CourseFacts(drug_id=TACROLIMUS, started_on=on - timedelta(days=course_age))]

    assert evaluate_day(on, days, courses, SIGNS, []) == _each_rule_against_each_reaction(on, days, courses, SIGNS)
