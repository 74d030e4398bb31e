"""Warning-sign flags: re-evaluating a patient's diary against the rules, and the dermatologist's review.

`diary.services` calls `flags_reevaluate` after every write that changes what a diary says; the
rules themselves are pure functions in `diary.flagging`.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from diary import flagging, notifications
from diary.amounts import format_amount
from diary.models import Application, Entry, Flag, Patient, PoemScore, Reaction, Severity, Treatment
from drugs.caching import for_reference
from drugs.models import AmountLimit, Urgency, WarningSign
from drugs.selectors import reference_version
from prepared import prepared


def _sign_rule(sign: WarningSign) -> flagging.SignRule:
    return flagging.SignRule(
        id=sign.pk,
        drug_id=sign.drug_id,
        symptom_id=sign.symptom_id,
        min_severity=sign.min_severity,
        urgency=sign.urgency,
        persists_days=sign.persists_days,
        after_course_days=sign.after_course_days,
    )


def _limit_rule(limit: AmountLimit) -> flagging.LimitRule:
    return flagging.LimitRule(
        id=limit.pk, drug_id=limit.drug_id, max_grams_per_week=limit.max_grams_per_week, urgency=limit.urgency
    )


def _flag_state(flag: Flag) -> flagging.FlagState | None:
    if flag.score_rule:
        rule: flagging.RuleKey = ("score", flag.score_rule)
    elif flag.warning_sign_id:
        rule = ("sign", flag.warning_sign_id)
    elif flag.amount_limit_id:
        rule = ("limit", flag.amount_limit_id)
    else:
        return None  # its rule was deleted in admin: the flag stays as it is
    return flagging.FlagState(
        id=flag.pk, rule=rule, status=flag.status, first_seen=flag.first_seen, last_seen=flag.last_seen
    )


def _flag_states(flags: Iterable[Flag]) -> list[flagging.FlagState]:
    return [state for state in map(_flag_state, flags) if state is not None]


@dataclass(frozen=True)
class _ReactionNames:
    """What a flag's evidence shows of a reaction."""

    symptom: str
    severity: int
    body_area: str


# What a re-evaluation reads on every save, as prepared reads (prepared/: the SQL built once per process).


@prepared
def _entry_facts(*, patient_id: int, first: datetime.date, last: datetime.date):
    return Entry.objects.filter(patient_id=patient_id, date__range=(first, last)).values_list("pk", "date", "itch")


@prepared
def _poem_facts(*, patient_id: int, last: datetime.date):
    return PoemScore.objects.filter(patient_id=patient_id, date__lte=last).order_by("date").values_list("date", "total")


@prepared
def _application_facts(*, patient_id: int, first: datetime.date, last: datetime.date):
    applications = Application.objects.filter(entry__patient_id=patient_id, entry__date__range=(first, last))
    return applications.values_list("entry_id", "treatment__drug_id", "amount", "unit")


@prepared
def _reaction_facts(*, patient_id: int, first: datetime.date, last: datetime.date):
    reactions = Reaction.objects.filter(entry__patient_id=patient_id, entry__date__range=(first, last))
    return reactions.order_by(*Reaction._meta.ordering).values_list(
        "pk", "entry_id", "symptom_id", "severity", "body_area_id", "symptom__name", "body_area__name"
    )


@prepared
def _active_flags(*, patient_id: int):
    return Flag.objects.filter(patient_id=patient_id).active()


@prepared
def _recent_closed_flags(*, patient_id: int, start: datetime.date):
    return Flag.objects.filter(patient_id=patient_id, last_seen__gte=start).exclude(status__in=Flag.ACTIVE)


@prepared
def _course_facts(*, patient_id: int):
    return Treatment.objects.filter(patient_id=patient_id).values_list("drug_id", "started_on", "ended_on")


