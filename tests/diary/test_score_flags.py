"""Score changes raise flags through the diary's services, with the episodes and withdrawal of warning signs."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from diary import flag_services, flagging, services
from diary.models import Entry, Flag, PoemScore
from drugs.models import Urgency

pytestmark = pytest.mark.django_db


def days_ago(patient, n: int) -> datetime.date:
    return patient.today() - datetime.timedelta(days=n)


def poem(patient, n: int, total: int) -> PoemScore:
    """A POEM answered n days ago whose answers add up to `total`."""
    answers = [min(4, max(0, total - 4 * i)) for i in range(7)]
    return services.poem_score_update(patient=patient, date=days_ago(patient, n), answers=answers)


def itch(patient, n: int, value: int | None) -> Entry:
    return services.entry_update(patient=patient, date=days_ago(patient, n), itch=value, notes="")


def test_a_poem_rise_of_four_raises_a_soon_flag_whose_evidence_shows_both_scores(patient):
    poem(patient, 7, 5)
    poem(patient, 0, 9)

    flag = Flag.objects.get()
    assert flag.score_rule == flagging.POEM_RISE_RULE.id
    assert flag.urgency == Urgency.SOON
    assert flag.rule_text == "POEM up by 4 or more since the previous score"
    assert flag.evidence["days"][0]["scores"] == [
        {"date": days_ago(patient, 7).isoformat(), "score": 5},
        {"date": days_ago(patient, 0).isoformat(), "score": 9},
    ]


def test_a_rise_of_three_raises_nothing(patient):
    poem(patient, 7, 5)
    poem(patient, 0, 8)
    assert not Flag.objects.exists()


def test_correcting_the_poem_withdraws_its_flag_and_keeps_it(patient):
    poem(patient, 7, 5)
    poem(patient, 0, 12)
    assert Flag.objects.get().status == Flag.Status.OPEN

    poem(patient, 0, 6)

    assert Flag.objects.get().status == Flag.Status.WITHDRAWN


def test_changing_an_earlier_poem_re_evaluates_the_rise_of_the_next_one(patient):
    poem(patient, 7, 5)
    poem(patient, 0, 8)
    assert not Flag.objects.exists()

    poem(patient, 7, 2)

    assert Flag.objects.get().score_rule == flagging.POEM_RISE_RULE.id


def test_entering_the_severe_band_is_flagged_once_per_episode(patient):
    poem(patient, 14, 17)
    poem(patient, 7, 12)
    poem(patient, 0, 18)

    severe = Flag.objects.filter(score_rule=flagging.POEM_SEVERE_RULE.id)
    assert severe.count() == 1
    assert (severe.get().first_seen, severe.get().last_seen) == (days_ago(patient, 14), days_ago(patient, 0))


def test_peak_itch_of_seven_three_days_running_raises_one_routine_flag_that_grows(patient):
    for n in (4, 3, 2):
        itch(patient, n, 8)
    flag = Flag.objects.get()
    assert flag.score_rule == flagging.ITCH_RUN_RULE.id
    assert flag.urgency == Urgency.ROUTINE
    assert [d["score"] for d in flag.evidence["days"][0]["scores"]] == [8, 8, 8]

    itch(patient, 1, 9)

    flag.refresh_from_db()
    assert Flag.objects.count() == 1
    assert flag.last_seen == days_ago(patient, 1)


def test_lowering_one_day_of_the_itch_run_withdraws_the_flag(patient):
    for n in (2, 1, 0):
        itch(patient, n, 7)
    itch(patient, 1, 3)
    assert Flag.objects.get().status == Flag.Status.WITHDRAWN


def test_after_a_resolved_itch_flag_a_new_run_raises_a_new_one(patient, dermatologist):
    for n in (9, 8, 7):
        itch(patient, n, 9)
    flag_services.flag_resolve(flag=Flag.objects.get(), reviewer=dermatologist, note="Seen, cream changed.")
    itch(patient, 6, 2)
    for n in (2, 1, 0):
        itch(patient, n, 9)
    assert Flag.objects.filter(status=Flag.Status.OPEN).count() == 1
    assert Flag.objects.count() == 2


def test_a_poem_for_a_day_that_has_not_come_is_refused(patient):
    with pytest.raises(ValidationError):
        services.poem_score_update(patient=patient, date=days_ago(patient, -1), answers=[0] * 7)
    assert not PoemScore.objects.exists()


def test_a_poem_with_two_blanks_is_kept_without_a_score_and_raises_nothing(patient):
    services.poem_score_update(patient=patient, date=days_ago(patient, 0), answers=[None, None, 4, 4, 4, 4, 4])
    saved = PoemScore.objects.get()
    assert saved.total is None
    assert saved.answers == [None, None, 4, 4, 4, 4, 4]
    assert not Flag.objects.exists()
