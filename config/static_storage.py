"""The production static files storage: whitenoise's compressed manifest storage, each URL worked out once.

`{% static %}` asks the storage for a file's hashed URL on every use (a manifest lookup, URL splitting, joining and
unquoting: about 50 microseconds here), seven times in every page's `<head>`. The manifest cannot change while a
process runs (`collectstatic` writes it before the server starts), so the answer for a name is kept for the
process. A name missing from the manifest still raises every time, as whitenoise's storage does.
"""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if settings.DEBUG or force:
            return super().url(name, force)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url
