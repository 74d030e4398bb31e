from django.contrib import admin
from django.urls import include, path

from diary import views as diary_views

urlpatterns = [
    path("", diary_views.home, name="home"),
    path("accounts/signup/", diary_views.signup, name="signup"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("guide/", include("drugs.urls")),
    path("diary/", include("diary.urls")),
    path("admin/", admin.site.urls),
]
