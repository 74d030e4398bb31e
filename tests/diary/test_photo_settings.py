"""The photo settings: nginx hand-off prefix from the environment, checked at start-up."""

from tests.test_settings import manage


def test_the_x_accel_redirect_prefix_comes_from_the_environment():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.PHOTO_SENDFILE)",
        DJANGO_DEBUG="1",
        DJANGO_PHOTO_X_ACCEL_REDIRECT="/protected-photos/",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("/protected-photos/")


def test_a_prefix_that_is_not_a_path_refuses_to_start():
    result = manage("check", DJANGO_DEBUG="1", DJANGO_PHOTO_X_ACCEL_REDIRECT="protected-photos")

    assert result.returncode != 0
    assert "DJANGO_PHOTO_X_ACCEL_REDIRECT must be a path like /protected-photos/" in result.stderr
    assert "Traceback" not in result.stderr


def test_photos_are_served_by_the_app_unless_configured():
    from django.conf import settings

    assert settings.PHOTO_SENDFILE == ""
