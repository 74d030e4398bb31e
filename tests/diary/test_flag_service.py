"""Flags written by the diary's services, with the shipped reference rules."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command

from diary import flag_services, services
from diary.models import Entry, Flag
from drugs.models import Drug, Symptom, Urgency, WarningSign
from drugs.services import reference_version_bump
from tests.factories import assign

pytestmark = pytest.mark.django_db


def days_ago(patient, n: int) -> datetime.date:
    return patient.today() - datetime.timedelta(days=n)


def react(patient, n: int, code: str, severity: int = 1):
    return services.reaction_create(
        patient=patient, date=days_ago(patient, n), symptom=Symptom.objects.get(code=code), severity=severity
    )


def test_burning_every_day_for_a_week_raises_one_soon_flag_on_the_seventh_day(patient, tacrolimus_course):
    for n in range(6, 0, -1):
        react(patient, n, "burning")
    assert not Flag.objects.exists()

    react(patient, 0, "burning")

    flag = Flag.objects.get()
    assert flag.urgency == Urgency.SOON
    assert flag.status == Flag.Status.OPEN
    assert flag.first_seen == flag.last_seen == patient.today()
    assert flag.entry == Entry.objects.get(patient=patient, date=patient.today())
    assert flag.drug.slug == "tacrolimus-ointment"
    assert "burning lasting 7 days or more" in flag.rule_text
    assert flag.advice == flag.warning_sign.advice
    day = flag.evidence["days"][0]
    assert day["present_since"] == days_ago(patient, 6).isoformat()
    assert day["reactions"] == [{"symptom": "Burning", "severity": 1, "severity_label": "Mild", "body_area": ""}]


def test_the_next_day_extends_the_episode_instead_of_raising_another(patient, tacrolimus_course):
    for n in range(8, 0, -1):
        react(patient, n, "burning")

    react(patient, 0, "burning")

    flag = Flag.objects.get()
    assert (flag.first_seen, flag.last_seen) == (days_ago(patient, 2), patient.today())
    assert [d["date"] for d in flag.evidence["days"]] == [days_ago(patient, n).isoformat() for n in (2, 1, 0)]


def test_editing_a_day_inside_the_run_withdraws_the_flag_and_undoing_it_brings_it_back(patient, tacrolimus_course):
    reactions = [react(patient, n, "burning") for n in range(6, -1, -1)]
    flag = Flag.objects.get()

    services.reaction_delete(patient=patient, reaction=reactions[3])

    flag.refresh_from_db()
    assert flag.status == Flag.Status.WITHDRAWN

    react(patient, 3, "burning")

    flag.refresh_from_db()
    assert flag.status == Flag.Status.OPEN
    assert Flag.objects.count() == 1


def test_deleting_the_entry_keeps_the_flag_and_its_evidence(patient, tacrolimus_course):
    react(patient, 0, "cold_sores_herpes")
    flag = Flag.objects.get()

    services.entry_delete(patient=patient, entry=flag.entry)

    flag.refresh_from_db()
    assert flag.entry is None
    assert flag.status == Flag.Status.WITHDRAWN
    assert flag.evidence["days"][0]["reactions"][0]["symptom"] == "Cold sores or clustered blisters (herpes-type)"


def test_after_a_flag_is_resolved_a_new_match_raises_a_new_one(patient, tacrolimus_course, dermatologist):
    react(patient, 3, "blistering")
    first = Flag.objects.get()
    flag_services.flag_resolve(flag=first, reviewer=dermatologist, note="Seen in clinic, settling.")

    react(patient, 0, "blistering")

    assert Flag.objects.count() == 2
    second = Flag.objects.exclude(pk=first.pk).get()
    assert (second.status, second.first_seen) == (Flag.Status.OPEN, patient.today())


def test_re_saving_a_day_a_resolved_flag_covered_raises_nothing(patient, tacrolimus_course, dermatologist):
    react(patient, 3, "blistering")
    flag_services.flag_resolve(flag=Flag.objects.get(), reviewer=dermatologist, note="Fine.")

    services.entry_update(patient=patient, date=days_ago(patient, 3), itch=4, notes="Added later")

    assert Flag.objects.count() == 1


def test_rules_for_a_drug_the_patient_does_not_use_do_not_apply(reference, patient):
    react(patient, 0, "urination_difficulty", severity=3)  # an imiquimod rule

    assert not Flag.objects.exists()


def test_rules_for_any_drug_apply_without_a_course(reference, patient):
    react(patient, 0, "breathing_difficulty")

    assert Flag.objects.get().urgency == Urgency.EMERGENCY


def test_a_course_started_later_in_the_past_brings_its_rules_to_days_already_written(reference, patient):
    react(patient, 0, "cold_sores_herpes")
    assert not Flag.objects.exists()

    services.treatment_create(
        patient=patient,
        drug=Drug.objects.get(slug="tacrolimus-ointment"),
        strength="",
        body_areas=[],
        schedule_kind="daily",
        schedule_times=1,
        started_on=days_ago(patient, 5),
    )

    assert Flag.objects.get().urgency == Urgency.TODAY


def test_more_than_100_g_of_calcipotriene_in_a_week_is_flagged(reference, patient):
    course = services.treatment_create(
        patient=patient,
        drug=Drug.objects.get(slug="calcipotriene"),
        strength="",
        body_areas=[],
        schedule_kind="daily",
        schedule_times=2,
        started_on=days_ago(patient, 20),
        usual_amount=Decimal(15),
        usual_unit="g",
    )
    for n in range(6, 0, -1):
        services.application_create(patient=patient, treatment=course, date=days_ago(patient, n))
    services.application_create(patient=patient, treatment=course, date=patient.today(), amount=Decimal(10))
    assert not Flag.objects.exists()  # 6 x 15 g + 10 g = 100 g: at the limit, not over it

    services.application_create(patient=patient, treatment=course, date=patient.today(), amount=Decimal("0.5"))

    flag = Flag.objects.get()
    assert flag.amount_limit.drug.slug == "calcipotriene"
    assert flag.evidence["days"][-1]["grams"] == "100.5"


def test_several_matches_on_one_day_are_all_kept(patient, tacrolimus_course):
    react(patient, 0, "breathing_difficulty")
    react(patient, 0, "blistering")

    assert sorted(Flag.objects.values_list("urgency", flat=True)) == [Urgency.SOON, Urgency.EMERGENCY]


# --- E-mail to the dermatologist -------------------------------------------------------------


@pytest.fixture
def assigned(patient, dermatologist):
    assign(patient, dermatologist)
    return dermatologist


def test_the_dermatologist_gets_an_email_for_a_today_flag_without_patient_details(
    patient, tacrolimus_course, assigned, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        react(patient, 0, "cold_sores_herpes")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    flag = Flag.objects.get()
    assert message.to == [assigned.email]
    assert f"/admin/diary/flag/{flag.pk}/change/" in message.body
    assert patient.user.username not in message.body + message.subject
    assert "cold" not in message.body.lower()
    assert flag.notification == Flag.Notification.SENT


def test_soon_and_routine_flags_send_no_email(patient, tacrolimus_course, assigned, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        react(patient, 0, "blistering")

    assert mail.outbox == []
    assert Flag.objects.get().notification == Flag.Notification.NOT_NEEDED


def test_a_mail_failure_keeps_the_entry_and_the_flag_stays_pending_until_the_command_sends_it(
    patient, tacrolimus_course, assigned, django_capture_on_commit_callbacks
):
    failing_smtp = mock.patch("diary.notifications.send_mail", side_effect=ConnectionRefusedError("smtp down"))
    with failing_smtp, django_capture_on_commit_callbacks(execute=True):
        react(patient, 0, "cold_sores_herpes")

    flag = Flag.objects.get()
    assert flag.notification == Flag.Notification.PENDING
    assert Entry.objects.filter(patient=patient, date=patient.today()).exists()
    assert mail.outbox == []

    call_command("send_pending_alerts", verbosity=0)

    flag.refresh_from_db()
    assert flag.notification == Flag.Notification.SENT
    assert len(mail.outbox) == 1
    call_command("send_pending_alerts", verbosity=0)
    assert len(mail.outbox) == 1


# --- Review and re-evaluation ----------------------------------------------------------------


def test_acknowledging_keeps_the_flag_in_the_episode(patient, tacrolimus_course, dermatologist):
    react(patient, 1, "blistering")
    flag = flag_services.flag_acknowledge(flag=Flag.objects.get(), reviewer=dermatologist, note="Will call.")

    react(patient, 0, "blistering")

    flag.refresh_from_db()
    assert (flag.status, flag.last_seen, flag.reviewer) == (Flag.Status.ACKNOWLEDGED, patient.today(), dermatologist)


def test_resolving_needs_a_note(patient, tacrolimus_course, dermatologist):
    from django.core.exceptions import ValidationError

    react(patient, 0, "blistering")

    with pytest.raises(ValidationError):
        flag_services.flag_resolve(flag=Flag.objects.get(), reviewer=dermatologist, note="  ")


def test_reevaluate_flags_follows_a_rule_edited_by_a_clinician_and_is_idempotent(patient, tacrolimus_course):
    react(patient, 0, "swelling_local", severity=1)
    assert not Flag.objects.exists()
    rule = WarningSign.objects.get(drug__slug="tacrolimus-ointment", symptom__code="swelling_local")
    rule.min_severity = 1
    rule.save()

    call_command("reevaluate_flags", verbosity=0)
    assert Flag.objects.get().warning_sign == rule
    updated = Flag.objects.get().updated

    call_command("reevaluate_flags", "--patient", str(patient.pk), verbosity=0)
    assert Flag.objects.get().updated == updated

    rule.min_severity = 3
    rule.save()
    call_command("reevaluate_flags", verbosity=0)
    assert Flag.objects.get().status == Flag.Status.WITHDRAWN


def test_a_rule_changed_in_the_reference_applies_from_the_next_save(patient, tacrolimus_course):
    react(patient, 0, "swelling_local", severity=1)  # the rules are now cached under this reference version
    assert not Flag.objects.exists()
    rule = WarningSign.objects.get(drug__slug="tacrolimus-ointment", symptom__code="swelling_local")
    rule.min_severity = 1
    rule.save()
    reference_version_bump()  # what the reference admin and load_reference do with every change

    react(patient, 0, "swelling_local", severity=1)

    assert Flag.objects.get().warning_sign == rule
