"""The installable app: web app manifest, the service worker (served from the site root for its scope), install help."""

import hashlib

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

THEME_COLOUR = "#0d6efd"
ICON_SIZES = (192, 512)
# Files the service worker keeps so that Today opens offline.
PRECACHE = (
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "css/app.css",
    "js/app.js",
    "js/offline.js",
    "img/icon.svg",
    "img/icons/icon-192.png",
)


@require_GET
@cache_control(max_age=3600)
def manifest(request):
    icons = [
        {"src": static(f"img/icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
        for size in ICON_SIZES
    ] + [
        {
            "src": static(f"img/icons/maskable-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "maskable",
        }
        for size in ICON_SIZES
    ]
    data = {
        "id": reverse("home"),
        "name": "Skin diary",
        "short_name": "Skin diary",
        "description": "A diary of your skin treatment: applications, reactions and photos.",
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "icons": icons,
    }
    return JsonResponse(data, content_type="application/manifest+json")


@require_GET
@cache_control(no_cache=True)
def service_worker(request):
    """The service worker, from /sw.js so that its scope is the whole site; a new deploy gives it a new cache."""
    precache = [static(name) for name in PRECACHE]
    version = hashlib.sha256("|".join(precache).encode()).hexdigest()[:12]
    body = loader.render_to_string(
        "reminders/sw.js",
        {
            "version": version,
            "precache": precache,
            "today": reverse("home"),
            "icon": static("img/icons/icon-192.png"),
            "action_url": reverse("reminders:notification-action"),
        },
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def install(request):
    return render(request, "reminders/install.html")
