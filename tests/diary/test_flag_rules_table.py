"""The shipped warning-sign rules, case by case, written through the diary's own services.

Each row is a diary (days counted back from the patient's today) and the rules that must, and
must not, be flagged on today's entry.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diary import services
from diary.models import Entry, Flag, Reaction
from drugs.models import Drug, Symptom

pytestmark = pytest.mark.django_db

PERSISTENT_BURNING = "Tacrolimus (topical ointment): burning lasting 7 days or more"
SEVERE_BURNING = "Tacrolimus (topical ointment): burning (severe)"
TACROLIMUS_COLD_SORES = "Tacrolimus (topical ointment): cold sores or clustered blisters (herpes-type)"
NOT_BETTER_14 = "Tacrolimus (topical ointment): skin condition not improving, 14 days or more into the course"
NOT_BETTER_42 = "Tacrolimus (topical ointment): skin condition not improving, 42 days or more into the course"
CALCIPOTRIENE_WEEK = "Calcipotriene (calcipotriol) - single agent: more than 100 g in 7 days"
ANY_DRUG_HIVES = "Any medicine: hives (welts)"


@dataclass
class Case:
    id: str
    drug: str = "tacrolimus-ointment"
    started: int = 60  # days before today
    ended: int | None = None  # days before today
    reactions: dict[int, list[tuple[str, int]]] = field(default_factory=dict)  # day -> [(symptom, severity)]
    ftu_per_day: dict[int, list[Decimal]] = field(default_factory=dict)
    flagged: set[str] = field(default_factory=set)
    not_flagged: set[str] = field(default_factory=set)


def burning(days, severity=1) -> dict[int, list[tuple[str, int]]]:
    return {d: [("burning", severity)] for d in days}


CASES = [
    Case("burning 6 days", reactions=burning(range(6)), not_flagged={PERSISTENT_BURNING}),
    Case("burning 7 days", reactions=burning(range(7)), flagged={PERSISTENT_BURNING}),
    Case("burning 8 days", reactions=burning(range(8)), flagged={PERSISTENT_BURNING}),
    Case(
        "a gap of 2 days without entries keeps the run",
        reactions=burning([*range(3), 5, 6, 7]),
        flagged={PERSISTENT_BURNING},
    ),
    Case(
        "a gap of 3 days without entries ends the run",
        reactions=burning([*range(3), 6, 7, 8, 9, 10]),
        not_flagged={PERSISTENT_BURNING},
    ),
    Case(
        "a symptom-free entry inside the run ends it",
        reactions={**burning(range(8)), 3: [("redness", 1)]},
        not_flagged={PERSISTENT_BURNING},
    ),
    Case("severity below the threshold", reactions=burning([0], severity=2), not_flagged={SEVERE_BURNING}),
    Case("severity at the threshold", reactions=burning([0], severity=3), flagged={SEVERE_BURNING}),
    Case(
        "course ended 14 days before",
        ended=14,
        reactions={0: [("cold_sores_herpes", 1)]},
        flagged={TACROLIMUS_COLD_SORES},
    ),
    Case(
        "course ended 15 days before",
        ended=15,
        reactions={0: [("cold_sores_herpes", 1)]},
        not_flagged={TACROLIMUS_COLD_SORES},
    ),
    Case(
        "no improvement after 41 days",
        started=41,
        reactions={0: [("no_improvement", 1)]},
        flagged={NOT_BETTER_14},
        not_flagged={NOT_BETTER_42},
    ),
    Case(
        "no improvement after 42 days: the more urgent rule counts",
        started=42,
        reactions={0: [("no_improvement", 1)]},
        flagged={NOT_BETTER_42},
        not_flagged={NOT_BETTER_14},
    ),
    Case(
        "calcipotriene below 100 g in 7 days (198 FTU = 99 g)",
        drug="calcipotriene",
        ftu_per_day={d: [Decimal(15), Decimal(3) if d == 0 else Decimal(15)] for d in range(7)},
        not_flagged={CALCIPOTRIENE_WEEK},
    ),
    Case(
        "calcipotriene above 100 g in 7 days (202 FTU = 101 g)",
        drug="calcipotriene",
        ftu_per_day={d: [Decimal(15), Decimal(7) if d == 0 else Decimal(15)] for d in range(7)},
        flagged={CALCIPOTRIENE_WEEK},
    ),
    Case(
        "calcipotriene applied 8 days ago is outside the week",
        drug="calcipotriene",
        ftu_per_day={d: [Decimal(15), Decimal(15)] for d in range(1, 8)},
        not_flagged={CALCIPOTRIENE_WEEK},
    ),
    Case("a rule for any medicine", drug="calcipotriene", reactions={0: [("hives", 1)]}, flagged={ANY_DRUG_HIVES}),
]


def write(patient, case: Case) -> None:
    today = patient.today()
    drug = Drug.objects.get(slug=case.drug)
    course = services.treatment_create(
        patient=patient,
        drug=drug,
        strength="",
        body_areas=[],
        schedule_kind="daily",
        schedule_times=2,
        started_on=today - datetime.timedelta(days=case.started),
        ended_on=None if case.ended is None else today - datetime.timedelta(days=case.ended),
    )
    days = sorted(set(case.reactions) | set(case.ftu_per_day), reverse=True)
    for n in days:
        day = today - datetime.timedelta(days=n)
        for amount in case.ftu_per_day.get(n, []):
            services.application_create(patient=patient, treatment=course, date=day, amount=amount, unit="ftu")
        for code, severity in case.reactions.get(n, []):
            services.reaction_create(
                patient=patient, date=day, symptom=Symptom.objects.get(code=code), severity=severity
            )


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_shipped_rules(reference, patient, case):
    write(patient, case)

    today = patient.today()
    on_today = {flag.rule_text for flag in Flag.objects.active() if today in flag.matched_dates}
    assert case.flagged <= on_today
    assert not (case.not_flagged & on_today)


def test_every_rule_text_named_in_the_table_exists(reference):
    from drugs.models import AmountLimit, WarningSign

    texts = {rule.summary for rule in [*WarningSign.objects.all(), *AmountLimit.objects.all()]}
    named = set().union(*(case.flagged | case.not_flagged for case in CASES))
    assert named <= texts


def _save_reaction_queries(patient, symptom) -> int:
    with CaptureQueriesContext(connection) as captured:
        services.reaction_create(patient=patient, date=patient.today(), symptom=symptom, severity=3)
    return len(captured.captured_queries)


def test_saving_costs_the_same_queries_with_three_days_or_three_years_of_history(reference, patient, other_patient):
    burning_symptom = Symptom.objects.get(code="burning")
    redness = Symptom.objects.get(code="redness")
    for each, days in ((patient, 3), (other_patient, 3 * 365)):
        services.treatment_create(
            patient=each,
            drug=Drug.objects.get(slug="tacrolimus-ointment"),
            strength="",
            body_areas=[],
            schedule_kind="daily",
            schedule_times=2,
            started_on=each.today() - datetime.timedelta(days=days + 10),
        )
        entries = Entry.objects.bulk_create(
            Entry(patient=each, date=each.today() - datetime.timedelta(days=n)) for n in range(1, days + 1)
        )
        Reaction.objects.bulk_create(Reaction(entry=e, symptom=redness, severity=1) for e in entries)

    short, long = (
        _save_reaction_queries(patient, burning_symptom),
        _save_reaction_queries(other_patient, burning_symptom),
    )

    assert short == long
    assert long <= 30
