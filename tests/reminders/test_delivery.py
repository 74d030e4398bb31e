"""The scheduler pass: each reminder once, by its channel; none for a logged dose, in quiet hours or off course."""

import datetime
import json
import uuid
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from pywebpush import WebPushException

from diary.models import Flag
from drugs.models import Urgency
from reminders import delivery
from reminders.models import PushSubscription, ReminderSend, SchedulerPass
from reminders.services import reminder_snooze
from tests.concurrency import in_parallel, retrying_on_table_locks
from tests.factories import ApplicationFactory, EntryFactory, StaffFactory, assign
from tests.reminders.conftest import reminded_course

UTC = datetime.UTC


def _at(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def _finished_pass(at):
    SchedulerPass.objects.create(started=at, finished=at)


def _push_subscription(patient, endpoint="https://push.example.net/sub/1"):
    return PushSubscription.objects.create(patient=patient, endpoint=endpoint, p256dh="p256", auth="auth")


def test_a_dose_reminder_is_e_mailed_once_without_health_data_and_with_an_unsubscribe_link(db):
    patient, treatment, _ = reminded_course()
    # 1 July: London is on BST, so 08:00 local is 07:00 UTC.
    delivery.run_pass(now=_at(2026, 7, 1, 7, 0, 30))
    delivery.run_pass(now=_at(2026, 7, 1, 7, 1, 30))

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [patient.user.email]
    assert "Time for your dose" in message.subject
    text = (message.subject + message.body).lower()
    assert treatment.drug.generic_name.lower() not in text and "tacrolimus" not in text
    assert "/reminders/unsubscribe/" in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    send = ReminderSend.objects.get()
    assert (send.status, send.due_at, send.detail) == ("sent", _at(2026, 7, 1, 7, 0), "e-mail")


def test_nothing_is_sent_before_its_time(db):
    reminded_course()
    delivery.run_pass(now=_at(2026, 7, 1, 6, 59))
    assert mail.outbox == []


def test_a_reminder_missed_while_the_runner_was_down_is_sent_once_within_the_grace_period(db):
    reminded_course()
    _finished_pass(_at(2026, 7, 1, 6, 30))
    delivery.run_pass(now=_at(2026, 7, 1, 7, 20))  # 20 minutes late
    delivery.run_pass(now=_at(2026, 7, 1, 7, 21))
    assert len(mail.outbox) == 1


def test_a_reminder_older_than_the_grace_period_is_recorded_as_skipped_not_sent(db):
    reminded_course()
    _finished_pass(_at(2026, 7, 1, 6, 30))
    delivery.run_pass(now=_at(2026, 7, 1, 7, 45))  # 45 minutes late
    assert mail.outbox == []
    send = ReminderSend.objects.get()
    assert (send.status, send.detail) == ("skipped", "no runner at its time")


def test_no_reminder_for_a_dose_already_logged_in_its_window(db):
    patient, treatment, _ = reminded_course()
    entry = EntryFactory(patient=patient, date=datetime.date(2026, 7, 1))
    # 06:40 local: inside the morning dose's window (00:00-14:00).
    ApplicationFactory(entry=entry, treatment=treatment, applied_at=_at(2026, 7, 1, 5, 40))
    delivery.run_pass(now=_at(2026, 7, 1, 7, 0))
    delivery.run_pass(now=_at(2026, 7, 1, 19, 0))  # the evening dose is not logged
    assert len(mail.outbox) == 1
    skipped = ReminderSend.objects.get(due_at=_at(2026, 7, 1, 7, 0))
    assert (skipped.status, skipped.detail) == ("skipped", "the dose is already logged")


def test_no_reminder_in_quiet_hours(db):
    patient, _, _ = reminded_course(times=("07:00",))
    patient.reminder_settings.quiet_start = datetime.time(22, 0)
    patient.reminder_settings.quiet_end = datetime.time(7, 30)
    patient.reminder_settings.save()
    delivery.run_pass(now=_at(2026, 7, 1, 6, 0))
    assert mail.outbox == []
    assert ReminderSend.objects.get().detail == "quiet hours"


def test_no_reminder_after_the_course_ends_or_while_paused(db):
    reminded_course(username="ended", ended_on=datetime.date(2026, 6, 30))
    _, _, paused = reminded_course(username="paused")
    paused.paused = True
    paused.save()
    delivery.run_pass(now=_at(2026, 7, 1, 7, 0))
    assert mail.outbox == []
    assert not ReminderSend.objects.exists()


def test_a_patient_with_reminders_off_gets_none(db):
    reminded_course(channel="off")
    delivery.run_pass(now=_at(2026, 7, 1, 7, 0))
    assert mail.outbox == [] and not ReminderSend.objects.exists()


def test_push_goes_to_each_device_with_the_applied_and_snooze_actions(db):
    patient, _, _ = reminded_course(channel="push")
    _push_subscription(patient)
    with mock.patch("reminders.channels.webpush") as webpush:
        delivery.run_pass(now=_at(2026, 7, 1, 7, 0))
    assert webpush.call_count == 1
    payload = json.loads(webpush.call_args.kwargs["data"])
    assert payload["title"] == "Time for your dose"
    assert [action["action"] for action in payload["actions"]] == ["applied", "snooze"]
    assert payload["url"] == "/"
    assert webpush.call_args.kwargs["vapid_claims"] == {"sub": "mailto:test@example.org"}
    assert mail.outbox == []
    assert ReminderSend.objects.get().detail == "push to 1 device(s)"


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_reports_gone_is_removed_and_e_mail_takes_over(db, status):
    patient, _, _ = reminded_course(channel="push")
    _push_subscription(patient)
    gone = WebPushException("gone", response=mock.Mock(status_code=status))
    with mock.patch("reminders.channels.webpush", side_effect=gone):
        delivery.run_pass(now=_at(2026, 7, 1, 7, 0))
    assert not PushSubscription.objects.exists()
    assert len(mail.outbox) == 1


def test_a_push_service_error_keeps_the_subscription(db):
    patient, _, _ = reminded_course(channel="push")
    _push_subscription(patient)
    busy = WebPushException("busy", response=mock.Mock(status_code=503))
    with mock.patch("reminders.channels.webpush", side_effect=busy):
        delivery.run_pass(now=_at(2026, 7, 1, 7, 0))
    assert PushSubscription.objects.count() == 1


def test_a_snoozed_reminder_comes_back_once_fifteen_minutes_later(db):
    patient, _, _ = reminded_course()
    delivery.run_pass(now=_at(2026, 7, 1, 7, 0))
    first = ReminderSend.objects.get()
    with mock.patch("django.utils.timezone.now", return_value=_at(2026, 7, 1, 7, 2)):
        reminder_snooze(patient=patient, send=first)
        reminder_snooze(patient=patient, send=first)
    delivery.run_pass(now=_at(2026, 7, 1, 7, 10))
    assert len(mail.outbox) == 1
    delivery.run_pass(now=_at(2026, 7, 1, 7, 17))
    delivery.run_pass(now=_at(2026, 7, 1, 7, 18))
    assert len(mail.outbox) == 2
    assert ReminderSend.objects.get(kind="snooze").status == "sent"


def test_the_daily_check_in_comes_on_days_without_a_dose_unless_the_skin_is_scored(db):
    patient, _, schedule = reminded_course(times=("21:30",))
    schedule.weekdays = [0, 2, 4]  # Mon, Wed, Fri
    schedule.save()
    patient.reminder_settings.check_in = True
    patient.reminder_settings.check_in_time = datetime.time(19, 0)
    patient.reminder_settings.save()
    # Tuesday 30 June 2026, 19:00 BST: no dose that day.
    delivery.run_pass(now=_at(2026, 6, 30, 18, 0))
    assert [m.subject for m in mail.outbox] == ["[Skin diary] How is your skin today?"]
    # Wednesday is a dose day: no check-in.
    delivery.run_pass(now=_at(2026, 7, 1, 18, 0))
    assert len(mail.outbox) == 1
    # Thursday, already scored.
    EntryFactory(patient=patient, date=datetime.date(2026, 7, 2), itch=3)
    delivery.run_pass(now=_at(2026, 7, 2, 18, 0))
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_runners_at_once_send_each_reminder_once():
    for n in range(5):
        reminded_course(username=f"p{n}")
    now = _at(2026, 7, 1, 7, 0, 10)
    tokens = [uuid.uuid4().hex, uuid.uuid4().hex]  # two runners, however often the harness retries each

    errors = in_parallel(2, lambda n: retrying_on_table_locks(lambda: delivery.run_pass(now=now, runner=tokens[n])))
    assert errors == []
    assert sorted(m.to[0] for m in mail.outbox) == [f"p{n}@example.org" for n in range(5)]
    assert ReminderSend.objects.count() == 5


def test_the_runner_command_also_sends_pending_alert_e_mails_once_and_records_its_pass(db):
    dermatologist = StaffFactory(username="dr-reed")
    patient, _, _ = reminded_course(channel="off")
    assign(patient, dermatologist)
    Flag.objects.create(
        patient=patient,
        urgency=Urgency.TODAY,
        first_seen=datetime.date(2026, 7, 1),
        last_seen=datetime.date(2026, 7, 1),
        rule_text="rule",
        advice="advice",
        notification=Flag.Notification.PENDING,
    )
    call_command("send_reminders", verbosity=0)
    call_command("send_reminders", verbosity=0)
    assert [m.to for m in mail.outbox] == [[dermatologist.email]]
    assert SchedulerPass.objects.count() == 2
    assert SchedulerPass.objects.latest().alerts_sent == 0


def test_reminder_status_reports_the_last_pass_and_fails_when_it_is_stale(db, capsys):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No reminder pass has run yet"):
        call_command("reminder_status")
    call_command("send_reminders", verbosity=0)
    call_command("reminder_status")
    assert "Last pass" in capsys.readouterr().out
    SchedulerPass.objects.update(started=_at(2020, 1, 1))
    with pytest.raises(CommandError, match="reminders are not being sent"):
        call_command("reminder_status")
