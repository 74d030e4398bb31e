"""The WSGI entry point: gunicorn loads it in each worker, in production and in `make bench`.

After Django has loaded, most of the objects the process holds (modules, models, the admin, the URL patterns)
live as long as the process. Python's full garbage collection scans every tracked object: in a worker that is
about 140,000 of them and a pause of 60-90 ms CPU for the request that triggers it, a few times per worker in
a `make bench` run. `gc.freeze()` moves the objects that exist now out of the collector's reach, so a full
collection scans only what requests made since (15-20 ms). Nothing is kept that would otherwise be freed: a
frozen object is still freed when its last reference goes. docs/benchmark.md ("Tenth pass: the collector's
full pauses") has the measurements.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

get_resolver().url_patterns  # the URLconf is otherwise imported by the first request  # noqa: B018
gc.collect()
gc.freeze()
