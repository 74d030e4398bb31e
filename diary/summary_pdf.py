"""The visit summary as a PDF, made on the server with WeasyPrint (imported only where a PDF is made).

The PDF embeds nothing remote: every URL in its HTML resolves against PDF_BASE_URL, and the fetcher
serves only our static files and the summary's own photos from private storage.
"""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string
from django.urls import reverse
from PIL import ImageFile
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from diary.models import Photo
from diary.storage import photo_storage
from diary.summary import Summary

# Importing WeasyPrint sets Pillow's process-wide ImageFile.LOAD_TRUNCATED_IMAGES, which would let truncated
# uploads through diary.imaging in any process that once made a PDF. Put it back: the PDF embeds only our
# own complete, re-encoded photos.
ImageFile.LOAD_TRUNCATED_IMAGES = False

PAPER_SIZES = {"a4": "A4", "letter": "letter"}
# WeasyPrint logs each rendering step at INFO; only its warnings matter here.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


# Every URL in the PDF's HTML resolves against this base; the fetcher serves only our own files under it.
PDF_BASE_URL = "https://summary.invalid/"


class SummaryFetcher(URLFetcher):
    """Serves WeasyPrint our static files and the summary's own photos; anything else (a remote URL) is refused."""

    def __init__(self, photos: list[Photo]):
        super().__init__(allowed_protocols=("https",), allow_redirects=False)
        self.photos = {reverse("diary:photo-file", args=[p.pk, "thumb"]): p.thumbnail for p in photos}

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}/" != PDF_BASE_URL:
            raise ValueError(f"The summary embeds no remote resource: {url}")
        if parts.path in self.photos:
            with photo_storage().open(self.photos[parts.path], "rb") as file:
                return URLFetcherResponse(url, file.read(), {"Content-Type": "image/jpeg"})
        static = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else f"/{settings.STATIC_URL}"
        content = _static_file(parts.path.removeprefix(static)) if parts.path.startswith(static) else None
        if content is None:
            raise ValueError(f"Not a file the summary may embed: {parts.path}")
        kind = "text/css" if parts.path.endswith(".css") else "application/octet-stream"
        return URLFetcherResponse(url, content, {"Content-Type": kind})


def _static_file(name: str) -> bytes | None:
    """One of our static files: collected (hashed names in production) or from the source folders."""
    if staticfiles_storage.exists(name):
        with staticfiles_storage.open(name) as file:
            return file.read()
    found = finders.find(name)
    if not found:
        return None
    with open(found, "rb") as file:
        return file.read()


def summary_pdf(summary: Summary, *, paper: str = "a4") -> bytes:
    """The summary as a PDF on A4 or Letter paper; it embeds only our stylesheet and the patient's own photos."""
    html = render_to_string("diary/summary_pdf.html", {"summary": summary})
    page = CSS(string=f"@page {{ size: {PAPER_SIZES[paper]}; }}")
    return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=SummaryFetcher(summary.photo_list)).write_pdf(
        stylesheets=[page]
    )
