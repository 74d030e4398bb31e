"""Which warning-sign rules an entry matches, and what that means for the patient's flags.

Pure functions over plain data: no database, no clock. `diary.services` loads the facts,
calls these and writes the result. docs/flagging.md states the rules as implemented; where a rule's
wording left a choice open, the reading chosen is written there and next to the code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from diary import scores as score_defs

# A drug-specific rule keeps applying this many days after the course ended.
COURSE_GRACE_DAYS = 14
# A persistence run survives this many calendar days without any entry; a longer gap ends it.
MAX_GAP_DAYS = 2
# Amount rules add up the grams applied in this many days, ending on the entry date.
AMOUNT_WINDOW_DAYS = 7

RuleKind = Literal["sign", "limit", "score"]
RuleKey = tuple[RuleKind, int]

OPEN = "open"
ACKNOWLEDGED = "acknowledged"
RESOLVED = "resolved"
WITHDRAWN = "withdrawn"
ACTIVE_STATUSES = frozenset({OPEN, ACKNOWLEDGED})


@dataclass(frozen=True)
class ReactionFact:
    symptom_id: int
    severity: int
    body_area_id: int | None = None
    reaction_id: int | None = None


@dataclass(frozen=True)
class DayFacts:
    """What one diary entry holds, as far as the rules care."""

    date: date
    reactions: tuple[ReactionFact, ...] = ()
    grams_by_drug: Mapping[int, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class CourseFacts:
    drug_id: int
    started_on: date
    ended_on: date | None = None


@dataclass(frozen=True)
class SignRule:
    id: int
    drug_id: int | None
    symptom_id: int
    min_severity: int
    urgency: int
    persists_days: int | None = None
    after_course_days: int | None = None

    @property
    def key(self) -> RuleKey:
        return ("sign", self.id)


@dataclass(frozen=True)
class LimitRule:
    id: int
    drug_id: int
    max_grams_per_week: Decimal
    urgency: int

    @property
    def key(self) -> RuleKey:
        return ("limit", self.id)


@dataclass(frozen=True)
class Match:
    """One rule matched on one entry date, with what it rests on."""

    rule: RuleKey
    urgency: int
    date: date
    reactions: tuple[ReactionFact, ...] = ()
    present_since: date | None = None  # first day of the symptom run (persistence rules)
    grams: Decimal | None = None  # grams in the 7-day window (amount rules)
    scores: tuple[tuple[date, int], ...] = ()  # the scores behind a score-change rule, oldest first


# --- Evaluating one entry -------------------------------------------------------------------


def drugs_in_scope(courses: Iterable[CourseFacts], on: date) -> set[int]:
    """Drugs whose rules apply on a date: a course started by then and not ended over 14 days before."""
    return {
        course.drug_id
        for course in courses
        if course.started_on <= on and (course.ended_on is None or (on - course.ended_on).days <= COURSE_GRACE_DAYS)
    }


def course_started_days_before(courses: Iterable[CourseFacts], drug_id: int | None, on: date, days: int) -> bool:
    """A course in scope on the date (of the drug, or of any drug) started at least `days` days before it."""
    in_scope = drugs_in_scope(courses, on)
    return any(
        course.started_on <= on - timedelta(days=days)
        for course in courses
        if course.drug_id in in_scope and (drug_id is None or course.drug_id == drug_id)
    )


def _reports(day: DayFacts, symptom_id: int, min_severity: int) -> bool:
    return any(r.symptom_id == symptom_id and r.severity >= min_severity for r in day.reactions)


def symptom_run_start(days: Mapping[date, DayFacts], symptom_id: int, min_severity: int, on: date) -> date | None:
    """First day of the unbroken run of entries reporting the symptom that ends on `on`.

    Walks back over the entries: the run continues while each entry reports the symptom at
    min_severity or more, and stops at an entry that does not, or at a gap of more than
    MAX_GAP_DAYS calendar days with no entry at all. None if `on` itself does not report the symptom.
    """
    today = days.get(on)
    if today is None or not _reports(today, symptom_id, min_severity):
        return None
    start, gap, day = on, 0, on - timedelta(days=1)
    while True:
        entry = days.get(day)
        if entry is None:
            gap += 1
            if gap > MAX_GAP_DAYS:
                break
        elif _reports(entry, symptom_id, min_severity):
            start, gap = day, 0
        else:
            break
        day -= timedelta(days=1)
    return start


def grams_in_week(days: Mapping[date, DayFacts], drug_id: int, on: date) -> Decimal:
    """Grams of the drug applied in the 7 days ending on `on`."""
    first = on - timedelta(days=AMOUNT_WINDOW_DAYS - 1)
    return sum(
        (day.grams_by_drug.get(drug_id, Decimal(0)) for d, day in days.items() if first <= d <= on),
        Decimal(0),
    )


def _specificity(rule: SignRule) -> tuple:
    # Among equally urgent rules that match one reaction, keep the most specific one
    # (drug-specific, then stricter severity, then longer persistence / course), then the oldest.
    return (
        rule.urgency,
        rule.drug_id is not None,
        rule.min_severity,
        rule.persists_days or 0,
        rule.after_course_days or 0,
        -rule.id,
    )


def _sign_holds(
    rule: SignRule, reaction: ReactionFact, days: Mapping[date, DayFacts], courses: Sequence[CourseFacts], on: date
) -> tuple[bool, date | None]:
    if reaction.symptom_id != rule.symptom_id or reaction.severity < rule.min_severity:
        return False, None
    if rule.after_course_days is not None and not course_started_days_before(
        courses, rule.drug_id, on, rule.after_course_days
    ):
        return False, None
    if rule.persists_days is None:
        return True, None
    # The whole run, not just enough of it: "present since" is the run's true first day.
    start = symptom_run_start(days, rule.symptom_id, rule.min_severity, on)
    if start is None or (on - start).days + 1 < rule.persists_days:
        return False, None
    return True, start


def evaluate_day(
    on: date,
    days: Mapping[date, DayFacts],
    courses: Sequence[CourseFacts],
    signs: Iterable[SignRule],
    limits: Iterable[LimitRule],
) -> list[Match]:
    """Every rule the entry on `on` matches, most urgent first; nothing if there is no entry that day.

    `days` must hold the patient's entries from at least `lookback_days(signs)` before `on`.
    Each reaction counts towards one rule only: the most urgent of those it matches.
    """
    day = days.get(on)
    if day is None:
        return []
    in_scope = drugs_in_scope(courses, on)
    # Only a rule of the reaction's symptom can hold for it (`_sign_holds`' first test), and whether it holds
    # depends on the reaction only through that test: each rule is worked out once a day, however many
    # reactions of its symptom the day has.
    applicable: dict[int, list[SignRule]] = {}
    for sign in signs:
        if sign.drug_id is None or sign.drug_id in in_scope:
            applicable.setdefault(sign.symptom_id, []).append(sign)
    held: dict[SignRule, tuple[bool, date | None]] = {}

    chosen: dict[RuleKey, tuple[SignRule, list[ReactionFact], date | None]] = {}
    for reaction in day.reactions:
        best: tuple[SignRule, date | None] | None = None
        for rule in applicable.get(reaction.symptom_id, ()):
            if reaction.severity < rule.min_severity:
                continue
            if rule not in held:
                held[rule] = _sign_holds(rule, reaction, days, courses, on)
            holds, since = held[rule]
            if holds and (best is None or _specificity(rule) > _specificity(best[0])):
                best = (rule, since)
        if best is not None:
            rule, since = best
            _, reactions, _ = chosen.setdefault(rule.key, (rule, [], since))
            reactions.append(reaction)

    matches = [
        Match(rule=key, urgency=rule.urgency, date=on, reactions=tuple(reactions), present_since=since)
        for key, (rule, reactions, since) in chosen.items()
    ]
    for limit in limits:
        if limit.drug_id not in in_scope:
            continue
        grams = grams_in_week(days, limit.drug_id, on)
        if grams > limit.max_grams_per_week:
            matches.append(Match(rule=limit.key, urgency=limit.urgency, date=on, grams=grams))
    return sorted(matches, key=lambda m: (-m.urgency, m.rule))


def lookback_days(signs: Iterable[SignRule]) -> int:
    """How many days before an entry its evaluation may look at."""
    longest_run = max((s.persists_days or 0 for s in signs), default=0)
    # A run of N days needs the N-1 days before; allow the gap tolerance on top.
    return max(longest_run + MAX_GAP_DAYS, AMOUNT_WINDOW_DAYS)


# --- From matches to flags ------------------------------------------------------------------


@dataclass(frozen=True)
class FlagState:
    """An existing flag, as far as episodes care."""

    id: int
    rule: RuleKey
    status: str
    first_seen: date
    last_seen: date


@dataclass(frozen=True)
class FlagChange:
    """Raise a new flag (flag_id None), or move an existing one to these dates and status."""

    rule: RuleKey
    first_seen: date
    last_seen: date
    matches: tuple[Match, ...]
    flag_id: int | None = None
    status: str = OPEN


@dataclass
class FlagPlan:
    raise_: list[FlagChange] = field(default_factory=list)
    update: list[FlagChange] = field(default_factory=list)
    withdraw: list[int] = field(default_factory=list)
    # Active flags whose dates and status stay as they are, with their matches as they now stand:
    # the caller rewrites their evidence if it differs (a day edited, added or emptied between them).
    refresh: list[FlagChange] = field(default_factory=list)


def evaluation_window(
    changed: Iterable[date], flags: Iterable[FlagState], signs: Iterable[SignRule]
) -> tuple[date, date]:
    """The dates to re-evaluate after entries on `changed` dates were saved or deleted.

    An entry's evaluation looks back at most `lookback_days`, so a change reaches that far
    forward; the window also stretches to hold whole every active flag it could touch.
    """
    changed = sorted(changed)
    start, end = changed[0], changed[-1] + timedelta(days=lookback_days(signs))
    for flag in flags:
        if flag.status in ACTIVE_STATUSES and flag.last_seen >= changed[0]:
            start, end = min(start, flag.first_seen), max(end, flag.last_seen)
    return start, end


def plan_flags(*, start: date, end: date, matches: Iterable[Match], flags: Iterable[FlagState]) -> FlagPlan:
    """Turn the matches of every entry from `start` to `end` (all re-evaluated) into flag changes.

    The window must hold every date whose evaluation changed, and wholly contain every active
    flag whose last-seen date is on or after the earliest of them (`evaluation_window` does that).

    - Episodes: at most one open or acknowledged flag per rule; later matches move its
      last-seen date instead of raising another.
    - A match on a day a resolved flag of the rule already covered was reviewed: it raises nothing.
      Any other match with no active flag raises a new one (after resolution, a new episode).
    - An active flag lying wholly within the window whose rule no longer matches is withdrawn;
      one withdrawn earlier within the window comes back (status open) if its rule matches again,
      so undoing an edit does not raise a second flag.
    """
    by_rule: dict[RuleKey, list[Match]] = {}
    for match in matches:
        if start <= match.date <= end:
            by_rule.setdefault(match.rule, []).append(match)
    flags_by_rule: dict[RuleKey, list[FlagState]] = {}
    for flag in flags:
        flags_by_rule.setdefault(flag.rule, []).append(flag)

    plan = FlagPlan()
    for rule in sorted(set(by_rule) | set(flags_by_rule)):
        rule_flags = flags_by_rule.get(rule, [])
        resolved = [f for f in rule_flags if f.status == RESOLVED]
        fresh = sorted(
            (m for m in by_rule.get(rule, []) if not any(f.first_seen <= m.date <= f.last_seen for f in resolved)),
            key=lambda m: m.date,
        )
        active = max((f for f in rule_flags if f.status in ACTIVE_STATUSES), key=lambda f: f.id, default=None)
        within = active is not None and start <= active.first_seen and active.last_seen <= end
        if active is not None:
            if fresh:
                first = fresh[0].date if within else min(active.first_seen, fresh[0].date)
                last = fresh[-1].date if within else max(active.last_seen, fresh[-1].date)
                change = FlagChange(rule, first, last, tuple(fresh), active.id, active.status)
                if (first, last) != (active.first_seen, active.last_seen):
                    plan.update.append(change)
                else:
                    plan.refresh.append(change)
            elif within:
                plan.withdraw.append(active.id)
        elif fresh:
            withdrawn = [f for f in rule_flags if f.status == WITHDRAWN and start <= f.first_seen <= end]
            revived = max(withdrawn, key=lambda f: f.id, default=None)
            change = FlagChange(
                rule, fresh[0].date, fresh[-1].date, tuple(fresh), revived.id if revived else None, OPEN
            )
            (plan.update if revived else plan.raise_).append(change)
    return plan


# --- Score changes ---------------------------------------------------------------------------
# Validated scores (diary.scores) raise flags through the same episodes as warning signs: each
# score rule has a fixed key ("score", n), and its matches go through `plan_flags` like the others.

URGENCY_ROUTINE = 1
URGENCY_SOON = 2


@dataclass(frozen=True)
class ScoreRule:
    id: int
    code: str
    urgency: int
    text: str
    advice: str

    @property
    def key(self) -> RuleKey:
        return ("score", self.id)

    @property
    def summary(self) -> str:
        """The rule in one plain sentence, as the warning-sign and amount rules' `summary`."""
        return self.text


