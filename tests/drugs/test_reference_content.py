"""The shipped reference tells one story: advice fits its urgency and severity; the guide agrees with the rules."""

from collections import defaultdict
from datetime import date, timedelta

import pytest

from diary import flagging
from drugs.advice import milder_severity_problems, names_severity, time_frames
from drugs.models import AmountLimit, CommonSideEffect, Drug, Severity, Urgency, WarningSign

ON = date(2026, 6, 1)


def _label(rule) -> str:
    return f"{rule.medicine if isinstance(rule, WarningSign) else rule.drug} / {rule} : {rule.advice}"


def test_every_rules_advice_names_the_time_frame_of_its_urgency_and_no_contradicting_one(reference):
    rules = [*WarningSign.objects.select_related("drug", "symptom"), *AmountLimit.objects.select_related("drug")]

    problems = [f"{_label(rule)} -> {problem}" for rule in rules for problem in rule.advice_problems()]

    assert len(rules) == 87
    assert problems == []


def test_every_emergency_rule_says_to_call_emergency_services(reference):
    emergency = WarningSign.objects.filter(urgency=Urgency.EMERGENCY)

    assert emergency.count() >= 7
    assert [rule.advice for rule in emergency if "call emergency services" not in rule.advice.lower()] == []


def test_no_rules_advice_describes_a_milder_severity_than_its_own(reference):
    problems = [
        f"{_label(rule)} -> {problem}"
        for rule in WarningSign.objects.select_related("drug", "symptom")
        for problem in milder_severity_problems(rule.advice, rule.min_severity)
    ]

    assert problems == []


def test_where_severity_changes_what_to_do_the_stricter_rules_advice_names_its_severity(reference):
    by_symptom = defaultdict(list)
    for rule in WarningSign.objects.select_related("drug", "symptom"):
        by_symptom[rule.drug_id, rule.symptom_id].append(rule)

    unnamed = [
        _label(rule)
        for rules in by_symptom.values()
        for rule in rules
        if rule.min_severity > min(r.min_severity for r in rules) and not names_severity(rule.advice, rule.min_severity)
    ]

    assert unnamed == []


def _shown_rules(signs: list[flagging.SignRule], drug: Drug, symptom_id: int, severity: int, history_days: int):
    """The rules whose advice a patient on `drug` reads on reporting the symptom, present `history_days` before."""
    days = {
        ON - timedelta(days=n): flagging.DayFacts(
            date=ON - timedelta(days=n), reactions=(flagging.ReactionFact(symptom_id=symptom_id, severity=severity),)
        )
        for n in range(history_days + 1)
    }
    course = flagging.CourseFacts(drug_id=drug.pk, started_on=ON - timedelta(days=history_days))
    matches = flagging.evaluate_day(ON, days, [course], signs, [])
    return [match.rule for match in matches]


def test_the_advice_shown_for_each_reported_severity_never_describes_a_milder_one(reference):
    rules = {rule.pk: rule for rule in WarningSign.objects.select_related("drug", "symptom")}
    signs = [
        flagging.SignRule(
            id=r.pk,
            drug_id=r.drug_id,
            symptom_id=r.symptom_id,
            min_severity=r.min_severity,
            urgency=r.urgency,
            persists_days=r.persists_days,
            after_course_days=r.after_course_days,
        )
        for r in rules.values()
    ]
    problems, checked = [], 0
    for drug in Drug.objects.all():
        symptoms = {r.symptom_id for r in rules.values() if r.drug_id in (None, drug.pk)}
        for symptom_id in symptoms:
            for severity in Severity:
                # On the first day of a course, and after months of the symptom on a long course.
                for history_days in (0, 150):
                    for _, rule_id in _shown_rules(signs, drug, symptom_id, severity, history_days):
                        checked += 1
                        for problem in milder_severity_problems(rules[rule_id].advice, severity):
                            problems.append(f"{drug} / {severity.label} {rules[rule_id].symptom}: {problem}")

    assert checked > 500
    assert problems == []


def test_severe_blistering_on_tacrolimus_is_a_same_day_call_about_severe_blisters(reference):
    rule = WarningSign.objects.get(reference_key="tacrolimus-ointment/blistering/severity-3")

    assert rule.urgency == Urgency.TODAY
    assert rule.advice.startswith("Severe or spreading blisters")
    assert "today" in rule.advice


@pytest.mark.parametrize("slug", ["tacrolimus-ointment", "pimecrolimus-cream"])
def test_a_herpes_type_eruption_is_a_reason_to_call_in_the_guide_as_in_the_rule(reference, slug):
    rule = WarningSign.objects.get(drug__slug=slug, symptom__code="cold_sores_herpes")
    effect = CommonSideEffect.objects.filter(drug__slug=slug, symptom__code="cold_sores_herpes").first()

    assert rule.urgency == Urgency.TODAY
    assert effect is None or Urgency.TODAY in time_frames(effect.note)


def test_a_common_side_effect_that_a_today_or_emergency_rule_flags_says_so(reference):
    urgent = defaultdict(list)
    for rule in WarningSign.objects.filter(urgency__gte=Urgency.TODAY):
        urgent[rule.drug_id, rule.symptom_id].append(rule)
    silent, checked = [], 0
    for effect in CommonSideEffect.objects.select_related("drug", "symptom"):
        for rule in urgent[effect.drug_id, effect.symptom_id] + urgent[None, effect.symptom_id]:
            checked += 1
            says_when = rule.urgency in time_frames(effect.note)
            if not (says_when and names_severity(effect.note, rule.min_severity)):
                silent.append(f"{effect} ({effect.note}) vs {rule.get_urgency_display()} rule: {rule.advice}")

    assert checked >= 10
    assert silent == []
