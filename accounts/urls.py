"""Under /accounts/: sign-up, password reset, two-step sign-in, then Django's own log-in, log-out and password pages.

URL names stay un-namespaced ("signup", "two-factor-verify", "login"...) as Django's auth views expect.
"""

from django.urls import include, path

from accounts import passkey_views, two_factor_views, views

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
    path("passkeys/", passkey_views.manage, name="passkeys"),
    path("passkeys/<int:pk>/rename/", passkey_views.rename, name="passkey-rename"),
    path("passkeys/<int:pk>/remove/", passkey_views.remove, name="passkey-remove"),
    # The ceremonies' JSON endpoints (django-otp-webauthn's views with this site's rules).
    path("passkeys/api/register/begin/", passkey_views.RegistrationBegin.as_view(), name="passkey-registration-begin"),
    path(
        "passkeys/api/register/complete/",
        passkey_views.RegistrationComplete.as_view(),
        name="passkey-registration-complete",
    ),
    path("passkeys/api/sign-in/begin/", passkey_views.AuthenticationBegin.as_view(), name="passkey-sign-in-begin"),
    path(
        "passkeys/api/sign-in/complete/",
        passkey_views.AuthenticationComplete.as_view(),
        name="passkey-sign-in-complete",
    ),
    path("", include("django.contrib.auth.urls")),
]
