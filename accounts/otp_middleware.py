"""django-otp's `OTPMiddleware` with the verified device read prepared (prepared/): the same device, the same checks.

On every signed-in request the middleware loads the device whose persistent id ("otp_totp.totpdevice/12") the
session holds, as `Device.from_persistent_id` does: `<model>.objects.filter(id=<id>).first()`. Building and compiling
that query was most of its cost on a staff page; here it is one prepared read per device model, which the tests
prove equal to the ORM's. Everything else is django-otp's: the device must belong to the user and be confirmed, or
it is dropped from the session and the user is not verified.

Once django-otp has verified the request's user (the first time anything reads `request.user`: the two-factor
middleware, right after), `request.user` is the user object itself instead of django-otp's lazy object around
Django's lazy object: every attribute a page reads of it (`user.is_staff`, `user.has_perm`, ... a hundred on an admin
page) no longer goes through two proxies. Anything that took `request.user` before still holds the lazy object,
which gives the same user.
"""

from django.apps import apps
from django.db import connections
from django.utils.functional import LazyObject, SimpleLazyObject, empty
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

from prepared import PreparedRead, prepared

_reads: dict[type, PreparedRead] = {}


class PreparedOTPMiddleware(OTPMiddleware):
    def _install_lazy_accessors(self, request):
        user = getattr(request, "user", None)
        super()._install_lazy_accessors(request)  # django-otp's `request.user` and `request.auser`
        if user is not None:
            lazy = SimpleLazyObject(lambda: self._verified_user(request, user, lazy))
            request.user = lazy

    def _verified_user(self, request, user, lazy):
        """django-otp's verified user, unwrapped; `request.user` becomes it if nothing has replaced the lazy object."""
        verified = _unwrapped(self._verify_user_sync(request, user))
        if request.__dict__.get("user") is lazy:
            request.user = verified
        return verified

    def _device_from_persistent_id(self, persistent_id: str):
        return device_from_persistent_id(self._normalize_persistent_id(persistent_id))


def _unwrapped(user):
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


def device_from_persistent_id(persistent_id: str) -> Device | None:
    """`Device.from_persistent_id(persistent_id)`, its query prepared; None for an id that names no device."""
    try:
        model_label, device_id = persistent_id.rsplit("/", 1)
        app_label, model_name = model_label.split(".")
        device_cls = apps.get_model(app_label, model_name)
        pk = int(device_id)
    except (ValueError, LookupError):
        return None
    if not issubclass(device_cls, Device) or not _in_range(device_cls, pk):
        return None
    rows = _read_of(device_cls)(pk=pk)
    return rows[0] if rows else None


def _in_range(device_cls, pk: int) -> bool:
    """Whether the id fits the primary key's column (the ORM answers "no rows" for one that does not)."""
    field = device_cls._meta.pk
    low, high = connections[device_cls.objects.db].ops.integer_field_range(field.get_internal_type())
    return (low is None or pk >= low) and (high is None or pk <= high)


def _read_of(device_cls) -> PreparedRead:
    read = _reads.get(device_cls)
    if read is None:

        def device(*, pk: int):
            devices = device_cls.objects.filter(id=pk)
            return (devices if devices.ordered else devices.order_by("pk"))[:1]  # QuerySet.first()'s query

        device.__qualname__ = f"device_of_{device_cls._meta.label_lower}"
        read = _reads[device_cls] = prepared(device)
    return read
