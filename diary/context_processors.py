from django.utils.functional import SimpleLazyObject

from clinics import selectors as care


def care_team(request) -> dict:
    """`care_links`: the clinics the signed-in patient shares the diary with (queried only if a page asks), so
    no page says a clinic or dermatologist will see something when none can."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_staff:
        return {"care_links": []}
    return {"care_links": SimpleLazyObject(lambda: care.care_for(patient_user=user))}
