from django.contrib import admin
from django.urls import include, path

from config import views as project_views
from diary import views as diary_views
from reminders import pwa

handler500 = "config.views.server_error"

urlpatterns = [
    path("", diary_views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("health/", project_views.health, name="health"),
    path("guide/", include("drugs.urls")),
    path("diary/", include("diary.urls")),
    path("reminders/", include("reminders.urls")),
    path("sw.js", pwa.service_worker, name="service-worker"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("install/", pwa.install, name="install"),
    path("admin/", admin.site.urls),
]