POEM_RISE_RULE = ScoreRule(
    1,
    "poem_rise",
    URGENCY_SOON,
    f"POEM up by {score_defs.POEM_RISE} or more since the previous score",
    "Your eczema score has risen noticeably since last time. Contact your clinician within a few days.",
)
POEM_SEVERE_RULE = ScoreRule(
    2,
    "poem_severe",
    URGENCY_SOON,
    "POEM entered the severe or very severe band",
    "Your eczema score is in the severe range. Contact your clinician within a few days.",
)
ITCH_RUN_RULE = ScoreRule(
    3,
    "itch_run",
    URGENCY_ROUTINE,
    f"Peak itch {score_defs.HIGH_ITCH} or more on {score_defs.HIGH_ITCH_DAYS} days in a row",
    "Your itch has been strong for several days. Mention it at your next appointment or in a message.",
)
SCORE_RULES = {rule.id: rule for rule in (POEM_RISE_RULE, POEM_SEVERE_RULE, ITCH_RUN_RULE)}


def _band_rank(total: int) -> int:
    band = score_defs.poem_band(total)
    return next(n for n, b in enumerate(score_defs.POEM_BANDS) if b == band)


def evaluate_scores(on: date, *, itch: Mapping[date, int | None], poems: Mapping[date, int | None]) -> list[Match]:
    """The score-change rules matched on `on`, most urgent first.

    - POEM up by POEM_RISE or more since the patient's previous POEM score (unscored questionnaires are skipped).
    - POEM entering the severe or very severe band: the first score in it, or a move up into a worse band.
    - Peak itch at HIGH_ITCH or more on HIGH_ITCH_DAYS calendar days in a row ending on `on` (a day without
      a peak-itch score breaks the run).
    `poems` must hold every earlier POEM total; `itch` the HIGH_ITCH_DAYS - 1 days before `on`.
    """
    matches: list[Match] = []
    total = poems.get(on)
    if total is not None:
        earlier = [(d, t) for d, t in poems.items() if d < on and t is not None]
        previous = max(earlier, default=None)
        if previous is not None and total - previous[1] >= score_defs.POEM_RISE:
            matches.append(Match(POEM_RISE_RULE.key, POEM_RISE_RULE.urgency, on, scores=(previous, (on, total))))
        band = score_defs.poem_band(total)
        worse = previous is None or _band_rank(total) > _band_rank(previous[1])
        if band.code in score_defs.POEM_SEVERE_BANDS and worse:
            shown = (previous, (on, total)) if previous else ((on, total),)
            matches.append(Match(POEM_SEVERE_RULE.key, POEM_SEVERE_RULE.urgency, on, scores=shown))
    run = [on - timedelta(days=n) for n in range(score_defs.HIGH_ITCH_DAYS - 1, -1, -1)]
    if all((itch.get(day) or 0) >= score_defs.HIGH_ITCH for day in run):
        matches.append(
            Match(ITCH_RUN_RULE.key, ITCH_RUN_RULE.urgency, on, scores=tuple((day, itch[day]) for day in run))
        )
    return sorted(matches, key=lambda m: (-m.urgency, m.rule))
