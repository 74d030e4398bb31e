"""The patient's sharing pages: who can see the diary, temporary share links, and what unlinked patients are told."""

import datetime
import re

import pytest
from auditlog.models import LogEntry
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from clinics import services
from clinics.models import ShareLink
from diary.models import Flag
from tests.factories import EntryFactory, PhotoFactory, ReactionFactory, StaffFactory, assign

pytestmark = pytest.mark.django_db

SHARED = re.compile(r'value="(https?://[^"]+/shared/[^"]+/)"')


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def day(patient, n):
    return patient.today() - datetime.timedelta(days=n)


# --- Who can see my diary -------------------------------------------------------------------------


def test_the_page_lists_each_clinic_its_people_since_when_and_when_each_last_looked(
    client, patient, derm, manager, clinic
):
    assign(patient, derm, clinic=clinic)
    client.force_login(derm)
    client.get(reverse("admin:diary_patient_timeline", args=[patient.pk]))
    client.force_login(patient.user)

    page = client.get(reverse("diary:sharing")).text

    assert "Northside Skin Clinic" in page
    assert "Since " + timezone.localdate().strftime("%-d %b %Y") in page
    row = re.search(r"<tr><td>Meredith Grey</td><td>Dermatologist</td>\s*<td>([^<]+)</td>", page)
    assert row and row.group(1) != "never"
    assert re.search(r"<tr><td>Pat Manager</td><td>Clinic manager</td>\s*<td>never</td>", page)
    assert reverse("clinics:withdraw", args=[patient.user.care_links.get().pk]) in page


def test_a_superuser_who_looked_is_listed_too(client, patient):
    admin = StaffFactory(username="root", first_name="Site", last_name="Admin", is_superuser=True)
    client.force_login(admin)
    client.get(reverse("admin:diary_patient_change", args=[patient.pk]))
    client.force_login(patient.user)

    page = client.get(reverse("diary:sharing")).text

    assert "Others who opened your diary" in page and "Site Admin" in page


def test_the_sharing_pages_need_a_signed_in_patient(client, other_patient):
    for name in ["diary:sharing", "diary:share-link-add"]:
        assert client.get(reverse(name)).status_code == 302


# --- Share links -------------------------------------------------------------------------------------------


def make_link(client, patient, **fields) -> str:
    client.force_login(patient.user)
    data = {"start": day(patient, 7), "end": day(patient, 1), "days": 3, "label": "GP visit", **fields}
    response = client.post(reverse("diary:share-link-add"), data)
    assert response.status_code == 200
    return SHARED.search(response.text).group(1).split("testserver", 1)[1]


def test_a_share_link_shows_only_the_chosen_period_to_anyone_holding_it(client, patient):
    inside, outside = (
        EntryFactory(patient=patient, date=day(patient, 3)),
        EntryFactory(patient=patient, date=day(patient, 10)),
    )
    ReactionFactory(entry=inside, symptom__code="burning", symptom__name="Burning")
    inside.notes, outside.notes = "inside-note", "outside-note"
    inside.save(), outside.save()
    path = make_link(client, patient)
    client.logout()

    page = client.get(path)

    assert page.status_code == 200
    assert "inside-note" in page.text and "Burning" in page.text
    assert "outside-note" not in page.text
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]


def test_photos_are_shown_only_when_chosen_and_only_of_the_period(client, patient):
    inside = PhotoFactory(entry__patient=patient, entry__date=day(patient, 2), taken_on=day(patient, 2))
    outside = PhotoFactory(entry__patient=patient, entry__date=day(patient, 20), taken_on=day(patient, 20))
    without = make_link(client, patient)
    with_photos = make_link(client, patient, include_photos="on")
    client.logout()

    assert "/photos/" not in client.get(without).text
    assert client.get(f"{without}photos/{inside.pk}/thumb/").status_code == 404
    assert client.get(f"{with_photos}photos/{inside.pk}/thumb/").status_code == 200
    assert client.get(f"{with_photos}photos/{outside.pk}/thumb/").status_code == 404


