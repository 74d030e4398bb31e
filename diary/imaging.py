"""Validate and re-encode patients' skin photos; pure Pillow, no models, no storage.

Every upload is decoded in full and re-encoded from its pixels, so nothing the patient's phone
(or an attacker) put around the pixels survives: EXIF with GPS, XMP, comments, PNG text chunks,
ICC profiles, trailing scripts and polyglot payloads. Colour is kept faithful by converting an
embedded ICC profile (an iPhone's Display P3, say) to sRGB before the profile is dropped.
"""

from __future__ import annotations

import hashlib
import io
import math
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Final

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, ImageCms, ImageOps, UnidentifiedImageError

try:  # HEIC is what iPhones save by default; the plugin is optional so the app still runs without it.
    import pillow_heif
    from pillow_heif.as_plugin import HeifImageFile
except ImportError:  # pragma: no cover - exercised only where pillow-heif is not installed
    pillow_heif = None
    HeifImageFile = None

MB: Final = 1024 * 1024
MAX_BYTES: Final = 15 * MB
MAX_PIXELS: Final = 40_000_000
LONG_EDGE: Final = 2048
THUMB_EDGE: Final = 320
JPEG_QUALITY: Final = 85

HEIC_SUPPORTED: Final = pillow_heif is not None
# The only formats Pillow may try: GIF, TIFF, BMP, ICO, PSD, PDF... are refused (SVG and HTML have no reader).
PILLOW_FORMATS: Final = ("JPEG", "PNG", "WEBP")
# A JPEG decoded at 1/2, 1/4 or 1/8 scale (libjpeg's DCT scaling) is several times cheaper than a
# full decode. Accept such a draft when its long edge is at least this share of the target: a
# 4032x3024 iPhone photo is then stored at 2016 px instead of being decoded whole to lose 49 px.
DRAFT_MIN_SHARE: Final = 0.9
_READ_CHUNK: Final = 1 * MB

# Patient-facing; Django fills in the %(...)s params when the error is shown.
MESSAGES: Final = {
    "empty": _("This file is empty. Please choose a photo."),
    "too_large": _("This photo is larger than %(max_mb)s MB."),
    "not_an_image": (
        _("This file is not a photo we can read. Please upload a JPEG, PNG, WebP or HEIC image.")
        if HEIC_SUPPORTED
        else _("This file is not a photo we can read. Please upload a JPEG, PNG or WebP image.")
    ),
    "too_many_pixels": _("This photo has more than %(max_mp)s megapixels."),
    "damaged": _("This photo is incomplete or damaged. Please try uploading it again."),
}


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    """A re-encoded photo and its thumbnail, free of the upload's metadata."""

    image_bytes: bytes
    thumb_bytes: bytes
    content_type: str
    extension: str
    width: int
    height: int
    sha256: str  # of the original upload, so an identical re-upload can be recognised
    taken_on: date | None


