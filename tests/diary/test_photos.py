"""Photos: upload from a diary day, private serving, gallery and side-by-side comparison."""

import datetime
import io
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.urls import reverse
from PIL import Image

from diary import services
from diary.models import Entry, Photo
from tests.conftest import SHARED_MISS_QUERIES
from tests.factories import (
    BodyAreaFactory,
    EntryFactory,
    PatientFactory,
    PhotoFactory,
    UserFactory,
    assign,
    jpeg_bytes,
)

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 1)


def _gps_jpeg(colour=(200, 120, 100)) -> bytes:
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 39.0)})
    exif.get_ifd(0x8769)[0x9003] = "2026:02:20 08:15:00"
    return jpeg_bytes(colour, exif=exif, comment=b"Alice at home")


def _upload(data: bytes | None = None, name: str = "skin.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else jpeg_bytes(), content_type="image/jpeg")


def _files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "photos"
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def _post_photo(client, day, data=None, name="skin.jpg", body_area=None, caption="Left cheek"):
    fields = {"upload": _upload(data, name), "caption": caption}
    if body_area is not None:
        fields["body_area"] = body_area.pk
    return client.post(reverse("diary:photo-add", args=[day]), fields)


@pytest.fixture
def face(db):
    return BodyAreaFactory(code="face", name="Face", adult_ftu="2.5")


@pytest.fixture
def hands(db):
    return BodyAreaFactory(code="hands", name="Hands", adult_ftu="1.0")


@pytest.fixture
def signed_in(client, patient):
    client.force_login(patient.user)
    return client


def _photo(patient, day=DAY, area=None, **kwargs) -> Photo:
    entry = Entry.objects.get_or_create(patient=patient, date=day)[0]
    return PhotoFactory(entry=entry, body_area=area or BodyAreaFactory(), **kwargs)


# --- Uploading -----------------------------------------------------------------------------


def test_uploading_a_jpeg_stores_one_photo_and_two_files_without_exif_or_gps(signed_in, patient, face, settings):
    response = _post_photo(signed_in, DAY, _gps_jpeg(), body_area=face)

    assert response.status_code == 302
    assert response["Location"] == reverse("diary:day", args=[DAY]) + "#photos"
    photo = Photo.objects.get()
    assert (photo.entry.patient, photo.entry.date, photo.body_area, photo.caption) == (patient, DAY, face, "Left cheek")
    assert photo.taken_on == DAY
    assert (photo.width, photo.height) == (120, 90)
    assert len(photo.sha256) == 64
    files = _files(settings)
    assert len(files) == 2
    for path in files:
        data = path.read_bytes()
        stored = Image.open(io.BytesIO(data))
        assert stored.format == "JPEG"
        assert not stored.getexif()
        assert b"Exif" not in data
        assert b"Alice" not in data


def test_the_file_field_offers_both_the_camera_and_the_library_and_the_form_posts_files(signed_in, patient):
    html = signed_in.get(reverse("home")).content.decode()

    assert 'accept="image/*"' in html
    assert "capture=" not in html  # it would open only the camera and hide the pictures already taken
    assert "Take a photo with the camera or choose one you already have." in html
    assert 'enctype="multipart/form-data"' in html
    assert "Add a photo" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a not really a photo", "This file is not a photo we can read."),
        (b"", "This file is empty."),
    ],
)
def test_a_refused_file_is_a_form_error_that_keeps_the_caption_and_body_area(signed_in, face, data, message):
    response = _post_photo(signed_in, DAY, data, body_area=face, caption="Rash after cream")

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'value="Rash after cream"' in html
    assert f'<option value="{face.pk}" selected>' in html
    assert Photo.objects.count() == 0


def test_an_over_large_upload_gets_the_clear_message_not_a_400(signed_in, face, settings):
    data = jpeg_bytes() + b"\0" * (15 * 1024 * 1024)

    response = _post_photo(signed_in, DAY, data, body_area=face)

    assert response.status_code == 200
    assert "This photo is larger than 15 MB." in response.content.decode()
    assert _files(settings) == []


def test_a_photo_with_too_many_pixels_is_refused(signed_in, face):
    buffer = io.BytesIO()
    Image.new("L", (8000, 6000)).save(buffer, "PNG")

    response = _post_photo(signed_in, DAY, buffer.getvalue(), name="big.png", body_area=face)

    assert "more than 40 megapixels" in response.content.decode()


