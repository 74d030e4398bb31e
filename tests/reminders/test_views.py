"""Reminder pages, push subscription, notification actions, unsubscribe, the offline queue and the installable app."""

import datetime
import json

import pytest
from django.urls import reverse

from diary.models import Application, Flag, Reaction
from drugs.models import Regimen
from reminders import channels
from reminders.models import PushSubscription, ReminderSchedule, ReminderSend, ReminderSettings
from tests.factories import DrugFactory, SymptomFactory, TreatmentFactory, UserFactory

SETTINGS = reverse("reminders:settings")


@pytest.fixture
def imiquimod(db):
    drug = DrugFactory(slug="imiquimod-cream", generic_name="Imiquimod cream", strengths="5%")
    Regimen.objects.create(
        drug=drug, frequency="3 times per week on non-consecutive days (e.g. Mon/Wed/Fri) at bedtime"
    )
    return drug


@pytest.fixture
def course(patient, imiquimod):
    return TreatmentFactory(patient=patient, drug=imiquimod, strength="5%", schedule_kind="weekly", schedule_times=3)


def _post_json(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


# --- Settings and schedules ------------------------------------------------------------------


def test_reminder_pages_send_an_anonymous_visitor_to_log_in(client, course):
    for url in (SETTINGS, reverse("reminders:schedule-edit", args=[course.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_patient_turns_on_e_mail_reminders_with_quiet_hours(client, patient, course):
    client.force_login(patient.user)
    assert client.get(SETTINGS).status_code == 200
    data = {
        "channel": "email",
        "email_fallback": "on",
        "quiet_start": "22:00",
        "quiet_end": "07:00",
        "check_in_time": "19:00",
    }
    response = client.post(SETTINGS, data)
    assert response.status_code == 302
    settings = ReminderSettings.objects.get(patient=patient)
    assert (settings.channel, settings.quiet) == ("email", (datetime.time(22), datetime.time(7)))
    # Turning reminders on gives the course its default schedule.
    assert ReminderSchedule.objects.filter(treatment=course).exists()


def test_half_given_quiet_hours_are_a_clear_error_and_keep_what_was_typed(client, patient):
    client.force_login(patient.user)
    response = client.post(
        SETTINGS, {"channel": "email", "quiet_start": "22:00", "quiet_end": "", "check_in_time": "19:00"}
    )
    assert response.status_code == 200
    assert "Give both ends of your quiet hours" in response.text
    assert 'value="22:00"' in response.text
    assert not ReminderSettings.objects.exists()


def test_a_course_schedule_defaults_from_the_medicines_usual_regimen(client, patient, course):
    client.force_login(patient.user)
    response = client.get(reverse("reminders:schedule-edit", args=[course.pk]))
    assert response.status_code == 200
    schedule = ReminderSchedule.objects.get(treatment=course)
    assert (schedule.times, schedule.weekdays) == (["21:30"], [0, 2, 4])
    assert 'value="21:30"' in response.text


def test_a_patient_changes_dose_times_and_days(client, patient, course):
    client.force_login(patient.user)
    url = reverse("reminders:schedule-edit", args=[course.pk])
    response = client.post(url, {"time_1": "20:00", "time_2": "", "weekdays": ["1", "3", "5"]})
    assert response.status_code == 302
    schedule = ReminderSchedule.objects.get(treatment=course)
    assert (schedule.times, schedule.weekdays) == (["20:00"], [1, 3, 5])


def test_a_schedule_without_times_or_days_is_refused_with_a_message(client, patient, course):
    client.force_login(patient.user)
    url = reverse("reminders:schedule-edit", args=[course.pk])
    response = client.post(url, {"time_1": "", "time_2": "25:99"})
    assert response.status_code == 200
    assert "Choose at least one day of the week." in response.text
    assert "Enter a valid time." in response.text
    assert 'value="25:99"' in response.text


def test_reminders_pause_and_resume(client, patient, course):
    client.force_login(patient.user)
    url = reverse("reminders:schedule-pause", args=[course.pk])
    client.post(url, {"paused": "1"})
    assert ReminderSchedule.objects.get(treatment=course).paused
    client.post(url, {"paused": "0"})
    assert not ReminderSchedule.objects.get(treatment=course).paused


def test_another_patients_course_is_not_found(client, other_patient, course):
    client.force_login(other_patient.user)
    assert client.get(reverse("reminders:schedule-edit", args=[course.pk])).status_code == 404
    assert client.post(reverse("reminders:schedule-pause", args=[course.pk]), {"paused": "1"}).status_code == 404
    assert not ReminderSchedule.objects.filter(treatment=course, paused=True).exists()


def test_the_reminders_page_costs_the_same_queries_with_many_courses(
    client, patient, imiquimod, django_assert_max_num_queries
):
    client.force_login(patient.user)
    TreatmentFactory(patient=patient, drug=imiquimod, strength="5%")
    client.get(SETTINGS)
    with django_assert_max_num_queries(12) as few:
        client.get(SETTINGS)
    for _ in range(10):
        TreatmentFactory(patient=patient, drug=imiquimod, strength="5%")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(SETTINGS)


# --- Push subscriptions ----------------------------------------------------------------------

SUBSCRIPTION = {"endpoint": "https://push.example.net/send/abc", "keys": {"p256dh": "BNc", "auth": "tBH"}}


def test_a_device_subscribes_to_push_and_push_becomes_the_channel(client, patient):
    client.force_login(patient.user)
    response = _post_json(client, reverse("reminders:push-subscribe"), SUBSCRIPTION)
    assert response.status_code == 200
    subscription = PushSubscription.objects.get()
    assert (subscription.patient, subscription.auth) == (patient, "tBH")
    assert ReminderSettings.objects.get(patient=patient).channel == "push"
    _post_json(client, reverse("reminders:push-unsubscribe"), {"endpoint": SUBSCRIPTION["endpoint"]})
    assert not PushSubscription.objects.exists()


def test_a_broken_subscription_is_refused(client, patient):
    client.force_login(patient.user)
    response = client.post(reverse("reminders:push-subscribe"), "not json", content_type="application/json")
    assert response.status_code == 400
    response = _post_json(
        client, reverse("reminders:push-subscribe"), {"endpoint": "ftp://x", "keys": {"p256dh": "a", "auth": "b"}}
    )
    assert response.status_code == 400
    assert not PushSubscription.objects.exists()


def test_an_anonymous_visitor_cannot_subscribe(client, db):
    response = _post_json(client, reverse("reminders:push-subscribe"), SUBSCRIPTION)
    assert response.status_code == 302
    assert not PushSubscription.objects.exists()


def test_another_patient_cannot_remove_my_subscription(client, patient, other_patient):
    PushSubscription.objects.create(patient=patient, endpoint=SUBSCRIPTION["endpoint"], p256dh="a", auth="b")
    client.force_login(other_patient.user)
    _post_json(client, reverse("reminders:push-unsubscribe"), {"endpoint": SUBSCRIPTION["endpoint"]})
    assert PushSubscription.objects.count() == 1


# --- Notification actions ----------------------------------------------------------------------


@pytest.fixture
def sent_reminder(patient, course):
    schedule = ReminderSchedule.objects.create(treatment=course, times=["21:30"], weekdays=list(range(7)))
    return ReminderSend.objects.create(
        patient=patient, schedule=schedule, kind="dose", due_at=datetime.datetime.now(datetime.UTC), status="sent"
    )


def test_applied_on_a_notification_records_the_dose_once(client, patient, sent_reminder):
    client.force_login(patient.user)
    token = channels.action_token(sent_reminder)
    for _ in range(2):
        response = _post_json(client, reverse("reminders:notification-action"), {"token": token, "action": "applied"})
        assert response.status_code == 200
    application = Application.objects.get()
    assert application.treatment == sent_reminder.schedule.treatment


def test_snooze_on_a_notification_schedules_one_more_reminder(client, patient, sent_reminder):
    client.force_login(patient.user)
    token = channels.action_token(sent_reminder)
    _post_json(client, reverse("reminders:notification-action"), {"token": token, "action": "snooze"})
    _post_json(client, reverse("reminders:notification-action"), {"token": token, "action": "snooze"})
    snooze = ReminderSend.objects.get(kind="snooze")
    assert snooze.status == "pending" and snooze.snoozed_from == sent_reminder


def test_a_notification_action_needs_the_patients_session_and_a_good_token(
    client, patient, other_patient, sent_reminder
):
    url = reverse("reminders:notification-action")
    token = channels.action_token(sent_reminder)
    assert _post_json(client, url, {"token": token, "action": "applied"}).status_code == 403
    client.force_login(patient.user)
    assert _post_json(client, url, {"token": token + "x", "action": "applied"}).status_code == 403
    client.force_login(other_patient.user)
    assert _post_json(client, url, {"token": token, "action": "applied"}).status_code == 404
    assert not Application.objects.exists()


# --- Unsubscribe -----------------------------------------------------------------------------


def test_the_signed_unsubscribe_link_stops_reminder_e_mails_with_one_click(client, patient):
    ReminderSettings.objects.create(patient=patient, channel="email")
    url = channels.unsubscribe_url(patient.pk).split("testserver")[-1].replace("http://127.0.0.1:8000", "")
    page = client.get(url)
    assert page.status_code == 200 and "Stop reminder e-mails" in page.text
    assert ReminderSettings.objects.get().channel == "email"
    response = client.post(url)  # what the button, or a mail client's one-click (RFC 8058), sends
    assert response.status_code == 200
    settings = ReminderSettings.objects.get()
    assert (settings.channel, settings.email_fallback) == ("off", False)


def test_a_forged_unsubscribe_link_changes_nothing(client, patient):
    ReminderSettings.objects.create(patient=patient, channel="email")
    forged = reverse("reminders:unsubscribe", args=[f"{patient.pk}:forged"])
    assert client.post(forged).status_code == 404
    assert ReminderSettings.objects.get().channel == "email"


# --- The offline queue -----------------------------------------------------------------------

SYNC = reverse("reminders:offline-sync")


def _queued(kind, fields, key="queued-key-0001", at=None):
    at = at or datetime.datetime.now(datetime.UTC)
    return {"kind": kind, "at": at.isoformat(), "idempotency_key": key, "fields": fields}


def test_a_queued_application_is_recorded_once_however_often_it_is_sent(client, patient, course):
    client.force_login(patient.user)
    for _ in range(3):
        response = _post_json(client, SYNC, _queued("application", {"treatment": str(course.pk)}))
        assert response.status_code == 200 and response.json()["ok"]
    assert Application.objects.count() == 1
    assert response.json()["repeated"] is True


def test_a_queued_application_of_a_course_stopped_meanwhile_comes_back_with_a_clear_message(client, patient, course):
    course.ended_on = patient.today() - datetime.timedelta(days=1)
    course.started_on = course.ended_on - datetime.timedelta(days=10)
    course.save()
    client.force_login(patient.user)
    response = _post_json(client, SYNC, _queued("application", {"treatment": str(course.pk)}))
    assert response.status_code == 422
    assert response.json()["message"].startswith("Not recorded: ")
    assert "was not active on this day" in response.json()["message"]
    assert not Application.objects.exists()


def test_a_queued_reaction_is_recorded_once_and_warning_signs_are_evaluated(client, patient, course):
    symptom = SymptomFactory()
    client.force_login(patient.user)
    item = _queued("reaction", {"symptom": str(symptom.pk), "severity": "3", "body_area": "", "treatment": ""})
    first = _post_json(client, SYNC, item)
    again = _post_json(client, SYNC, item)
    assert first.status_code == again.status_code == 200
    assert first.json()["message"].startswith("Logged severe burning")
    assert "alerts" in first.json()
    assert Reaction.objects.count() == 1


def test_the_offline_queue_refuses_damaged_items_and_strangers(client, patient, other_patient, course):
    assert _post_json(client, SYNC, _queued("application", {"treatment": str(course.pk)})).status_code == 401
    client.force_login(patient.user)
    assert client.post(SYNC, "{", content_type="application/json").status_code == 400
    assert _post_json(client, SYNC, {**_queued("application", {}), "at": "yesterday"}).status_code == 400
    assert _post_json(client, SYNC, _queued("photo", {})).status_code == 400
    client.force_login(other_patient.user)
    response = _post_json(client, SYNC, _queued("application", {"treatment": str(course.pk)}, key="other-key-0001"))
    assert response.status_code == 422
    assert not Application.objects.exists()


# --- The installable app -------------------------------------------------------------------


def test_the_manifest_makes_the_app_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert manifest["name"] and manifest["short_name"] and manifest["theme_color"]
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_the_service_worker_is_served_from_the_root_with_a_fetch_handler(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    for handler in ("fetch", "push", "notificationclick"):
        assert f'addEventListener("{handler}"' in body


def test_the_csp_allows_our_own_service_worker_and_manifest_only(client):
    policy = client.get("/install/")["Content-Security-Policy"]
    assert "worker-src 'self'" in policy and "manifest-src 'self'" in policy


def test_the_install_page_explains_iphone_and_android(client):
    page = client.get("/install/").text
    assert "Add to Home Screen" in page and "Install app" in page


def test_patients_find_reminders_from_settings_and_each_course(client, patient, course):
    client.force_login(patient.user)
    assert SETTINGS in client.get(reverse("diary:settings")).text
    assert reverse("reminders:schedule-edit", args=[course.pk]) in client.get(reverse("diary:treatment-list")).text


def test_a_patient_without_a_diary_has_no_reminder_page(client, db):
    client.force_login(UserFactory(username="nodiary"))
    assert client.get(SETTINGS).status_code == 404


def test_staff_from_another_clinic_cannot_open_a_patients_reminders(client, dermatologist, course):
    client.force_login(dermatologist)
    assert client.get(reverse("reminders:schedule-edit", args=[course.pk])).status_code == 404


# --- Admin for operators -----------------------------------------------------------------------


def test_superusers_see_the_reminder_runner_in_admin_and_dermatologists_do_not(client, dermatologist, sent_reminder):
    from tests.factories import StaffFactory

    admin_user = StaffFactory(username="root", is_superuser=True)
    client.force_login(admin_user)
    for url in ("/admin/reminders/remindersend/", "/admin/reminders/schedulerpass/"):
        assert client.get(url).status_code == 200
    assert client.get(f"/admin/reminders/remindersend/{sent_reminder.pk}/change/").status_code == 200
    client.force_login(dermatologist)
    assert client.get("/admin/reminders/remindersend/").status_code == 403


def test_a_queued_reaction_that_matches_a_warning_sign_brings_its_advice_back_when_it_syncs(client, patient, reference):
    from diary import services as diary_services
    from drugs.models import BodyArea, Drug, Symptom

    diary_services.treatment_create(
        patient=patient,
        drug=Drug.objects.get(slug="tacrolimus-ointment"),
        strength="0.1% ointment (1 mg/g)",
        body_areas=[BodyArea.objects.get(code="face_neck")],
        schedule_kind="daily",
        schedule_times=2,
        started_on=patient.today() - datetime.timedelta(days=30),
    )
    client.force_login(patient.user)
    symptom = Symptom.objects.get(code="cold_sores_herpes")
    item = _queued("reaction", {"symptom": str(symptom.pk), "severity": "1"}, key="herpes-key-0001")
    alerts = _post_json(client, SYNC, item).json()["alerts"]
    flag = Flag.objects.get()
    assert alerts == [{"urgency": "Today", "advice": flag.advice, "url": reverse("diary:alert-detail", args=[flag.pk])}]


# --- A queued reaction and the write lock ---------------------------------------------------


@pytest.mark.django_db(transaction=True)  # real transactions: what runs inside one is what holds the write lock
def test_a_queued_reaction_is_checked_and_its_rules_read_before_the_write_transaction(client, patient):
    from django.db import connection

    symptom = SymptomFactory()
    client.force_login(patient.user)
    client.get("/")  # the day's page: its entry exists
    statements = []

    def record(execute, sql, params, many, context):
        statements.append((connection.in_atomic_block, sql))
        return execute(sql, params, many, context)

    item = _queued("reaction", {"symptom": str(symptom.pk), "severity": "2", "body_area": "", "treatment": ""})
    with connection.execute_wrapper(record):
        response = _post_json(client, SYNC, item)

    assert response.status_code == 200 and Reaction.objects.count() == 1
    outside = [sql for atomic, sql in statements if not atomic]
    assert [sql for sql in outside if '"drugs_referenceversion"' in sql]  # the rules: read before the lock
    assert not [sql for sql in outside if sql.startswith(("INSERT", "UPDATE", "DELETE"))]


@pytest.mark.django_db(transaction=True)
def test_a_queued_reaction_whose_symptom_is_deleted_before_it_is_saved_is_refused_not_a_server_error(
    client, patient, monkeypatch
):
    from diary import services

    symptom = SymptomFactory()
    client.force_login(patient.user)
    real_check = services.reaction_check

    def check_then_an_admin_deletes_it(**kwargs):
        checked = real_check(**kwargs)
        type(symptom).objects.filter(pk=symptom.pk).delete()  # committed before the save's transaction begins
        return checked

    monkeypatch.setattr(services, "reaction_check", check_then_an_admin_deletes_it)
    item = _queued("reaction", {"symptom": str(symptom.pk), "severity": "2", "body_area": "", "treatment": ""})

    response = _post_json(client, SYNC, item)

    assert response.status_code == 422
    assert response.json()["message"].startswith("Not recorded: ")
    assert not Reaction.objects.exists()
