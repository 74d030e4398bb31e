import dataclasses
import hashlib
import io
import time
import warnings
import zipfile
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms, PngImagePlugin

from diary.imaging import MB, ProcessedImage, process_upload

RED = (255, 0, 0)
BLUE = (0, 0, 255)
NOT_A_PHOTO = "This file is not a photo we can read."


def _exif(orientation=None, taken=None, gps=False):
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken
    if gps:
        exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 39.0)})
    return exif


def _encode(image, fmt="JPEG", **params):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def _marked(size=(400, 200)):
    """A blue picture with a red top-left corner, to see where that corner ends up."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, 40, 40))
    return image


def _noisy(size=(640, 480)):
    return Image.merge("RGB", [Image.effect_noise(size, 40)] * 3)


def _refusal(data_or_file):
    fileobj = io.BytesIO(data_or_file) if isinstance(data_or_file, bytes) else data_or_file
    with pytest.raises(ValidationError) as caught:
        process_upload(fileobj)
    return caught.value


def _decoded(data):
    return Image.open(io.BytesIO(data))


def _close_to(pixel, colour, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


# --- What is stored ------------------------------------------------------------------------


def test_a_jpeg_is_turned_upright_by_its_exif_orientation():
    data = _encode(_marked(), exif=_exif(orientation=6))

    result = process_upload(io.BytesIO(data))

    stored = _decoded(result.image_bytes)
    assert (result.width, result.height) == (200, 400) == stored.size
    # Orientation 6 means "rotate 90 degrees clockwise": the top-left corner goes to the top right.
    assert _close_to(stored.getpixel((stored.width - 5, 5)), RED)
    assert _close_to(stored.getpixel((5, 5)), BLUE)


def test_the_stored_jpeg_and_thumbnail_carry_no_exif_gps_or_other_metadata():
    data = _encode(_marked(), exif=_exif(orientation=6, taken="2026:11:20 08:15:00", gps=True), comment=b"Alice")

    result = process_upload(io.BytesIO(data))

    for stored_bytes in (result.image_bytes, result.thumb_bytes):
        stored = _decoded(stored_bytes)
        assert stored.format == "JPEG"
        assert dict(stored.getexif()) == {}
        assert not set(stored.info) & {"exif", "icc_profile", "xmp", "comment", "dpi"}
        assert b"Exif" not in stored_bytes
        assert b"Alice" not in stored_bytes


def test_the_result_says_it_is_a_jpeg():
    result = process_upload(io.BytesIO(_encode(_marked(), "PNG")))

    assert (result.content_type, result.extension) == ("image/jpeg", "jpg")
    assert result.image_bytes.startswith(b"\xff\xd8") and result.thumb_bytes.startswith(b"\xff\xd8")


def test_png_text_chunks_are_stripped():
    chunks = PngImagePlugin.PngInfo()
    chunks.add_text("Author", "Alice Patient")
    chunks.add_text("Comment", "<script>alert(1)</script>", zip=True)
    chunks.add_itxt("Description", "Alice's left elbow")
    data = _encode(_marked(), "PNG", pnginfo=chunks)

    result = process_upload(io.BytesIO(data))

    assert b"Alice" not in result.image_bytes
    assert b"<script>" not in result.image_bytes
    assert _decoded(result.image_bytes).format == "JPEG"


def test_a_webp_photo_is_accepted():
    data = _encode(_marked(), "WEBP", quality=90, exif=_exif(orientation=3, gps=True))

    result = process_upload(io.BytesIO(data))

    stored = _decoded(result.image_bytes)
    assert stored.size == (400, 200)
    assert _close_to(stored.getpixel((stored.width - 5, stored.height - 5)), RED)  # turned 180 degrees
    assert dict(stored.getexif()) == {}


def test_a_heic_photo_from_an_iphone_is_accepted_and_turned_upright():
    pillow_heif = pytest.importorskip("pillow_heif")
    heif = pillow_heif.from_pillow(_marked())
    heif.info["exif"] = _exif(orientation=6, taken="2025:03:04 10:00:00", gps=True).tobytes()
    buffer = io.BytesIO()
    heif.save(buffer, quality=90)

    result = process_upload(io.BytesIO(buffer.getvalue()))

    stored = _decoded(result.image_bytes)
    assert stored.size == (200, 400)
    assert _close_to(stored.getpixel((stored.width - 5, 5)), RED)
    assert result.taken_on.isoformat() == "2025-03-04"
    assert b"Exif" not in result.image_bytes


def test_heic_support_does_not_register_a_plugin_for_the_rest_of_pillow():
    assert "HEIF" not in Image.OPEN
    assert ".heic" not in Image.registered_extensions()


def test_transparent_pixels_are_flattened_onto_white():
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    image.paste((255, 0, 0, 255), (0, 0, 50, 50))

    stored = _decoded(process_upload(io.BytesIO(_encode(image, "PNG"))).image_bytes)

    assert stored.mode == "RGB"
    assert _close_to(stored.getpixel((90, 90)), (255, 255, 255))
    assert _close_to(stored.getpixel((10, 10)), RED)


def test_a_palette_png_with_a_transparent_colour_is_flattened_onto_white():
    image = Image.new("P", (60, 60), 0)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.paste(1, (0, 0, 30, 30))

    stored = _decoded(process_upload(io.BytesIO(_encode(image, "PNG", transparency=0))).image_bytes)

    assert _close_to(stored.getpixel((50, 50)), (255, 255, 255))
    assert _close_to(stored.getpixel((5, 5)), RED)


def test_a_cmyk_jpeg_is_stored_as_rgb():
    data = _encode(Image.new("CMYK", (80, 60), (0, 255, 255, 0)))

    stored = _decoded(process_upload(io.BytesIO(data)).image_bytes)

    assert stored.mode == "RGB"
    assert _close_to(stored.getpixel((40, 30)), RED, tolerance=60)


def test_a_16_bit_grey_png_keeps_its_tones_instead_of_turning_white():
    image = Image.new("I;16", (60, 60), 0x4000)

    stored = _decoded(process_upload(io.BytesIO(_encode(image, "PNG"))).image_bytes)

    assert _close_to(stored.getpixel((30, 30)), (64, 64, 64), tolerance=8)


def test_an_embedded_icc_profile_is_applied_and_then_dropped():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = _encode(_marked(), icc_profile=srgb)

    result = process_upload(io.BytesIO(data))

    stored = _decoded(result.image_bytes)
    assert "icc_profile" not in stored.info
    assert _close_to(stored.getpixel((5, 5)), RED)


def test_the_colour_profile_is_converted_on_the_resized_image_which_is_cheaper():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = _encode(_marked((5000, 2500)), "PNG", icc_profile=srgb)

    with mock.patch.object(ImageCms, "profileToProfile", wraps=ImageCms.profileToProfile) as convert:
        process_upload(io.BytesIO(data))

    assert convert.call_args.args[0].size == (2048, 1024)


def test_a_broken_icc_profile_neither_blocks_the_photo_nor_is_stored():
    data = _encode(_marked(), icc_profile=b"<script>alert(1)</script>" * 10)

    result = process_upload(io.BytesIO(data))

    assert b"<script>" not in result.image_bytes
    assert _close_to(_decoded(result.image_bytes).getpixel((5, 5)), RED)


def test_a_large_photo_is_capped_at_2048_pixels_with_a_320_pixel_thumbnail():
    data = _encode(_marked((5000, 3000)), "PNG")

    result = process_upload(io.BytesIO(data))

    assert (result.width, result.height) == (2048, 1229) == _decoded(result.image_bytes).size
    thumb = _decoded(result.thumb_bytes)
    assert max(thumb.size) == 320
    assert thumb.size == (320, 192)


def test_a_large_jpeg_decoded_at_reduced_scale_still_ends_at_2048_pixels():
    data = _encode(_noisy((5000, 3000)), exif=_exif(orientation=8))

    result = process_upload(io.BytesIO(data))

    assert (result.width, result.height) == (1229, 2048)
    assert max(_decoded(result.thumb_bytes).size) == 320


def test_a_12_megapixel_jpeg_is_stored_at_half_scale_rather_than_decoded_whole():
    result = process_upload(io.BytesIO(_encode(_noisy((4000, 3000)))))

    # JPEG decoding at 1/2 scale gives 2000 px, within 90% of the 2048 cap and about 3.5 times faster.
    assert (result.width, result.height) == (2000, 1500)


def test_a_small_photo_is_not_enlarged():
    result = process_upload(io.BytesIO(_encode(_marked((120, 90)))))

    assert (result.width, result.height) == (120, 90)
    assert _decoded(result.thumb_bytes).size == (120, 90)


def test_the_limits_can_be_set_per_call():
    result = process_upload(io.BytesIO(_encode(_marked((400, 200)))), long_edge=100, thumb_edge=40)

    assert (result.width, result.height) == (100, 50)
    assert _decoded(result.thumb_bytes).size == (40, 20)


def test_identical_uploads_have_identical_sha256_of_the_original_bytes():
    data = _encode(_marked(), exif=_exif(gps=True))

    first = process_upload(io.BytesIO(data))
    second = process_upload(io.BytesIO(data))
    other = process_upload(io.BytesIO(_encode(_marked((401, 200)))))

    assert first.sha256 == second.sha256 == hashlib.sha256(data).hexdigest()
    assert other.sha256 != first.sha256


def test_the_exif_capture_date_becomes_taken_on():
    data = _encode(_marked(), exif=_exif(taken="2026:11:20 08:15:00"))

    assert process_upload(io.BytesIO(data)).taken_on.isoformat() == "2026-11-20"


@pytest.mark.parametrize("taken", ["0000:00:00 00:00:00", "    :  :     :  :  ", "2026:13:45 08:15:00", "yesterday"])
def test_an_unset_or_invalid_exif_capture_date_gives_no_taken_on(taken):
    data = _encode(_marked(), exif=_exif(taken=taken))

    assert process_upload(io.BytesIO(data)).taken_on is None


def test_a_photo_without_exif_has_no_taken_on():
    assert process_upload(io.BytesIO(_encode(_marked(), "PNG"))).taken_on is None


def test_the_result_cannot_be_changed():
    result = process_upload(io.BytesIO(_encode(_marked())))

    assert isinstance(result, ProcessedImage)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.width = 1


def test_an_uploaded_file_already_read_by_a_form_is_read_again_from_the_start():
    upload = SimpleUploadedFile("../../etc/passwd.jpg", _encode(_marked()), content_type="image/jpeg")
    upload.read()

    assert process_upload(upload).width == 400


# --- What is refused -----------------------------------------------------------------------


def test_a_100_megapixel_png_of_a_few_kilobytes_is_refused_quickly():
    data = _encode(Image.new("1", (10_000, 10_000)), "PNG")
    assert len(data) < 50_000

    start = time.perf_counter()
    error = _refusal(data)

    assert time.perf_counter() - start < 0.5
    assert error.code == "too_many_pixels"
    assert error.messages == ["This photo has more than 40 megapixels."]


def test_a_50_megapixel_png_below_pillows_own_bomb_limit_is_refused():
    error = _refusal(_encode(Image.new("1", (8000, 6250)), "PNG"))

    assert error.code == "too_many_pixels"


def test_a_file_over_15_mb_is_refused():
    error = _refusal(b"\xff\xd8\xff" + b"\0" * (16 * MB))

    assert error.code == "too_large"
    assert error.messages == ["This photo is larger than 15 MB."]


class _Endless(io.RawIOBase):
    """A 2 GB upload that counts how much of it was read."""

    def __init__(self):
        self.read_bytes = 0

    def readable(self):
        return True

    def read(self, size=-1):
        size = 2 * 1024 * MB if size is None or size < 0 else size
        self.read_bytes += size
        return b"\0" * size


def test_a_2_gb_upload_is_refused_after_reading_little_more_than_15_mb():
    upload = _Endless()

    assert _refusal(upload).code == "too_large"
    assert upload.read_bytes <= 15 * MB + 1


def test_an_upload_declaring_more_than_15_mb_is_refused_before_reading():
    upload = SimpleUploadedFile("big.jpg", b"")
    upload.size = 2 * 1024 * MB

    assert _refusal(upload).code == "too_large"


def test_an_empty_file_is_refused():
    error = _refusal(b"")

    assert error.code == "empty"
    assert error.messages == ["This file is empty. Please choose a photo."]


@pytest.mark.parametrize("size", [(640, 480), (4000, 3000)], ids=["small", "decoded-at-half-scale"])
def test_a_truncated_jpeg_is_refused(size):
    data = _encode(_noisy(size))

    error = _refusal(data[: len(data) // 2])

    assert error.code == "damaged"
    assert error.messages == ["This photo is incomplete or damaged. Please try uploading it again."]


def test_a_truncated_png_is_refused():
    data = _encode(_noisy(), "PNG")

    assert _refusal(data[: len(data) // 2]).code == "damaged"


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(SVG, id="svg"),
        pytest.param(HTML, id="html"),
        pytest.param(b"just some text\n", id="text"),
        pytest.param(_encode(Image.new("P", (10, 10)), "GIF", comment=b"<script>alert(1)</script>"), id="gif"),
        pytest.param(_encode(Image.new("RGB", (10, 10)), "PDF"), id="pdf"),
        pytest.param(_encode(Image.new("RGB", (10, 10)), "BMP"), id="bmp"),
        pytest.param(_encode(Image.new("RGB", (10, 10)), "TIFF"), id="tiff"),
        pytest.param(b"\xff\xd8\xff\xe0" + HTML, id="html-behind-a-jpeg-signature"),
    ],
)
def test_anything_but_a_jpeg_png_webp_or_heic_is_refused(data):
    error = _refusal(data)

    assert error.code == "not_an_image"
    assert error.messages[0].startswith(NOT_A_PHOTO)


def test_a_jpeg_with_a_script_after_its_end_stores_no_script():
    data = _encode(_marked()) + HTML

    result = process_upload(io.BytesIO(data))

    assert b"<script" not in result.image_bytes + result.thumb_bytes


def test_a_jpeg_with_a_script_in_its_comment_stores_no_script():
    data = _encode(_marked(), comment=b"<script>alert(1)</script>")

    result = process_upload(io.BytesIO(data))

    assert b"<script" not in result.image_bytes + result.thumb_bytes


def test_a_jpeg_zip_polyglot_stores_nothing_of_the_zip():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("payload-marker.html", HTML)
    data = _encode(_marked()) + archive.getvalue()

    result = process_upload(io.BytesIO(data))

    assert b"payload-marker" not in result.image_bytes
    assert b"<script" not in result.image_bytes


def test_processing_leaves_pillow_and_warnings_settings_as_they_were():
    max_pixels = Image.MAX_IMAGE_PIXELS
    filters = list(warnings.filters)

    process_upload(io.BytesIO(_encode(_marked())))
    _refusal(_encode(Image.new("1", (10_000, 10_000)), "PNG"))

    assert max_pixels == Image.MAX_IMAGE_PIXELS
    assert warnings.filters == filters