def test_a_missing_body_area_is_an_error_that_keeps_the_caption(signed_in):
    response = _post_photo(signed_in, DAY, caption="Patch on the neck")

    html = response.content.decode()
    assert "Choose where on your body the photo shows." in html
    assert 'value="Patch on the neck"' in html


def test_an_identical_photo_on_the_same_day_is_recognised_and_not_stored_twice(signed_in, face, settings):
    data = jpeg_bytes()
    _post_photo(signed_in, DAY, data, body_area=face)

    response = _post_photo(signed_in, DAY, data, body_area=face, caption="Again")

    assert response.status_code == 200
    assert "This photo is already on this day." in response.content.decode()
    assert Photo.objects.count() == 1
    assert len(_files(settings)) == 2


def test_the_same_photo_may_be_added_to_another_day(signed_in, face):
    data = jpeg_bytes()
    _post_photo(signed_in, DAY, data, body_area=face)
    _post_photo(signed_in, DAY + datetime.timedelta(days=1), data, body_area=face)

    assert Photo.objects.count() == 2


@pytest.mark.parametrize("name", ["../../x.jpg", "a" * 2000 + ".jpg", "bad\x00\x1b[31m\r\nname.jpg", "/etc/passwd"])
def test_upload_file_names_are_harmless(signed_in, face, settings, name):
    response = _post_photo(signed_in, DAY, body_area=face, name=name)

    assert response.status_code == 302
    photo = Photo.objects.get()
    files = _files(settings)
    assert len(files) == 2
    assert all(path.is_relative_to(Path(settings.MEDIA_ROOT) / "photos") for path in files)
    assert "x.jpg" not in photo.image and "passwd" not in photo.image and "name" not in photo.image


def test_a_photo_cannot_be_added_to_a_day_that_has_not_come(signed_in, face):
    response = _post_photo(signed_in, datetime.date(2999, 1, 1), body_area=face)

    assert response.status_code == 404


def test_the_day_page_shows_the_days_photos(signed_in, patient, face):
    photo = _photo(patient, area=face, caption="Cheek")

    html = signed_in.get(reverse("diary:day", args=[DAY])).content.decode()

    assert reverse("diary:photo-file", args=[photo.pk, "thumb"]) in html
    assert reverse("diary:photo-detail", args=[photo.pk]) in html
    assert reverse("diary:photo-delete", args=[photo.pk]) in html


# --- Services: no row without files, no file without a row ------------------------------


def test_a_storage_failure_mid_upload_leaves_neither_a_row_nor_a_file(patient, face, settings):
    real_save = type(services.storage.photo_storage()).save
    calls = []

    def fail_on_thumbnail(self, name, content, max_length=None):
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_save(self, name, content, max_length)

    with (
        mock.patch("diary.storage.PhotoStorage.save", fail_on_thumbnail),
        pytest.raises(OSError, match="disk full"),
    ):
        services.photo_create(patient=patient, date=DAY, upload=_upload(), body_area=face, caption="")

    assert Photo.objects.count() == 0
    assert _files(settings) == []


def test_a_database_failure_after_the_files_are_written_deletes_them(patient, face, settings):
    with (
        mock.patch.object(Photo, "save", side_effect=DatabaseError("connection lost")),
        pytest.raises(DatabaseError),
    ):
        services.photo_create(patient=patient, date=DAY, upload=_upload(), body_area=face, caption="")

    assert Photo.objects.count() == 0
    assert _files(settings) == []


def test_deleting_a_photo_removes_its_files_after_commit(patient, face, settings, django_capture_on_commit_callbacks):
    photo = services.photo_create(patient=patient, date=DAY, upload=_upload(), body_area=face, caption="")

    with django_capture_on_commit_callbacks(execute=True):
        services.photo_delete(patient=patient, photo=photo)

    assert Photo.objects.count() == 0
    assert _files(settings) == []


def test_a_rolled_back_photo_deletion_keeps_its_files(patient, face, settings, django_capture_on_commit_callbacks):
    photo = services.photo_create(patient=patient, date=DAY, upload=_upload(), body_area=face, caption="")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.photo_delete(patient=patient, photo=photo)
        raise RuntimeError("something else failed")

    assert Photo.objects.count() == 1
    assert len(_files(settings)) == 2


