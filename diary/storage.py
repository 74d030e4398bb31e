"""Private storage for patients' photos: random names, no public URL, no orphaned files."""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property

if TYPE_CHECKING:
    from diary.imaging import ProcessedImage

logger = logging.getLogger(__name__)


@deconstructible(path="diary.storage.PhotoStorage")
class PhotoStorage(FileSystemStorage):
    """Files under MEDIA_ROOT/photos (or OPTIONS["location"]) that no URL ever points to."""

    def __init__(
        self,
        location: str | os.PathLike[str] | None = None,
        file_permissions_mode: int | None = 0o600,
        directory_permissions_mode: int | None = 0o700,
        **kwargs: object,
    ) -> None:
        # Owner-only modes: these are medical photos, read only by the app that serves them after a check.
        # base_url is not accepted: a FileSystemStorage without one would fall back to MEDIA_URL.
        kwargs.pop("base_url", None)
        super().__init__(
            location=location,
            file_permissions_mode=file_permissions_mode,
            directory_permissions_mode=directory_permissions_mode,
            **kwargs,
        )

    @cached_property
    def base_location(self) -> str:
        """Return the configured location, else MEDIA_ROOT/photos (re-read when MEDIA_ROOT changes in tests)."""
        return self._value_or_setting(self._location, Path(settings.MEDIA_ROOT) / "photos")

    @cached_property
    def base_url(self) -> None:
        """Return None, so url() refuses: photos are served only through a view that checks the viewer."""
        return None


def photo_storage() -> Storage:
    """Return the storage configured as STORAGES["photos"]; usable as a FileField's storage callable."""
    return storages["photos"]


def new_stem() -> str:
    """Return a random name stem like "ab/cd/<32 hex digits>" that carries nothing about the patient or upload."""
    token = uuid.uuid4().hex
    # Two levels of two hex digits keep any one folder to a few hundred entries at a million photos.
    return f"{token[:2]}/{token[2:4]}/{token}"


def save_processed(processed: ProcessedImage, *, storage: Storage | None = None) -> tuple[str, str]:
    """Return (image name, thumbnail name) after writing both files, or raise having written neither."""
    storage = storage or photo_storage()
    stem = new_stem()
    image_name = storage.save(f"{stem}.{processed.extension}", ContentFile(processed.image_bytes))
    try:
        thumb_name = storage.save(f"{stem}_thumb.{processed.extension}", ContentFile(processed.thumb_bytes))
    except BaseException:
        try:
            delete_files(image_name, storage=storage)
        except Exception:
            # The caller must see why the save failed, not why the clean-up did.
            logger.exception("Could not delete photo %s after its thumbnail failed to save", image_name)
        raise
    return image_name, thumb_name


def delete_files(*names: str, storage: Storage | None = None) -> None:
    """Delete each named file that exists; missing files and empty names are not an error."""
    storage = storage or photo_storage()
    for name in names:
        if name:
            # FileSystemStorage.delete already ignores a missing file; other backends may not.
            with contextlib.suppress(FileNotFoundError):
                storage.delete(name)
