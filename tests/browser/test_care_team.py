"""The care team in Debian's Chromium: a dermatologist invites a new patient from admin; the patient signs up on a
phone from the e-mailed link, consents, logs a reaction that needs the clinic today; the dermatologist resolves it
from the queue and the patient reads the answer. A clinic's manager invites a new dermatologist, who creates a staff
account from the link and sets up two-step sign-in before admin opens. Pages are checked as the other journeys check
them (tests/browser/journeys.py: axe-core, weight, reflow at 320 px and 200% zoom); SCREENSHOTS=1 saves the consent
and "who can see my diary" pages."""

import base64
import datetime
import re

import pytest
from django.core import mail
from django_otp.oath import totp
from playwright.sync_api import expect

from clinics import services as clinic_services
from clinics.models import CareLink, Membership, StaffInvitation
from diary import services
from diary.models import Flag, Patient
from diary.permissions import DERMATOLOGISTS, ensure_clinic_managers_group, ensure_dermatologists_group
from drugs.models import BodyArea, Drug
from tests.browser.journeys import PageChecks
from tests.browser.test_journeys import DESKTOP, check_everything, journey_report, open_page  # noqa: F401
from tests.conftest import PHONE, sign_in
from tests.factories import ClinicFactory, StaffFactory, join_clinic

pytestmark = pytest.mark.browser

LINK = re.compile(r"https?://\S+(/care/invitation/\S+/)")
STAFF_LINK = re.compile(r"https?://\S+(/care/staff-invitation/\S+/)")
NOTE = "Call us back today: we will see you this afternoon."


@pytest.mark.long
def test_an_invited_patient_signs_up_consents_and_the_dermatologist_answers_a_today_alert(
    open_page,  # noqa: F811
    live_server,
    reference,
    journey_report,  # noqa: F811
):
    clinic = ClinicFactory(name="Northside Skin Clinic", alert_email="")
    derm = StaffFactory(username="dr-grey", first_name="Meredith", last_name="Grey", email="grey@northside.example")
    derm.groups.add(ensure_dermatologists_group())
    join_clinic(derm, clinic, Membership.Role.DERMATOLOGIST)

    # The dermatologist invites the patient from admin.
    admin = open_page(DESKTOP).page
    sign_in(admin, live_server, derm)
    admin.goto("/admin/clinics/invitation/add/")
    admin.get_by_label("Email").fill("nina@example.org")
    admin.get_by_label("Dermatologist").select_option(label="Meredith Grey")
    admin.get_by_role("button", name="Save", exact=True).click()
    expect(admin.locator(".messagelist")).to_contain_text("Invitation sent to nina@example.org")
    expect(admin.locator("#result_list")).to_contain_text("sent")
    invitation_path = LINK.search(mail.outbox[-1].body).group(1)

    # The patient opens the link on a phone, creates an account and comes back to consent.
    phone = open_page(PHONE).page
    checks = PageChecks("care-team", open_page, PHONE, screenshots=True)
    phone.goto(invitation_path)
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Northside Skin Clinic invites you")
    checks.page(phone, "invitation")
    phone.get_by_role("link", name="Create an account").click()
    phone.get_by_label("Username").fill("nina")
    phone.get_by_label("Email").fill("nina@example.org")
    phone.get_by_label("Time zone").select_option("Europe/London")
    phone.locator("#id_password1").fill("a-long-and-unusual-passphrase")
    phone.get_by_label("Password confirmation").fill("a-long-and-unusual-passphrase")
    phone.get_by_role("button", name="Create my diary").click()
    # The address is confirmed by e-mail; the link opens the account and comes back to the invitation.
    phone.goto(re.search(r"https?://[^/]+(/accounts/signup/confirm/\S+)", mail.outbox[-1].body).group(1))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Share your diary with Northside Skin Clinic?")
    checks.page(phone, "consent", screenshot="12-consent")
    phone.get_by_label("I agree to share my diary").check()
    phone.get_by_role("button", name="Agree and share").click()
    expect(phone.get_by_role("status")).to_contain_text("Your diary is now shared with Northside Skin Clinic")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Who can see my diary")
    expect(phone.locator("main")).to_contain_text("Meredith Grey")
    checks.page(phone, "who can see my diary", screenshot="13-who-can-see-my-diary")
    link = CareLink.objects.get()
    assert (link.patient.username, link.dermatologist, link.shares_photos) == ("nina", derm, False)

    # A course of tacrolimus, then cold sores on Today: the alert says the clinic was told.
    patient = Patient.objects.get(user__username="nina")
    services.treatment_create(
        patient=patient,
        drug=Drug.objects.get(slug="tacrolimus-ointment"),
        strength="0.1% ointment (1 mg/g)",
        body_areas=[BodyArea.objects.get(code="face_neck")],
        schedule_kind="daily",
        schedule_times=2,
        started_on=patient.today() - datetime.timedelta(days=30),
    )
    phone.goto("/")
    expect(phone.locator(".care-note")).to_contain_text("Shared with Northside Skin Clinic (Meredith Grey)")
    phone.get_by_label("What did you notice?").select_option(label="Cold sores or clustered blisters (herpes-type)")
    phone.get_by_label("Where").select_option(label="Face and neck")
    phone.get_by_role("button", name="Mild", exact=True).click()
    alert = phone.locator(".flag-alert-today")
    expect(alert).to_contain_text("Contact your clinician today")
    expect(alert).to_contain_text("Northside Skin Clinic has been sent a notice")
    checks.page(phone, "today with the alert")
    assert mail.outbox[-1].to == ["grey@northside.example"]

    # The dermatologist finds it in the queue and resolves it with a note.
    flag = Flag.objects.get(patient=patient)
    admin.goto("/admin/diary/flag/")
    queue = admin.locator("#result_list tbody tr")
    expect(queue).to_have_count(1)
    queue.first.get_by_role("link", name=flag.rule_text).click()
    admin.get_by_label("Note for the patient").fill(NOTE)
    admin.get_by_role("button", name="Resolve").click()
    expect(admin.locator(".messagelist")).to_contain_text("Flag resolved.")

    # The patient reads the answer.
    phone.goto("/diary/alerts/")
    expect(phone.get_by_role("region", name="Past")).to_contain_text(NOTE)
    checks.page(phone, "my alerts, answered")
    phone.goto("/care/join/")
    checks.page(phone, "share with a clinic")
    phone.goto("/diary/settings/share-links/add/")
    checks.page(phone, "make a share link")
    # The invitation is used up now: its two pages (signed out, and the consent signed in) are weighed and laid
    # out again through a fresh link of the same clinic.
    clinic_services.invitation_send(clinic=clinic, email="nina@example.org", dermatologist=derm, invited_by=derm)
    retarget(checks, invitation_path, LINK.search(mail.outbox[-1].body).group(1))
    check_everything(checks, phone, journey_report)