def test_another_patients_photo_cannot_be_deleted(patient, other_patient, face):
    photo = _photo(other_patient, area=face)

    with pytest.raises(services.NotYoursError):
        services.photo_delete(patient=patient, photo=photo)


def test_deleting_an_entry_removes_its_photos_files(patient, face, settings, django_capture_on_commit_callbacks):
    services.photo_create(patient=patient, date=DAY, upload=_upload(), body_area=face, caption="")
    services.photo_create(patient=patient, date=DAY, upload=_upload(jpeg_bytes((1, 2, 3))), body_area=face, caption="")
    kept = _photo(patient, day=DAY + datetime.timedelta(days=1), area=face)

    with django_capture_on_commit_callbacks(execute=True):
        services.entry_delete(patient=patient, entry=Entry.objects.get(patient=patient, date=DAY))

    assert list(Photo.objects.all()) == [kept]
    assert {path.name for path in _files(settings)} == {Path(kept.image).name, Path(kept.thumbnail).name}


def test_the_helper_deletes_a_whole_accounts_photo_files(
    patient, other_patient, face, settings, django_capture_on_commit_callbacks
):
    _photo(patient, area=face)
    _photo(patient, day=DAY + datetime.timedelta(days=1), area=face)
    kept = _photo(other_patient, area=face)

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.photo_files_delete_on_commit(photos=Photo.objects.for_patient(patient))
        patient.user.delete()

    assert list(Photo.objects.all()) == [kept]
    assert {path.name for path in _files(settings)} == {Path(kept.image).name, Path(kept.thumbnail).name}


