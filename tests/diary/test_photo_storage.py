import io
import os
import re
import stat
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from diary.imaging import ProcessedImage, process_upload
from diary.storage import PhotoStorage, delete_files, photo_storage, save_processed

NAME = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/([0-9a-f]{32})\.jpg$")
THUMB = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/([0-9a-f]{32})_thumb\.jpg$")


def _processed(**changes):
    fields = {
        "image_bytes": b"full image",
        "thumb_bytes": b"thumbnail",
        "content_type": "image/jpeg",
        "extension": "jpg",
        "width": 4,
        "height": 3,
        "sha256": "0" * 64,
        "taken_on": None,
    }
    return ProcessedImage(**(fields | changes))


def _files_under(folder):
    return sorted(path for path in Path(folder).rglob("*") if path.is_file())


def _jpeg_upload(name):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_photos_are_stored_in_a_photos_folder_under_media_root(settings):
    image_name, _ = save_processed(_processed())

    assert Path(photo_storage().location) == settings.MEDIA_ROOT / "photos"
    assert (settings.MEDIA_ROOT / "photos" / image_name).read_bytes() == b"full image"


def test_the_image_and_its_thumbnail_share_a_random_stem():
    image_name, thumb_name = save_processed(_processed())

    assert NAME.match(image_name).group(1) == THUMB.match(thumb_name).group(1)
    assert thumb_name == image_name.removesuffix(".jpg") + "_thumb.jpg"
    assert image_name[:2] == image_name[6:8] and image_name[3:5] == image_name[8:10]
    assert photo_storage().open(thumb_name).read() == b"thumbnail"


def test_names_are_different_for_every_photo_even_for_identical_bytes():
    first = save_processed(_processed())
    second = save_processed(_processed())

    assert set(first).isdisjoint(second)


@pytest.mark.parametrize(
    "upload_name",
    [
        "alice-smith-left-elbow.jpg",
        "../../x.jpg",
        "/etc/passwd",
        "..\\..\\x.jpg",
        "a" * 1000 + ".jpg",
        "bad\x00\n\r\x1b.jpg",
        "photo.jpg.html",
    ],
)
def test_the_uploaded_file_name_is_never_used(settings, upload_name):
    names = save_processed(process_upload(_jpeg_upload(upload_name)))

    assert NAME.match(names[0]) and THUMB.match(names[1])
    root = (settings.MEDIA_ROOT / "photos").resolve()
    for path in _files_under(settings.MEDIA_ROOT):
        assert path.resolve().is_relative_to(root)
    assert len(_files_under(settings.MEDIA_ROOT)) == 2


def test_the_storage_itself_refuses_a_path_outside_its_folder():
    with pytest.raises(SuspiciousFileOperation):
        photo_storage().save("../../x.jpg", ContentFile(b"x"))


def test_a_photo_has_no_url_so_it_cannot_be_served_publicly():
    image_name, _ = save_processed(_processed())

    with pytest.raises(ValueError, match="not accessible via a URL"):
        photo_storage().url(image_name)


def test_a_base_url_given_in_options_is_ignored():
    with pytest.raises(ValueError):
        PhotoStorage(base_url="/media/").url("ab/cd/x.jpg")


def test_photo_files_and_folders_are_readable_by_their_owner_only(settings):
    image_name, _ = save_processed(_processed())

    path = settings.MEDIA_ROOT / "photos" / image_name
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700


def test_a_failed_thumbnail_write_leaves_no_file_behind(settings):
    storage = photo_storage()
    real_save = storage.save

    def save_then_fail(name, content, **kwargs):
        if "_thumb" in name:
            raise OSError("disk full")
        return real_save(name, content, **kwargs)

    with mock.patch.object(storage, "save", side_effect=save_then_fail), pytest.raises(OSError, match="disk full"):
        save_processed(_processed())

    assert _files_under(settings.MEDIA_ROOT) == []


def test_a_failed_clean_up_still_reports_the_original_failure(settings):
    storage = photo_storage()
    real_save = storage.save

    def save_then_fail(name, content, **kwargs):
        if "_thumb" in name:
            raise OSError("disk full")
        return real_save(name, content, **kwargs)

    with (
        mock.patch.object(storage, "save", side_effect=save_then_fail),
        mock.patch.object(storage, "delete", side_effect=PermissionError("read-only")),
        pytest.raises(OSError, match="disk full"),
    ):
        save_processed(_processed())


def test_delete_files_removes_the_image_and_its_thumbnail(settings):
    names = save_processed(_processed())

    delete_files(*names)

    assert _files_under(settings.MEDIA_ROOT) == []


def test_delete_files_ignores_missing_files_and_empty_names():
    image_name, thumb_name = save_processed(_processed())
    delete_files(thumb_name)

    delete_files(image_name, thumb_name, "", "ab/cd/" + "0" * 32 + ".jpg")

    assert not photo_storage().exists(image_name)


def test_the_photo_storage_is_chosen_in_settings(settings):
    settings.STORAGES = {**settings.STORAGES, "photos": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}

    image_name, thumb_name = save_processed(_processed())

    assert isinstance(photo_storage(), InMemoryStorage)
    assert photo_storage().open(image_name).read() == b"full image"
    delete_files(image_name, thumb_name)
    assert not photo_storage().exists(thumb_name)


def test_the_storage_deconstructs_to_its_own_path_for_migrations():
    path, args, kwargs = PhotoStorage().deconstruct()

    assert path == "diary.storage.PhotoStorage"
    assert (args, kwargs) == ((), {})