def test_each_opening_is_audited_and_shown_to_the_patient(client, patient):
    path = make_link(client, patient)
    client.logout()
    client.get(path)
    client.get(path)

    link = ShareLink.objects.get()
    assert LogEntry.objects.filter(object_id=link.pk, action=LogEntry.Action.ACCESS).count() == 2
    client.force_login(patient.user)
    assert "opened 2 times" in client.get(reverse("diary:sharing")).text


def test_an_expired_link_says_so_plainly(client, patient):
    path = make_link(client, patient)
    ShareLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    client.logout()

    response = client.get(path)

    assert response.status_code == 410
    assert "This share link has expired" in response.text


def test_a_revoked_link_says_so_plainly_and_only_its_owner_revokes_it(client, patient, other_patient):
    path = make_link(client, patient)
    link = ShareLink.objects.get()
    client.force_login(other_patient.user)
    assert client.post(reverse("diary:share-link-revoke", args=[link.pk])).status_code == 404
    client.force_login(patient.user)
    client.post(reverse("diary:share-link-revoke", args=[link.pk]))
    client.logout()

    response = client.get(path)

    assert response.status_code == 410
    assert "This share link was revoked" in response.text


def test_a_link_lasts_at_most_seven_days(client, patient):
    client.force_login(patient.user)

    response = client.post(
        reverse("diary:share-link-add"), {"start": day(patient, 3), "end": day(patient, 1), "days": 8}
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not ShareLink.objects.exists()
    with pytest.raises(Exception, match="1 to 7 days"):
        services.share_link_create(
            patient_user=patient.user, start=day(patient, 1), end=day(patient, 1), days=8, include_photos=False
        )


def test_a_period_ending_before_it_starts_is_refused_keeping_what_was_typed(client, patient):
    client.force_login(patient.user)

    response = client.post(
        reverse("diary:share-link-add"), {"start": day(patient, 1), "end": day(patient, 5), "days": 2, "label": "A&E"}
    )

    assert "The end of the period must be on or after its start." in response.text
    assert 'value="A&amp;E"' in response.text
    assert not ShareLink.objects.exists()


def test_guessing_share_links_is_rate_limited(client, patient, ratelimit_clock):
    path = make_link(client, patient)
    client.logout()
    for n in range(21):  # 20 wrong addresses an hour are answered; after that every address is refused
        assert client.get(f"/shared/guess{n}:abc/").status_code == 404

    assert client.get(path).status_code == 429


# --- Unlinked patients are told the truth ------------------------------------------------------------------


@pytest.fixture
def today_flag(patient):
    entry = EntryFactory(patient=patient)
    return Flag.objects.create(
        patient=patient,
        entry=entry,
        urgency=3,
        first_seen=entry.date,
        last_seen=entry.date,
        rule_text="Cold sores",
        advice="Contact your clinician today.",
        notification=Flag.Notification.PENDING,
    )


def _pages(client, flag) -> dict[str, str]:
    return {
        url: client.get(url).text
        for url in [reverse("home"), reverse("diary:alert-list"), reverse("diary:alert-detail", args=[flag.pk])]
    }


def test_an_unlinked_patients_pages_never_say_a_dermatologist_or_clinic_will_see_them(client, patient, today_flag):
    client.force_login(patient.user)

    for url, text in _pages(client, today_flag).items():
        lowered = text.lower()
        assert "your dermatologist sees" not in lowered, url
        assert "has been sent a notice" not in lowered, url
        assert "waiting for review" not in lowered, url
        assert reverse("clinics:join") in text, url
    assert "Not shared with a clinic" in client.get(reverse("home")).text


def test_a_linked_patient_sees_the_clinic_and_dermatologist_names(client, patient, derm, clinic, today_flag):
    assign(patient, derm, clinic=clinic)
    client.force_login(patient.user)

    pages = _pages(client, today_flag)

    assert "Shared with Northside Skin Clinic (Meredith Grey)" in pages[reverse("home")]
    assert "Northside Skin Clinic has been sent a notice" in pages[reverse("diary:alert-list")]
    assert "Waiting for review" in pages[reverse("diary:alert-list")]


def test_the_sign_up_and_landing_pages_promise_no_dermatologist(client):
    for url in [reverse("home"), reverse("signup")]:
        text = client.get(url).text.lower()
        assert "dermatologist assigned to you" not in text
        assert "your dermatologist can review" not in text
