"""The installable app in Chromium: service worker, offline Today with a queue, push notifications, installability."""

import datetime
import json

import pytest
from playwright.sync_api import expect

from diary.models import Application, Reaction
from reminders import channels
from reminders.models import ReminderSchedule, ReminderSend, ReminderSettings
from tests.conftest import sign_in
from tests.factories import BodyAreaFactory, DrugFactory, PatientFactory, SymptomFactory, TreatmentFactory

pytestmark = pytest.mark.browser


def _patient_with_a_course():
    face = BodyAreaFactory(code="face", name="Face")
    SymptomFactory(code="burning", name="Burning")
    patient = PatientFactory(user__username="olive", time_zone="Europe/London")
    course = TreatmentFactory(
        patient=patient, drug=DrugFactory(), body_areas=[face], started_on=patient.today() - datetime.timedelta(3)
    )
    return patient, course


def _controlled_by_the_service_worker(page) -> None:
    """Open Today, wait for the service worker, and load Today again through it (which caches it)."""
    page.goto("/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def test_offline_today_queues_an_application_and_a_reaction_and_sends_each_once_online(phone, live_server):
    patient, course = _patient_with_a_course()
    sign_in(phone, live_server, patient.user)
    _controlled_by_the_service_worker(phone)
    expect(phone.locator("#offline-banner")).to_be_hidden()

    phone.context.set_offline(True)
    phone.reload()  # from the service worker's cache
    banner = phone.locator("#offline-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Emergency symptoms need a call, not the app")
    expect(phone.get_by_role("heading", name="Your treatments")).to_be_visible()
    expect(phone.get_by_text("Tacrolimus ointment 0.1%").first).to_be_visible()

    phone.get_by_role("button", name="Applied now").click()
    expect(phone.get_by_text("Saved on this phone: the application will be sent")).to_be_visible()
    phone.get_by_label("What did you notice?").select_option(label="Burning")
    phone.get_by_role("button", name="Moderate", exact=True).click()
    expect(phone.get_by_text("Saved on this phone: the reaction will be sent")).to_be_visible()
    assert Application.objects.count() == 0 and Reaction.objects.count() == 0

    phone.context.set_offline(False)
    expect(phone.get_by_text("Everything you recorded offline has been sent.")).to_be_visible()
    expect(phone.get_by_text("Logged moderate burning")).to_be_visible()
    expect(banner).to_be_hidden()
    # Coming back again (another online event, a reload) sends nothing twice.
    phone.reload()
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    phone.wait_for_timeout(500)
    assert Application.objects.filter(treatment=course).count() == 1
    assert Reaction.objects.filter(entry__patient=patient, severity=2).count() == 1


def test_a_push_message_shows_a_notification_with_applied_and_snooze(phone, live_server):
    patient, course = _patient_with_a_course()
    schedule = ReminderSchedule.objects.create(treatment=course, times=["08:00"], weekdays=list(range(7)))
    send = ReminderSend.objects.create(
        patient=patient, schedule=schedule, kind="dose", due_at=datetime.datetime.now(datetime.UTC), status="sent"
    )
    phone.context.grant_permissions(["notifications"], origin=live_server.url)
    sign_in(phone, live_server, patient.user)
    _controlled_by_the_service_worker(phone)

    cdp = phone.context.new_cdp_session(phone)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    # The registration arrives as a DevTools event some time after enabling: wait for it (up to 10 s).
    ours = []
    for _ in range(100):
        ours = [r for r in registrations if r["scopeURL"].rstrip("/") == live_server.url]
        if ours:
            break
        phone.wait_for_timeout(100)
    assert ours, "the service worker's registration was never reported"
    registration = ours[0]
    # A push delivered while the worker is still starting can be dropped by Chromium: deliver it again (at most
    # three times) until a notification shows, polling for up to 5 s each time; the assertion needs exactly one.
    shown = []
    for _ in range(3):
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": live_server.url,
                "registrationId": registration["registrationId"],
                "data": json.dumps(channels.push_payload(send)),
            },
        )
        for _ in range(50):
            shown = phone.evaluate(
                """navigator.serviceWorker.ready.then(r => r.getNotifications()).then(list => list.map(n => ({
                    title: n.title, body: n.body, actions: n.actions.map(a => a.title)})))"""
            )
            if shown:
                break
            phone.wait_for_timeout(100)
        if shown:
            break
    assert shown == [
        {"title": "Time for your dose", "body": "Open your diary to record it.", "actions": ["Applied", "Snooze"]}
    ]


def test_chromium_finds_the_app_installable(phone, live_server):
    patient, _ = _patient_with_a_course()
    sign_in(phone, live_server, patient.user)
    _controlled_by_the_service_worker(phone)
    cdp = phone.context.new_cdp_session(phone)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == []
    parsed = json.loads(manifest["data"])
    assert parsed["display"] == "standalone" and parsed["start_url"] == "/"
    assert {icon["purpose"] for icon in parsed["icons"]} == {"any", "maskable"}
    # Chromium's own check (manifest fields, icons, service worker); a test browser context is always incognito,
    # the one condition no site can meet there.
    errors = [e["errorId"] for e in cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]]
    assert errors in ([], ["in-incognito"])
    # The service worker in control answers fetches: Today is served by it (the offline test shows from its cache).
    script = phone.evaluate("fetch(navigator.serviceWorker.controller.scriptURL).then(r => r.text())")
    assert 'addEventListener("fetch"' in script
    for icon in parsed["icons"]:
        size = phone.evaluate(
            """src => new Promise(done => { const img = new Image(); img.onload = () => done(img.naturalWidth + "x" +
               img.naturalHeight); img.onerror = () => done("broken"); img.src = src; })""",
            icon["src"],
        )
        assert size == icon["sizes"]


def test_reminder_pages_pass_axe_accessibility_checks_and_turn_on_e_mail_reminders(phone, live_server):
    from tests.browser.journeys import Axe

    patient, course = _patient_with_a_course()
    sign_in(phone, live_server, patient.user)
    axe = Axe()
    problems = {}
    for path in ("/reminders/", f"/reminders/courses/{course.pk}/", "/install/"):
        assert phone.goto(path).status == 200
        violations = axe.run(phone).response["violations"]
        if violations:
            problems[path] = [(v["id"], v["impact"]) for v in violations]
    assert problems == {}

    phone.goto("/reminders/")
    phone.get_by_label("E-mail", exact=True).check()
    phone.get_by_label("Quiet from").fill("22:00")
    phone.get_by_label("Quiet until").fill("07:00")
    phone.get_by_role("button", name="Save reminder settings").click()
    expect(phone.get_by_text("Reminder settings saved.")).to_be_visible()
    expect(phone.get_by_text("08:00, 20:00 · every day")).to_be_visible()
    assert ReminderSettings.objects.get(patient=patient).channel == "email"