class _Facts:
    """The patient's diary between two dates, loaded once, as the rules see it and with names for evidence.

    Three flat reads of plain values (no model instances): this runs on every save, over up to a
    whole diary when a long symptom run needs it.
    """

    def __init__(self, patient: Patient, first: datetime.date, last: datetime.date):
        in_range = {"patient_id": patient.pk, "first": first, "last": last}
        self.entry_ids: dict[datetime.date, int] = {}
        self.itch: dict[datetime.date, int | None] = {}
        dates: dict[int, datetime.date] = {}
        for pk, date, itch in _entry_facts(**in_range):
            self.entry_ids[date], self.itch[date], dates[pk] = pk, itch, date
        # Every POEM total up to `last`: a rise is measured against the previous score, however long ago.
        self.poems = dict(_poem_facts(patient_id=patient.pk, last=last))
        grams: dict[datetime.date, dict[int, Decimal]] = {date: {} for date in self.entry_ids}
        for entry_id, drug_id, amount, unit in _application_facts(**in_range):
            day = grams[dates[entry_id]]
            day[drug_id] = day.get(drug_id, Decimal(0)) + Application.grams_of(amount, unit)
        reactions: dict[datetime.date, list[flagging.ReactionFact]] = {date: [] for date in self.entry_ids}
        self.reactions: dict[int, _ReactionNames] = {}
        for pk, entry_id, symptom_id, severity, body_area_id, symptom, body_area in _reaction_facts(**in_range):
            self.reactions[pk] = _ReactionNames(symptom, severity, body_area or "")
            reactions[dates[entry_id]].append(flagging.ReactionFact(symptom_id, severity, body_area_id, pk))
        self.days: dict[datetime.date, flagging.DayFacts] = {
            date: flagging.DayFacts(date, tuple(reactions[date]), grams[date]) for date in self.entry_ids
        }

    def evidence_day(self, match: flagging.Match) -> dict:
        day: dict = {"date": match.date.isoformat(), "reactions": []}
        for fact in match.reactions:
            reaction = self.reactions[fact.reaction_id]
            day["reactions"].append(
                {
                    "symptom": reaction.symptom,
                    "severity": reaction.severity,
                    "severity_label": Severity(reaction.severity).label,
                    "body_area": reaction.body_area,
                }
            )
        if match.present_since:
            day["present_since"] = match.present_since.isoformat()
        if match.grams is not None:
            day["grams"] = format_amount(match.grams)
        if match.scores:
            day["scores"] = [{"date": d.isoformat(), "score": score} for d, score in match.scores]
        return day


def _evidence(old: dict, change: flagging.FlagChange, facts: _Facts, start, end, rule, advice: str) -> dict:
    """Matched days re-evaluated now, plus the days outside the window that the flag already held within its new
    dates (a withdrawn flag that comes back for an earlier episode drops the days it held when it was withdrawn)."""
    window = (start.isoformat(), end.isoformat())
    dates = (change.first_seen.isoformat(), change.last_seen.isoformat())
    kept = [
        d for d in old.get("days", []) if not window[0] <= d["date"] <= window[1] and dates[0] <= d["date"] <= dates[1]
    ]
    days = sorted(kept + [facts.evidence_day(m) for m in change.matches], key=lambda d: d["date"])
    return {"rule": rule.summary, "advice": advice, "urgency": Urgency(rule.urgency).label, "days": days}


def _matches(facts: _Facts, start, end, courses, sign_rules, limit_rules) -> list[flagging.Match]:
    return [
        match
        for day in sorted(facts.days)
        if start <= day <= end
        for match in flagging.evaluate_day(day, facts.days, courses, sign_rules, limit_rules)
    ]


def _rules() -> tuple[list[flagging.SignRule], list[flagging.LimitRule]]:
    return [_sign_rule(s) for s in WarningSign.objects.all()], [_limit_rule(a) for a in AmountLimit.objects.all()]


# The warning signs and amount limits, as the evaluation takes them.
Rules = tuple[list[flagging.SignRule], list[flagging.LimitRule]]


def rules_now() -> Rules:
    """The warning signs and amount limits as the evaluation takes them: read once per reference version.

    Every save evaluates them; the reference version (one small read) says whether the copy is current, so a
    rule edited in admin applies from the next save in every process.
    """
    return for_reference("flag-rules", version=reference_version(), compute=_rules)