def process_upload(
    fileobj: IO[bytes],
    *,
    max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
    long_edge: int = LONG_EDGE,
    thumb_edge: int = THUMB_EDGE,
) -> ProcessedImage:
    """Return the upload re-encoded as a metadata-free sRGB JPEG plus thumbnail, or raise ValidationError."""
    data = _read_bounded(fileobj, max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    # A library's warnings filter is process-wide; this one only turns bomb warnings into
    # errors for the duration of the call, which is never less safe for other threads.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = _open(data, max_pixels)
        taken_on = _taken_on(image)
        image = _decode(image, long_edge)
    # Resizing before the colour conversion makes the (costly) ICC transform work on the small image.
    image = _opaque(image)
    if max(image.size) > long_edge:
        image.thumbnail((long_edge, long_edge), Image.Resampling.LANCZOS)
    image = _to_srgb(image)
    thumb = image.copy()
    thumb.thumbnail((thumb_edge, thumb_edge), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return ProcessedImage(
        image_bytes=_encode_jpeg(image),
        thumb_bytes=_encode_jpeg(thumb),
        content_type="image/jpeg",
        extension="jpg",
        width=image.width,
        height=image.height,
        sha256=digest,
        taken_on=taken_on,
    )


def _refuse(code: str, **params: object) -> ValidationError:
    """Return the patient-facing ValidationError for a refusal code."""
    return ValidationError(MESSAGES[code], code=code, params=params or None)


def _read_bounded(fileobj: IO[bytes], max_bytes: int) -> bytes:
    """Return the whole upload, never reading more than max_bytes + 1 bytes of it."""
    too_large = _refuse("too_large", max_mb=_format_mb(max_bytes))
    declared = getattr(fileobj, "size", None)  # Django's UploadedFile knows its size without reading
    if isinstance(declared, int) and declared > max_bytes:
        raise too_large
    if getattr(fileobj, "seekable", lambda: False)():
        fileobj.seek(0)  # a form's ImageField may already have read the upload
    chunks: list[bytes] = []
    remaining = max_bytes + 1
    while remaining > 0:
        chunk = fileobj.read(min(_READ_CHUNK, remaining))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    if remaining <= 0:
        raise too_large
    data = b"".join(chunks)
    if not data:
        raise _refuse("empty")
    return data


def _format_mb(max_bytes: int) -> str:
    """Return a limit in MB as patients read it: 15, not 15.0."""
    return f"{max_bytes / MB:g}"


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Return the lazily opened image after checking its format and header size, before any decoding."""
    try:
        if HeifImageFile is not None and pillow_heif.is_supported(data):
            # Instantiated directly rather than registered, so HEIC stays unknown to the rest of Pillow.
            image: Image.Image = HeifImageFile(io.BytesIO(data))
        else:
            image = Image.open(io.BytesIO(data), formats=PILLOW_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse("too_many_pixels", max_mp=_format_mp(max_pixels)) from None
    except (UnidentifiedImageError, SyntaxError, OSError, ValueError, EOFError) as error:
        raise _refuse("not_an_image") from error
    if image.width < 1 or image.height < 1:
        raise _refuse("not_an_image")
    if image.width * image.height > max_pixels:
        raise _refuse("too_many_pixels", max_mp=_format_mp(max_pixels))
    return image


def _format_mp(max_pixels: int) -> str:
    """Return a pixel limit in megapixels as patients read it."""
    return f"{max_pixels / 1_000_000:g}"


def _decode(image: Image.Image, long_edge: int) -> Image.Image:
    """Return the fully decoded, upright image; a JPEG much larger than needed is decoded at reduced scale."""
    if image.format == "JPEG":
        # draft() must come before load(); it scales both axes alike, so rotating afterwards is still exact.
        share = long_edge * DRAFT_MIN_SHARE / max(image.size)
        if share < 1:
            image.draft("RGB", (math.ceil(image.width * share), math.ceil(image.height * share)))
    try:
        # Decoding everything, not just the header, is what refuses a truncated or corrupt file.
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        # Pillow pads truncated files instead only if some code set ImageFile.LOAD_TRUNCATED_IMAGES.
        raise _refuse("damaged") from error
    try:
        return ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, KeyError, TypeError):
        return image  # unreadable EXIF: keep the pixels as the camera wrote them


def _taken_on(image: Image.Image) -> date | None:
    """Return the EXIF DateTimeOriginal date if the photo has a real one, else None."""
    try:
        raw = image.getexif().get_ifd(ExifTags.IFD.Exif).get(ExifTags.Base.DateTimeOriginal)
    except (OSError, SyntaxError, ValueError, KeyError, TypeError):
        return None
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", "replace")
    if not isinstance(raw, str):
        return None
    try:
        # Cameras write "YYYY:MM:DD HH:MM:SS"; unset clocks write zeros or blanks, which fail here.
        return datetime.strptime(raw.strip("\x00 ")[:10], "%Y:%m:%d").date()
    except ValueError:
        return None


def _opaque(image: Image.Image) -> Image.Image:
    """Return the image in RGB, L or CMYK with its ICC profile, transparency composited onto white."""
    icc = image.info.get("icc_profile")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # 16-bit grey scaled down to 8 bits; a plain convert would clip most of it to white.
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        # A skin photo has no use for transparency; white is what a browser shows behind it, and one
        # output format (JPEG) keeps serving and storage simple.
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    if icc:
        image.info["icc_profile"] = icc
    return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """Return an RGB image in sRGB, converting through the embedded ICC profile when there is a usable one."""
    icc = image.info.get("icc_profile")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: the pixels are still a photo, shown as if they were sRGB
    return image if image.mode == "RGB" else image.convert("RGB")


_SRGB: Final = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _encode_jpeg(image: Image.Image) -> bytes:
    """Return the pixels as an optimised progressive JPEG carrying no metadata at all."""
    # Pillow copies some of im.info (the JPEG comment, for one) into the output unless it is gone.
    image.info.clear()
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return buffer.getvalue()
