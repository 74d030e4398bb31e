"""django-otp's middleware with the verified device read prepared (accounts.otp_middleware): a staff session is
verified by its own confirmed device only, exactly as with django-otp's own read."""

import pytest
from django.urls import reverse
from django.utils.functional import LazyObject
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.otp_middleware import device_from_persistent_id
from tests.factories import StaffFactory

QUEUE = "/admin/"  # any admin page


def with_device(client, persistent_id: str) -> None:
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = persistent_id
    session.save()


def test_a_session_verified_by_the_staff_member_s_device_opens_the_admin(client, dermatologist):
    client.force_login(dermatologist)  # verified with a confirmed authenticator (tests/conftest.py)
    page = client.get(QUEUE)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=dermatologist)
    assert page.wsgi_request.user.is_verified()
    assert page.wsgi_request.user.otp_device == device


def test_a_removed_device_no_longer_verifies_the_session(client, dermatologist):
    client.force_login(dermatologist)
    assert client.get(QUEUE).status_code == 200
    TOTPDevice.objects.filter(user=dermatologist).delete()
    page = client.get(QUEUE)
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("two-factor-verify"))
    assert DEVICE_ID_SESSION_KEY not in client.session


@pytest.mark.parametrize("whose", ["another user's", "unconfirmed"])
def test_a_device_that_is_not_the_user_s_confirmed_one_does_not_verify(client, dermatologist, whose):
    client.force_login(dermatologist)
    owner = StaffFactory(username="someone-else") if whose == "another user's" else dermatologist
    device = TOTPDevice.objects.create(user=owner, name="Phone", confirmed=whose != "unconfirmed")
    with_device(client, device.persistent_id)
    page = client.get(QUEUE)
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("two-factor-verify"))
    assert DEVICE_ID_SESSION_KEY not in client.session


@pytest.mark.parametrize(
    "persistent_id",
    [
        "otp_totp.totpdevice/abc",
        "otp_totp.totpdevice/99999999999999999999999",
        "otp_totp.totpdevice/-99999999999999999999999",
        "nosuch.model/1",
        "otp_totp/1",
        "no-slash",
        "auth.user/1",  # a model that is not a device
    ],
)
def test_a_garbled_device_id_in_the_session_is_not_verified_and_not_an_error(client, dermatologist, persistent_id):
    client.force_login(dermatologist)
    with_device(client, persistent_id)
    page = client.get(QUEUE)
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("two-factor-verify"))
    assert device_from_persistent_id(persistent_id) is None


def test_the_device_read_is_django_otp_s_in_one_query(db, dermatologist, django_assert_num_queries):
    totp = TOTPDevice.objects.create(user=dermatologist, name="Phone", confirmed=True)
    static = StaticDevice.objects.create(user=dermatologist, name="Recovery codes", confirmed=False)
    for device in (totp, static):
        for _ in range(2):  # compiled, then bound
            with django_assert_num_queries(1):
                found = device_from_persistent_id(device.persistent_id)
            assert found == Device.from_persistent_id(device.persistent_id) == device
            assert type(found) is type(device)
            assert (found.name, found.confirmed, found.user_id) == (device.name, device.confirmed, device.user_id)
    gone = totp.persistent_id
    totp.delete()
    assert device_from_persistent_id(gone) is None


def test_the_site_verifies_sessions_with_this_middleware_in_django_otp_s_place(settings):
    assert "accounts.otp_middleware.PreparedOTPMiddleware" in settings.MIDDLEWARE
    assert "django_otp.middleware.OTPMiddleware" not in settings.MIDDLEWARE


def test_once_verified_the_request_s_user_is_the_user_itself_not_two_lazy_objects(client, dermatologist, patient):
    client.force_login(dermatologist)
    page = client.get(QUEUE)
    user = page.wsgi_request.user
    assert type(user) is type(dermatologist) and user.pk == dermatologist.pk
    assert user.is_verified() and user.otp_device == TOTPDevice.objects.get(user=dermatologist)
    client.logout()
    anonymous = client.get(reverse("login")).wsgi_request.user
    assert not isinstance(anonymous, LazyObject) and anonymous.is_anonymous and not anonymous.is_verified()
    client.force_login(patient.user)
    mine = client.get(reverse("diary:treatment-list")).wsgi_request.user
    assert type(mine) is type(patient.user) and mine.pk == patient.user.pk and not mine.is_verified()