# --- Serving the files ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["image", "thumb"])
def test_the_owner_gets_the_file_with_private_headers(signed_in, patient, settings, kind):
    photo = _photo(patient)

    response = signed_in.get(reverse("diary:photo-file", args=[photo.pk, kind]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    suffix = "" if kind == "image" else "-thumb"
    assert response["Content-Disposition"] == f'inline; filename="photo-{photo.pk}{suffix}.jpg"'
    name = photo.image if kind == "image" else photo.thumbnail
    body = b"".join(response.streaming_content)
    assert body == (Path(settings.MEDIA_ROOT) / "photos" / name).read_bytes()


def test_the_file_url_is_under_diary_photos_not_media():
    assert reverse("diary:photo-file", args=[7, "image"]) == "/diary/photos/7/image/"
    assert reverse("diary:photo-file", args=[7, "thumb"]) == "/diary/photos/7/thumb/"


def test_another_patient_gets_404_for_the_file(client, patient, other_patient):
    photo = _photo(patient)
    client.force_login(other_patient.user)

    assert client.get(reverse("diary:photo-file", args=[photo.pk, "image"])).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in_for_the_file(client, patient):
    photo = _photo(patient)

    response = client.get(reverse("diary:photo-file", args=[photo.pk, "image"]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_assigned_dermatologist_can_fetch_the_file(client, patient, dermatologist, other_dermatologist):
    assign(patient, dermatologist)
    photo = _photo(patient)
    url = reverse("diary:photo-file", args=[photo.pk, "image"])

    client.force_login(dermatologist)
    assert client.get(url).status_code == 200
    client.force_login(other_dermatologist)
    assert client.get(url).status_code == 404


def test_a_non_staff_user_named_as_dermatologist_gets_404(client, patient):
    former = UserFactory(username="no-longer-staff", is_staff=False)
    assign(patient, former)
    photo = _photo(patient)

    client.force_login(former)

    assert client.get(reverse("diary:photo-file", args=[photo.pk, "image"])).status_code == 404


def test_a_superuser_can_fetch_any_file(client, patient):
    photo = _photo(patient)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    assert client.get(reverse("diary:photo-file", args=[photo.pk, "thumb"])).status_code == 200


def test_with_x_accel_redirect_nginx_sends_the_bytes_after_the_check(signed_in, patient, client, settings):
    settings.PHOTO_SENDFILE = "/protected-photos/"
    photo = _photo(patient)

    response = signed_in.get(reverse("diary:photo-file", args=[photo.pk, "image"]))

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-photos/{photo.image}"
    assert response.content == b""
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Content-Disposition"] == f'inline; filename="photo-{photo.pk}.jpg"'


def test_x_accel_redirect_is_not_given_to_someone_else(client, patient, other_patient, settings):
    settings.PHOTO_SENDFILE = "/protected-photos/"
    photo = _photo(patient)
    client.force_login(other_patient.user)

    response = client.get(reverse("diary:photo-file", args=[photo.pk, "image"]))

    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response


def test_a_missing_file_is_a_404_not_a_500(signed_in, patient):
    photo = _photo(patient)
    services.storage.delete_files(photo.image)

    assert signed_in.get(reverse("diary:photo-file", args=[photo.pk, "image"])).status_code == 404


# --- Every page: owner, other patient, anonymous ------------------------------------------


def _page_urls(photo) -> list[str]:
    return [
        reverse("diary:photo-detail", args=[photo.pk]),
        reverse("diary:photo-delete", args=[photo.pk]),
        reverse("diary:photo-file", args=[photo.pk, "image"]),
        reverse("diary:photo-file", args=[photo.pk, "thumb"]),
    ]


def test_the_owner_can_open_every_photo_page(signed_in, patient):
    photo = _photo(patient)
    urls = [*_page_urls(photo), reverse("diary:photo-gallery"), reverse("diary:photo-compare")]

    assert [signed_in.get(url).status_code for url in urls] == [200] * len(urls)


def test_another_patient_gets_404_on_every_photo_page(client, patient, other_patient):
    photo = _photo(patient)
    client.force_login(other_patient.user)

    assert [client.get(url).status_code for url in _page_urls(photo)] == [404] * 4
    assert client.post(reverse("diary:photo-delete", args=[photo.pk])).status_code == 404
    assert Photo.objects.count() == 1


def test_another_patients_photos_are_not_in_the_gallery(client, patient, other_patient):
    photo = _photo(patient)
    client.force_login(other_patient.user)

    html = client.get(reverse("diary:photo-gallery")).content.decode()

    assert f"/photos/{photo.pk}/" not in html
    assert "No photos yet." in html


def test_an_anonymous_visitor_is_sent_to_log_in_from_every_photo_page(client, patient):
    photo = _photo(patient)
    urls = [*_page_urls(photo), reverse("diary:photo-gallery"), reverse("diary:photo-compare")]
    responses = [client.get(url) for url in urls]
    responses.append(client.post(reverse("diary:photo-add", args=[DAY])))

    assert [r.status_code for r in responses] == [302] * len(responses)
    assert all(r["Location"].startswith(reverse("login")) for r in responses)


def test_a_dermatologist_without_a_diary_gets_404_on_the_patient_pages(client, patient, dermatologist):
    assign(patient, dermatologist)
    photo = _photo(patient)
    client.force_login(dermatologist)

    assert client.get(reverse("diary:photo-detail", args=[photo.pk])).status_code == 404


def test_the_photo_page_shows_the_full_image(signed_in, patient):
    photo = _photo(patient, caption="After two weeks")

    html = signed_in.get(reverse("diary:photo-detail", args=[photo.pk])).content.decode()

    assert reverse("diary:photo-file", args=[photo.pk, "image"]) in html
    assert "After two weeks" in html


def test_deleting_a_photo_asks_first_then_deletes_on_post(
    signed_in, patient, settings, django_capture_on_commit_callbacks
):
    photo = _photo(patient)
    url = reverse("diary:photo-delete", args=[photo.pk])

    assert "cannot be undone" in signed_in.get(url).content.decode()
    assert Photo.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(url)

    assert response.status_code == 302
    assert response["Location"] == reverse("diary:day", args=[DAY]) + "#photos"
    assert Photo.objects.count() == 0
    assert _files(settings) == []


def test_deleting_the_day_from_the_page_removes_the_photo_files(
    signed_in, patient, settings, django_capture_on_commit_callbacks
):
    _photo(patient)

    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(reverse("diary:entry-delete", args=[DAY]))

    assert Photo.objects.count() == 0
    assert _files(settings) == []


# --- Gallery and comparison ----------------------------------------------------------------


def test_the_gallery_groups_photos_by_area_newest_first(signed_in, patient, face, hands):
    old_face = _photo(patient, day=DAY, area=face)
    new_face = _photo(patient, day=DAY + datetime.timedelta(days=5), area=face)
    hand = _photo(patient, day=DAY + datetime.timedelta(days=2), area=hands)

    html = signed_in.get(reverse("diary:photo-gallery")).content.decode()

    face_at, hands_at = html.index('id="area-face"'), html.index('id="area-hands"')
    assert face_at < html.index(f"/photos/{new_face.pk}/") < html.index(f"/photos/{old_face.pk}/") < hands_at
    assert hands_at < html.index(f"/photos/{hand.pk}/")
    assert "6 Mar 2026" in html


def test_the_gallery_can_show_one_area(signed_in, patient, face, hands):
    _photo(patient, area=face)
    hand = _photo(patient, area=hands)

    html = signed_in.get(reverse("diary:photo-gallery"), {"area": "hands"}).content.decode()

    assert 'id="area-face"' not in html
    assert f"/photos/{hand.pk}/" in html


def test_compare_shows_the_first_and_latest_photo_of_an_area_and_the_days_between(signed_in, patient, face):
    first = _photo(patient, day=DAY, area=face)
    middle = _photo(patient, day=DAY + datetime.timedelta(days=7), area=face)
    latest = _photo(patient, day=DAY + datetime.timedelta(days=30), area=face)

    response = signed_in.get(reverse("diary:photo-compare"), {"area": "face"})

    assert (response.context["first"], response.context["second"]) == (first, latest)
    html = response.content.decode()
    assert "30 days apart" in html
    assert reverse("diary:photo-file", args=[middle.pk, "image"]) not in html


def test_compare_shows_any_two_photos_on_request(signed_in, patient, face):
    first = _photo(patient, day=DAY, area=face)
    middle = _photo(patient, day=DAY + datetime.timedelta(days=1), area=face)
    _photo(patient, day=DAY + datetime.timedelta(days=30), area=face)

    response = signed_in.get(reverse("diary:photo-compare"), {"area": "face", "a": first.pk, "b": middle.pk})

    assert (response.context["first"], response.context["second"]) == (first, middle)
    assert "1 day apart" in response.content.decode()


def test_compare_refuses_another_patients_photo(signed_in, patient, other_patient, face):
    mine = _photo(patient, area=face)
    _photo(patient, day=DAY + datetime.timedelta(days=1), area=face)
    theirs = _photo(other_patient, area=face)

    response = signed_in.get(reverse("diary:photo-compare"), {"area": "face", "a": mine.pk, "b": theirs.pk})

    assert response.status_code == 404


def test_compare_with_one_photo_of_an_area_says_another_is_needed(signed_in, patient, face):
    _photo(patient, area=face)

    html = signed_in.get(reverse("diary:photo-compare"), {"area": "face"}).content.decode()

    assert "you need at least two photos of your face" in html


# --- Query counts --------------------------------------------------------------------------


def _fill(patient, areas, days: int) -> None:
    """A photo of each area on each of `days` days, plus `days` more on the first day."""
    for n in range(days):
        entry = EntryFactory(patient=patient, date=DAY + datetime.timedelta(days=n))
        for area in areas:
            PhotoFactory(entry=entry, body_area=area)
    PhotoFactory.create_batch(days, entry=Entry.objects.get(patient=patient, date=DAY), body_area=areas[-1])


@pytest.mark.parametrize("days", [2, 12])
def test_photo_pages_cost_the_same_queries_however_many_photos(
    signed_in, patient, face, hands, days, django_assert_num_queries
):
    _fill(patient, [face, hands], days)
    day_url = reverse("diary:day", args=[DAY])

    with django_assert_num_queries(GALLERY_QUERIES):
        signed_in.get(reverse("diary:photo-gallery"))
    with django_assert_num_queries(COMPARE_QUERIES):
        response = signed_in.get(reverse("diary:photo-compare"), {"area": "face"})
    with django_assert_num_queries(DAY_QUERIES):
        day_page = signed_in.get(day_url)
    assert len(response.context["photos"]) == days
    assert len(day_page.context["photos"]) == days + 2


GALLERY_QUERIES = 5  # session, user, patient, areas, photos
COMPARE_QUERIES = 5
# The day page, with its alerts, photos, forms and the clinics it is shared with, as a process's first view: the
# reference version, then the pickers it caches (diary/fragments.py; the reaction and photo forms' body areas in
# one read), the symptom groups kept in the shared cache.
DAY_QUERIES = 15 + SHARED_MISS_QUERIES


def test_another_patient_unrelated_to_the_photos_sees_an_empty_compare_page(client):
    client.force_login(PatientFactory(user__username="carol").user)

    assert "No photos yet." in client.get(reverse("diary:photo-compare")).content.decode()