def _take_turns(patient: Patient) -> None:
    """Re-evaluations of one patient run one at a time, each seeing every write committed before its turn. On
    PostgreSQL each statement sees what was committed when it began, so two writes to one diary at once (two devices,
    the offline queue while the Today form posts) would each read the other's rows half-way (a reaction without its
    day's entry) and judge the diary without the other's write: the patient's row is locked until the transaction
    ends, and the later writer's re-evaluation, which waits for it, sees both. SQLite's single writer already runs
    them one at a time (no statement is run there)."""
    if connection.features.has_select_for_update:
        # Unordered: the model's ordering by user name would join (and lock) the user's row too.
        list(Patient.objects.select_for_update().filter(pk=patient.pk).order_by().values_list("pk"))


@transaction.atomic(savepoint=False)
def flags_reevaluate(
    *, patient: Patient, dates: Iterable[datetime.date], notify: bool = True, rules: Rules | None = None
) -> list[Flag]:
    """Check the days a change can affect against the warning-sign rules and raise, update or withdraw flags.

    Runs in the caller's transaction (no savepoint of its own: a failure fails the caller's write with it).
    `rules`: `rules_now()` if the caller read them before taking the write lock. E-mails for new
    `today`/`emergency` flags go after it commits. Returns the flags raised, changed or withdrawn.
    """
    dates = set(dates)
    if not dates:
        return []
    sign_rules, limit_rules = rules if rules is not None else rules_now()
    _take_turns(patient)
    active = _active_flags(patient_id=patient.pk)
    start, end = flagging.evaluation_window(dates, _flag_states(active), sign_rules)
    end = min(end, max(patient.today(), max(dates)))
    others = _recent_closed_flags(patient_id=patient.pk, start=start)
    flags = {f.pk: f for f in [*active, *others]}

    courses = [
        flagging.CourseFacts(drug_id, started_on, ended_on)
        for drug_id, started_on, ended_on in _course_facts(patient_id=patient.pk)
    ]
    first = start - datetime.timedelta(days=flagging.lookback_days(sign_rules))
    facts = _Facts(patient, first, end)
    matches = _matches(facts, start, end, courses, sign_rules, limit_rules)
    if any(m.present_since and (m.present_since - first).days <= flagging.MAX_GAP_DAYS for m in matches):
        # A symptom run reaches the edge of what was loaded: load the whole diary so that
        # "present since" is the run's true first day (rare: only long persisting symptoms).
        facts = _Facts(patient, datetime.date.min, end)
        matches = _matches(facts, start, end, courses, sign_rules, limit_rules)
    matches += [
        match
        for day in sorted(set(facts.days) | set(facts.poems))
        if start <= day <= end
        for match in flagging.evaluate_scores(day, itch=facts.itch, poems=facts.poems)
    ]
    plan = flagging.plan_flags(start=start, end=end, matches=matches, flags=_flag_states(flags.values()))
    # The rules' rows (wording, advice, drug) only for the flags that change: none on most saves.
    changes = [*plan.raise_, *plan.update, *plan.refresh]
    # With the medicine and symptom their wording names: one read each, inside the write lock.
    sign_ids = [rule_id for (kind, rule_id) in (c.rule for c in changes) if kind == "sign"]
    limit_ids = [rule_id for (kind, rule_id) in (c.rule for c in changes) if kind == "limit"]
    signs = WarningSign.objects.select_related("drug", "symptom").in_bulk(sign_ids)
    limits = AmountLimit.objects.select_related("drug").in_bulk(limit_ids)

    changed: list[Flag] = []
    for change in plan.raise_ + plan.update:
        kind, rule_id = change.rule
        rule = {"sign": signs, "limit": limits, "score": flagging.SCORE_RULES}[kind][rule_id]
        flag = flags.get(change.flag_id) or Flag(
            patient=patient,
            warning_sign=rule if kind == "sign" else None,
            amount_limit=rule if kind == "limit" else None,
            score_rule=rule_id if kind == "score" else None,
            drug=None if kind == "score" else rule.drug,
            urgency=rule.urgency,
            rule_text=rule.summary,
            advice=rule.advice,
            notification=(
                Flag.Notification.PENDING if notify and rule.urgency >= Urgency.TODAY else Flag.Notification.NOT_NEEDED
            ),
        )
        flag.status = change.status
        flag.first_seen, flag.last_seen = change.first_seen, change.last_seen
        flag.entry_id = facts.entry_ids.get(change.first_seen) or flag.entry_id
        flag.evidence = _evidence(flag.evidence, change, facts, start, end, rule, flag.advice)
        flag.save()
        changed.append(flag)
    for change in plan.refresh:
        # Same dates and status: the evidence may still differ (a day added, edited or emptied between them).
        kind, rule_id = change.rule
        flag = flags[change.flag_id]
        evidence = _evidence(
            flag.evidence,
            change,
            facts,
            start,
            end,
            {"sign": signs, "limit": limits, "score": flagging.SCORE_RULES}[kind][rule_id],
            flag.advice,
        )
        if evidence != flag.evidence:
            flag.evidence = evidence
            flag.save(update_fields=["evidence", "updated"])
            changed.append(flag)
    if plan.withdraw:
        Flag.objects.filter(pk__in=plan.withdraw).update(status=Flag.Status.WITHDRAWN, updated=timezone.now())

    if any(f.notification == Flag.Notification.PENDING for f in changed):
        transaction.on_commit(lambda: notifications.send_pending(patient=patient), robust=True)
    return changed + (list(Flag.objects.filter(pk__in=plan.withdraw)) if plan.withdraw else [])


