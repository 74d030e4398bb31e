"""A patient photographs their face on two days and compares the photos, on a phone-sized screen."""

import datetime
import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from diary.models import Photo
from tests.factories import BodyAreaFactory, PatientFactory, jpeg_bytes

pytestmark = pytest.mark.browser

# The width an image has once its bytes arrived and decoded (waits for the download; fails if broken).
LOADED_WIDTH = "img => img.decode().then(() => img.naturalWidth)"


def _sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def _add_photo(page, name: str, colour: tuple[int, int, int], caption: str) -> None:
    page.get_by_label("Photo*", exact=True).set_input_files(
        {"name": name, "mimeType": "image/jpeg", "buffer": jpeg_bytes(colour, size=(640, 480))}
    )
    page.get_by_label("Body area").select_option(label="Face")
    page.get_by_label("Caption (optional)").fill(caption)
    page.get_by_role("button", name="Add a photo").click()
    expect(page.get_by_role("status")).to_contain_text("Added a photo of your face")


@pytest.mark.long
def test_a_patient_adds_two_photos_of_the_face_on_two_days_and_compares_them(phone, live_server):
    BodyAreaFactory(code="face", name="Face")
    BodyAreaFactory(code="hands", name="Hands", adult_ftu=1)
    patient = PatientFactory(user__username="fran", time_zone="Europe/London")
    earlier = patient.today() - datetime.timedelta(days=14)
    _sign_in(phone, live_server, patient.user)

    phone.goto(f"/diary/{earlier:%Y-%m-%d}/")
    _add_photo(phone, "before.jpg", (200, 60, 60), "Before the cream")
    expect(phone.get_by_role("img", name="Face: Before the cream")).to_be_visible()

    phone.goto("/")
    _add_photo(phone, "after.jpg", (230, 180, 170), "Two weeks on")
    expect(phone.get_by_role("img", name="Face: Two weeks on")).to_be_visible()

    phone.get_by_role("link", name="Compare over time").click()
    expect(phone.get_by_role("heading", name="Compare photos of your face")).to_be_visible()
    expect(phone.get_by_text("14 days apart")).to_be_visible()
    before, after = Photo.objects.order_by("taken_on")
    for image in (
        phone.get_by_role("img", name=re.compile(rf"^Earlier: Face on {earlier.day} ")),
        phone.get_by_role("img", name=re.compile(r"^Later: Face on ")),
    ):
        expect(image).to_be_visible()
        # The image was fetched through the authorised view and decoded by the browser.
        assert image.evaluate(LOADED_WIDTH) == 640
    # Stacked on a narrow phone: the later photo sits below the earlier one.
    first_box = phone.get_by_role("img", name=re.compile("^Earlier")).bounding_box()
    second_box = phone.get_by_role("img", name=re.compile("^Later")).bounding_box()
    assert second_box["y"] >= first_box["y"] + first_box["height"]
    assert (before.caption, after.caption) == ("Before the cream", "Two weeks on")

    # Every photo page passes axe-core's accessibility checks, as the other diary pages do.
    from tests.browser.journeys import Axe

    axe = Axe()
    problems = {}
    for path in [
        "/",
        "/diary/photos/",
        "/diary/photos/?area=face",
        "/diary/photos/compare/?area=face",
        f"/diary/photos/{after.pk}/",
        f"/diary/photos/{after.pk}/delete/",
    ]:
        assert phone.goto(path).status == 200
        violations = axe.run(phone).response["violations"]
        if violations:
            problems[path] = [(v["id"], v["impact"]) for v in violations]
    assert problems == {}
