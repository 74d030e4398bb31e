"""The checks that keep a rule's advice in line with its urgency and severity (drugs/advice.py)."""

import pytest

from drugs.advice import milder_severity_problems, names_severity, time_frame_problems, time_frames
from drugs.models import Severity, Urgency


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("Call emergency services now.", Urgency.EMERGENCY),
        ("Go to the emergency department now.", Urgency.EMERGENCY),
        ("Contact your clinician today.", Urgency.TODAY),
        ("Get a same-day check.", Urgency.TODAY),
        ("Contact your clinician within 1 to 3 days.", Urgency.SOON),
        ("Contact your clinician within 1\u20133 days.", Urgency.SOON),
        ("Contact your clinician within a day or two.", Urgency.SOON),
        ("Book to be seen in the next few days.", Urgency.SOON),
        ("Mention it at your next appointment.", Urgency.ROUTINE),
        ("Raise it at your next review.", Urgency.ROUTINE),
    ],
)
def test_each_time_frame_belongs_to_one_urgency(text, urgency):
    assert time_frames(text) == {urgency}


def test_a_time_frame_that_fits_the_urgency_passes():
    advice = "Severe burning: stop and contact your clinician within a day or two."

    assert time_frame_problems(advice, Urgency.SOON) == []


def test_a_next_appointment_in_a_today_rule_fails():
    problems = time_frame_problems("Mention it at your next appointment.", Urgency.TODAY)

    assert any("routine" in problem for problem in problems)
    assert any("contact your clinician today" in problem for problem in problems)


def test_a_day_or_two_in_a_today_rule_fails():
    assert time_frame_problems("Stop and contact your clinician within a day or two.", Urgency.TODAY)


def test_an_emergency_rule_must_say_to_call_emergency_services():
    assert time_frame_problems("Stop the medicine and seek help now.", Urgency.EMERGENCY) == [
        "does not say when to act: an emergency rule says “call emergency services now”"
    ]


def test_advice_that_names_no_time_frame_fails():
    assert time_frame_problems("Tell your clinician.", Urgency.SOON)


def test_an_if_sentence_may_escalate_to_a_more_urgent_band():
    advice = "Contact your clinician today. If your face or throat swells, call emergency services now."

    assert time_frame_problems(advice, Urgency.TODAY) == []


def test_an_escalation_must_be_conditional():
    advice = "Contact your clinician today. Call emergency services now."

    assert time_frame_problems(advice, Urgency.TODAY)


def test_an_if_sentence_may_not_lower_the_urgency():
    advice = "Call emergency services now. If it is mild, mention it at your next appointment."

    assert time_frame_problems(advice, Urgency.EMERGENCY)


@pytest.mark.parametrize(
    ("text", "severity", "fails"),
    [
        ("New crusting or small blisters on treated skin.", Severity.SEVERE, True),
        ("New crusting or small blisters on treated skin.", Severity.MODERATE, True),
        ("New crusting or small blisters on treated skin.", Severity.MILD, False),
        ("Mild burning is common.", Severity.SEVERE, True),
        ("Moderate burning that lasts.", Severity.SEVERE, True),
        ("Moderate burning that lasts.", Severity.MODERATE, False),
        ("Moderate or severe signs of infection.", Severity.SEVERE, False),
        ("Severe burning: stop for now.", Severity.SEVERE, False),
    ],
)
def test_advice_may_not_describe_a_milder_symptom_than_it_is_shown_for(text, severity, fails):
    assert bool(milder_severity_problems(text, severity)) is fails


def test_a_rule_names_its_severity():
    assert names_severity("Severe burning: stop for now.", Severity.SEVERE)
    assert not names_severity("Burning: stop for now.", Severity.SEVERE)
    assert names_severity("Moderate or severe signs of infection.", Severity.MODERATE)
    assert names_severity("Any burning.", Severity.MILD)
