from django.contrib import admin
from django.urls import include, path

from config import views as project_views
from diary import views as diary_views

handler500 = "config.views.server_error"

urlpatterns = [
    path("", diary_views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("health/", project_views.health, name="health"),
    path("guide/", include("drugs.urls")),
    path("diary/", include("diary.urls")),
    path("admin/", admin.site.urls),
]