@transaction.atomic
def flags_reevaluate_all(*, patient: Patient, notify: bool = True) -> int:
    """Re-check the patient's whole diary (after rules changed); return how many flags changed."""
    dates = set(patient.entries.values_list("date", flat=True))
    dates |= set(patient.flags.active().values_list("first_seen", flat=True))
    dates |= set(patient.poem_scores.values_list("date", flat=True))
    return len(flags_reevaluate(patient=patient, dates=dates, notify=notify))


@transaction.atomic
def flag_acknowledge(*, flag: Flag, reviewer, note: str = "", internal_note: str = "") -> Flag:
    """The dermatologist has seen an open flag; it stays in the queue until resolved."""
    if flag.status != Flag.Status.OPEN:
        raise ValidationError(
            f"Only an open flag can be acknowledged; this one is {flag.get_status_display().lower()}."
        )
    return _review(
        flag=flag, reviewer=reviewer, note=note, internal_note=internal_note, status=Flag.Status.ACKNOWLEDGED
    )


@transaction.atomic
def flag_resolve(*, flag: Flag, reviewer, note: str, internal_note: str = "") -> Flag:
    """The dermatologist has dealt with a flag; a later match of its rule raises a new one."""
    if flag.status not in Flag.ACTIVE:
        raise ValidationError(
            f"Only an open or acknowledged flag can be resolved; this one is {flag.get_status_display().lower()}."
        )
    if not note.strip():
        raise ValidationError("Write a short note for the patient (they read it) when resolving a flag.")
    return _review(flag=flag, reviewer=reviewer, note=note, internal_note=internal_note, status=Flag.Status.RESOLVED)


def _review(*, flag: Flag, reviewer, note: str, internal_note: str, status: str) -> Flag:
    flag.status = status
    flag.reviewer = reviewer
    flag.reviewed_at = timezone.now()
    if note.strip():
        flag.review_note = note.strip()
    if internal_note.strip():
        flag.internal_note = internal_note.strip()
    flag.save(update_fields=["status", "reviewer", "reviewed_at", "review_note", "internal_note", "updated"])
    return flag


@transaction.atomic
def flag_help_record(*, patient: Patient, flag: Flag, answer: str) -> Flag:
    """The patient's answer, after an emergency alert, to "Did you get help?", kept for the dermatologist."""
    if flag.patient_id != patient.pk:
        raise ValidationError("This alert is not yours.")
    if flag.urgency != Urgency.EMERGENCY:
        raise ValidationError("Only an emergency alert asks whether you got help.")
    if answer not in Flag.Help.values:
        raise ValidationError("Choose one of the answers.")
    flag.patient_help = answer
    flag.patient_help_at = timezone.now()
    flag.save(update_fields=["patient_help", "patient_help_at", "updated"])
    return flag
