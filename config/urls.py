from django.contrib import admin
from django.urls import include, path

from config import views as project_views
from diary import sharing_views, two_factor_views
from diary import views as diary_views

handler500 = "config.views.server_error"

urlpatterns = [
    path("", diary_views.home, name="home"),
    path("accounts/signup/", diary_views.signup, name="signup"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        project_views.UnlockingPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/two-factor/", two_factor_views.manage, name="two-factor-manage"),
    path("accounts/two-factor/verify/", two_factor_views.verify, name="two-factor-verify"),
    path("accounts/two-factor/setup/", two_factor_views.setup, name="two-factor-setup"),
    path("accounts/two-factor/recovery-codes/", two_factor_views.recovery_codes, name="two-factor-recovery-codes"),
    path("accounts/two-factor/disable/", two_factor_views.disable, name="two-factor-disable"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("health/", project_views.health, name="health"),
    path("guide/", include("drugs.urls")),
    path("diary/", include("diary.urls")),
    path("care/", include("clinics.urls")),
    path("shared/<str:token>/", sharing_views.shared_summary, name="shared-summary"),
    path("shared/<str:token>/photos/<int:pk>/<photo_kind:kind>/", sharing_views.shared_photo, name="shared-photo"),
    path("admin/", admin.site.urls),
]
