"""Under /accounts/: sign-up, password reset, two-step sign-in, then Django's own log-in, log-out and password pages.

URL names stay un-namespaced ("signup", "two-factor-verify", "login"...) as Django's auth views expect.
"""

from django.urls import include, path

from accounts import two_factor_views, views

urlpatterns = [
    path("login/", views.KeepSignedInLoginView.as_view(), name="login"),
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup-sent"),
    path("signup/confirm/<uidb64>/<token>/", views.signup_confirm, name="signup-confirm"),
    path("password_reset/", views.ThrottledPasswordResetView.as_view(), name="password_reset"),
    path("reset/<uidb64>/<token>/", views.UnlockingPasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("confirm-password/", views.reauthenticate, name="reauthenticate"),
    path("password_change/", views.CountedPasswordChangeView.as_view(), name="password_change"),
    path("two-factor/", two_factor_views.manage, name="two-factor-manage"),
    path("two-factor/verify/", two_factor_views.verify, name="two-factor-verify"),
    path("two-factor/setup/", two_factor_views.setup, name="two-factor-setup"),
    path("two-factor/recovery-codes/", two_factor_views.recovery_codes, name="two-factor-recovery-codes"),
    path("two-factor/disable/", two_factor_views.disable, name="two-factor-disable"),
    path("", include("django.contrib.auth.urls")),
]
