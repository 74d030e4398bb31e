"""A staff member's permissions read in one prepared statement, for Django's ModelBackend to find already read.

Django's `ModelBackend` reads a user's permissions on the first `has_perm` of a request with two ORM queries (the
user's own permissions, those of their groups), built and compiled anew on every admin page, and keeps them on the
user object as `_user_perm_cache`, `_group_perm_cache` and `_perm_cache`. `read_permissions` fills those three
attributes from one prepared read (prepared/) with the same sets of "app_label.codename" strings, so ModelBackend
asks nothing. Only for an active account that is neither anonymous nor a superuser, and only when ModelBackend has
not read them yet: a superuser's and an inactive account's permissions stay Django's own code's answer. The caches
live on the request's user object, as Django's do: a permission granted or a group changed shows on the next request.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Value

from prepared import prepared

# The attributes ModelBackend keeps a user's permissions in (django.contrib.auth.backends.ModelBackend).
USER_CACHE = "_user_perm_cache"
GROUP_CACHE = "_group_perm_cache"
ALL_CACHE = "_perm_cache"


@prepared
def _permissions_of(*, user_id: int):
    """Every permission the user holds directly, then every one they hold through a group (a permission held both
    ways comes twice), each with whether it is the user's own: ModelBackend's two queries as one statement."""
    user_model = get_user_model()
    groups = user_model.groups.through.objects.filter(**{user_model.groups.field.m2m_field_name(): user_id})
    groups = groups.values(user_model.groups.field.m2m_reverse_field_name())
    own = Permission.objects.filter(**{user_model.user_permissions.field.related_query_name(): user_id})
    via_groups = Permission.objects.filter(group__in=groups)
    return (
        own.annotate(own=Value(True))
        .order_by()
        .values_list("content_type__app_label", "codename", "own")
        .union(
            via_groups.annotate(own=Value(False)).order_by().values_list("content_type__app_label", "codename", "own"),
            all=True,
        )
    )


def read_permissions(user) -> None:
    """Give ModelBackend this user's permissions, read in one statement, unless it is not ModelBackend's own read
    (anonymous, inactive, superuser) or it has read them already."""
    if not user.is_active or user.is_anonymous or user.is_superuser:
        return
    if any(hasattr(user, name) for name in (USER_CACHE, GROUP_CACHE, ALL_CACHE)):
        return
    own, via_groups = set(), set()
    for app_label, codename, is_own in _permissions_of(user_id=user.pk):
        (own if is_own else via_groups).add(f"{app_label}.{codename}")
    setattr(user, USER_CACHE, own)
    setattr(user, GROUP_CACHE, via_groups)
    setattr(user, ALL_CACHE, own | via_groups)