def retarget(checks: PageChecks, used: str, fresh: str) -> None:
    """Revisit the pages of a used-up single-use link through a fresh link to the same page."""
    for visit in checks.visits:
        if visit.path == used:
            visit.path = fresh


@pytest.mark.long
def test_a_manager_invites_a_dermatologist_who_creates_a_staff_account_and_sets_up_two_step_sign_in(
    open_page,  # noqa: F811
    live_server,
    journey_report,  # noqa: F811
):
    clinic = ClinicFactory(name="Northside Skin Clinic")
    ensure_dermatologists_group()
    manager = StaffFactory(username="mgr-north", first_name="Pat", last_name="Manager")
    manager.groups.add(ensure_clinic_managers_group())
    join_clinic(manager, clinic, Membership.Role.MANAGER)

    # The manager invites from admin; the clinic is theirs, preselected.
    admin = open_page(DESKTOP).page
    sign_in(admin, live_server, manager)
    admin.goto("/admin/clinics/staffinvitation/add/")
    admin.get_by_label("Email").fill("yang@northside.example")
    admin.get_by_label("Role").select_option(label="Dermatologist")
    admin.get_by_role("button", name="Save", exact=True).click()
    expect(admin.locator(".messagelist")).to_contain_text("Invitation sent to yang@northside.example")
    expect(admin.locator("#result_list")).to_contain_text("sent")
    invitation_path = STAFF_LINK.search(mail.outbox[-1].body).group(1)

    # The invitee opens the link, chooses a username and password, and must set up two-step sign-in first.
    page = open_page(DESKTOP).page
    checks = PageChecks("staff-invitation", open_page, DESKTOP)
    page.goto(invitation_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Join Northside Skin Clinic as dermatologist")
    checks.page(page, "staff invitation")
    page.get_by_label("Username").fill("dr-yang")
    page.get_by_label("Your name").fill("Cristina Yang")
    page.locator("#id_password1").fill("a-long-and-unusual-passphrase")
    page.get_by_label("Password confirmation").fill("a-long-and-unusual-passphrase")
    page.get_by_role("button", name="Create my staff account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step sign-in")
    checks.page(page, "two-step set-up")
    secret = page.locator("code.user-select-all").inner_text().replace(" ", "")
    page.get_by_label("Code").fill(f"{totp(base64.b32decode(secret)):06d}")
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.locator("main, #content")).to_contain_text("Two-step sign-in is on")
    page.goto("/admin/")
    expect(page.locator("#site-name")).to_contain_text("clinician admin")
    expect(page.locator("#content-main")).to_contain_text("Patient links")
    invitation = StaffInvitation.objects.get()
    assert (invitation.status, invitation.accepted_by.username) == ("accepted", "dr-yang")
    assert list(invitation.accepted_by.groups.values_list("name", flat=True)) == [DERMATOLOGISTS]

    # The manager's list shows it accepted, by whom.
    admin.reload()
    expect(admin.locator("#result_list")).to_contain_text("accepted")
    expect(admin.locator("#result_list")).to_contain_text("Cristina Yang")

    # Signed in, a second invitation (to manage) is accepted with the account.
    clinic_services.staff_invitation_send(
        clinic=clinic, email="yang@northside.example", role=Membership.Role.MANAGER, invited_by=manager
    )
    second = STAFF_LINK.search(mail.outbox[-1].body).group(1)
    page.goto(second)
    expect(page.get_by_role("heading", level=1)).to_have_text("Join Northside Skin Clinic as clinic manager?")
    checks.page(page, "accept as staff")
    page.get_by_role("button", name="Accept and join").click()
    expect(page.locator(".messagelist")).to_contain_text("You now work at Northside Skin Clinic as Clinic manager")
    assert Membership.objects.get(user__username="dr-yang").role == Membership.Role.MANAGER

    # Both links are used up: their pages are weighed and laid out again through fresh links.
    clinic_services.staff_invitation_send(
        clinic=clinic, email="a@northside.example", role="manager", invited_by=manager
    )
    retarget(checks, invitation_path, STAFF_LINK.search(mail.outbox[-1].body).group(1))
    clinic_services.staff_invitation_send(
        clinic=clinic, email="b@northside.example", role="manager", invited_by=manager
    )
    retarget(checks, second, STAFF_LINK.search(mail.outbox[-1].body).group(1))
    check_everything(checks, page, journey_report)
