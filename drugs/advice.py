"""Checks that a rule's advice agrees with its urgency and with the severity it is shown for.

The patient reads the advice under a heading that states the urgency ("Contact your clinician
today"); advice that names another time frame ("at your next appointment") or a milder severity
("small blisters" for severe blistering) contradicts it. These checks run on every rule from the
reference file (tests) and on every rule saved in admin (model validation).
"""

import re

from drugs.models import Severity, Urgency

# The time frames a patient may read in advice, by the urgency band they belong to.
TIME_FRAMES: dict[Urgency, tuple[str, ...]] = {
    Urgency.EMERGENCY: (
        r"\bcall emergency services\b",
        r"\bemergency department\b",
        r"\bemergency care\b",
        r"\bambulance\b",
    ),
    Urgency.TODAY: (r"\btoday\b", r"\bsame[- ]day\b", r"\btonight\b"),
    Urgency.SOON: (
        r"\bwithin (?:about )?(?:1|one) ?(?:to|-|\u2013) ?(?:3|three) days\b",
        r"\b(?:a|one) day or two\b",
        r"\b(?:next|within a) few days\b",
        r"\bpromptly\b",
    ),
    Urgency.ROUTINE: (
        r"\bnext (?:planned )?(?:appointment|visit|review|contact|check-?up)\b",
        r"\bfollow-?up\b",
        r"\bwhen (?:it is )?convenient\b",
        r"\bnon-urgent\b",
    ),
}

# What each band's advice must say, in the words of the heading the patient sees above it.
REQUIRED_WORDING = {
    Urgency.EMERGENCY: "call emergency services now",
    Urgency.TODAY: "contact your clinician today",
    Urgency.SOON: "contact your clinician within 1 to 3 days",
    Urgency.ROUTINE: "mention it at your next appointment",
}

# Words that describe a severity, by the severity they describe. "Moderate or severe" names a range
# that reaches severe, so it is not a milder description.
SEVERITY_WORDS: dict[Severity, str] = {
    Severity.MILD: r"\b(?:mild|mildly|slight|slightly|small|minor|a little)\b",
    Severity.MODERATE: r"\bmoderate(?:ly)?\b(?! or severe)",
}
SEVERITY_NAMES: dict[Severity, str] = {
    Severity.MODERATE: r"\bmoderate\b",
    Severity.SEVERE: r"\bsevere\b",
}

_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+")
_CONDITIONAL = re.compile(r"^\W*if\b", re.IGNORECASE)


def time_frames(text: str) -> set[Urgency]:
    """The urgency bands whose time frames the text names."""
    return {
        urgency
        for urgency, patterns in TIME_FRAMES.items()
        if any(re.search(pattern, text, re.IGNORECASE) for pattern in patterns)
    }


def time_frame_problems(advice: str, urgency: int) -> list[str]:
    """Advice names its own band's time frame; another band's only in an "If ..." escalation to a more urgent one."""
    urgency = Urgency(urgency)
    problems = []
    named: set[Urgency] = set()
    for sentence in _SENTENCE_END.split(advice.strip()):
        frames = time_frames(sentence)
        named |= frames
        escalation = _CONDITIONAL.match(sentence) is not None
        for other in sorted(frames - {urgency}):
            if not (escalation and other > urgency):
                problems.append(
                    f"names a time frame of {_a(other)} rule ({_quote(sentence, other)}) "
                    f"in {_a(urgency)} rule; say “{REQUIRED_WORDING[urgency]}”"
                )
    if urgency not in named:
        problems.append(f"does not say when to act: {_a(urgency)} rule says “{REQUIRED_WORDING[urgency]}”")
    return problems


def milder_severity_problems(text: str, severity: int) -> list[str]:
    """The text describes a milder severity than the one it is shown for ("small blisters" for severe blistering)."""
    return [
        f"describes a {Severity(milder).label.lower()} symptom (“{found.group(0)}”) "
        f"but is shown for {Severity(severity).label.lower()} ones"
        for milder, pattern in SEVERITY_WORDS.items()
        if milder < severity
        for found in [re.search(pattern, text, re.IGNORECASE)]
        if found
    ]


def names_severity(text: str, severity: int) -> bool:
    """The text says which severity it is for ("severe burning"), as a rule must when a milder one exists."""
    pattern = SEVERITY_NAMES.get(Severity(severity))
    return pattern is None or re.search(pattern, text, re.IGNORECASE) is not None


def _quote(sentence: str, urgency: Urgency) -> str:
    for pattern in TIME_FRAMES[urgency]:
        found = re.search(pattern, sentence, re.IGNORECASE)
        if found:
            return f"“{found.group(0)}”"
    return ""


def _a(urgency: Urgency) -> str:
    return f"{'an' if urgency.code[0] in 'aeiou' else 'a'} {urgency.code}"
