"""The project's URLs plus a bare "hello" view: the baseline of `make bench`. Used only by config.settings_bench."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def hello(request):
    """Bare Django: the full middleware stack, no database, no template."""
    return HttpResponse(b"Hello, world", content_type="text/plain")


urlpatterns = [path("bench/hello/", hello, name="bench-hello"), *project_urlpatterns]
