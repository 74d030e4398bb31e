"""Time process_upload on a realistic 12-megapixel phone JPEG: `python bench/photo_bench.py [runs]`."""

from __future__ import annotations

import io
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from PIL import Image, ImageChops, ImageCms, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from diary.imaging import process_upload

WIDTH, HEIGHT = 4000, 3000


def phone_jpeg(*, icc: bool = True) -> bytes:
    """Return a 4000x3000 JPEG with skin-like texture, orientation 6, GPS, a capture date and an ICC profile."""
    red = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    green = Image.radial_gradient("L").resize((WIDTH, HEIGHT))
    blue = red.transpose(Image.Transpose.ROTATE_180)
    # Sensor-like noise: fine grain plus a blurred layer for pores and blotches, so the encoder works
    # as hard as on a real photo (a flat gradient compresses to almost nothing and times too fast).
    grain = Image.effect_noise((WIDTH, HEIGHT), 24)
    blotches = Image.effect_noise((WIDTH, HEIGHT), 60).filter(ImageFilter.GaussianBlur(6))
    channels = [ImageChops.add(ImageChops.multiply(band, grain), blotches, scale=2.0) for band in (red, green, blue)]
    image = Image.merge("RGB", channels)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    exif.get_ifd(0x8769)[0x9003] = "2026:11:20 08:15:00"  # DateTimeOriginal
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 39.0)})  # GPS
    buffer = io.BytesIO()
    # Phones embed a colour profile (Display P3 on iPhones); sRGB here, so the ICC transform is timed too.
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes() if icc else None
    image.save(buffer, "JPEG", quality=92, exif=exif, icc_profile=profile)
    return buffer.getvalue()


def peak_rss_growth(data: bytes) -> float:
    """Return how many MB one process_upload adds to a fresh process's peak resident memory."""
    # Pillow's pixel buffers are allocated in C, invisible to tracemalloc. The kernel's high-water mark
    # sees them, but only in a process that has not itself built the 12 MP test image: a child process.
    with tempfile.NamedTemporaryFile(suffix=".jpg") as file:
        file.write(data)
        file.flush()
        output = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, __file__, "--child", file.name], check=True, capture_output=True, text=True
        ).stdout
    return float(output)


def child(path: str) -> None:
    """Print the growth of peak RSS in MB caused by one process_upload of the file at path."""
    data = Path(path).read_bytes()
    before = _peak_rss_kb()
    process_upload(io.BytesIO(data))
    print((_peak_rss_kb() - before) / 1024)


def _peak_rss_kb() -> int:
    """Return this process's peak resident memory in kB."""
    # VmHWM starts afresh at exec; ru_maxrss would carry over the parent's peak (Linux keeps it across execve).
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def median_ms(data: bytes, runs: int) -> tuple[float, float, float]:
    """Return the median, min and max wall time in ms of process_upload on data, after a warm-up."""
    process_upload(io.BytesIO(data))  # imports, codec tables
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        process_upload(io.BytesIO(data))
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times), max(times)


def main(runs: int = 7) -> None:
    """Print the median wall time and peak memory of process_upload on a 12 MP phone JPEG."""
    data = phone_jpeg()
    result = process_upload(io.BytesIO(data))
    print(f"input: {WIDTH}x{HEIGHT} JPEG, {len(data) / 1e6:.1f} MB, EXIF orientation 6 + GPS + date + ICC profile")
    print(
        f"output: {result.width}x{result.height} JPEG {len(result.image_bytes) / 1e3:.0f} kB, "
        f"thumb {len(result.thumb_bytes) / 1e3:.0f} kB"
    )
    for label, sample in (("with ICC profile", data), ("without ICC profile", phone_jpeg(icc=False))):
        median, fastest, slowest = median_ms(sample, runs)
        print(f"time {label}: median of {runs} runs {median:.0f} ms (min {fastest:.0f}, max {slowest:.0f})")
    tracemalloc.start()
    process_upload(io.BytesIO(data))
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak memory: +{peak_rss_growth(data):.0f} MB resident (fresh process, VmHWM)")
    print(f"peak Python heap (tracemalloc; excludes Pillow's C pixel buffers): {traced_peak / 1e6:.1f} MB")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2])
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
