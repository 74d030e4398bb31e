"""Sharing, from the patient's side: "who can see my diary", temporary share links, and the page a share
link opens for whoever holds it. Who may see what is decided in the clinics app; the diary shows it."""

import datetime

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.core import is_ratelimited

from clinics import selectors as care
from clinics import services as care_services
from clinics.forms import ShareLinkForm
from clinics.models import ShareLink, display_name
from diary import audit, selectors
from diary.forms import Refusals
from diary.models import Entry, Flag, Patient, Photo
from diary.reauth import reauthentication_required
from diary.views import _patient, patient_page, photo_response

LINK_GUESSES = "20/h"
SHARE_LINK_FIELDS = tuple(
    ShareLinkForm.base_fields
)  # wrong share-link addresses per client address; right ones are not counted


@patient_page
def sharing(request):
    """Every clinic and person who can see the diary, since when, when they last looked; share links too."""
    patient = _patient(request)
    history = care.care_history(patient_user=request.user)
    viewed = audit.last_views(patient)
    staff_ids = set()
    for link in history["active"]:
        link.people = [(m, viewed.get(m.user_id)) for m in link.clinic.memberships.all()]
        staff_ids |= {m.user_id for m in link.clinic.memberships.all()}
    others = [(user_id, when) for user_id, when in viewed.items() if user_id not in staff_ids]
    openings = care.share_link_openings(history["share_links"])
    share_links = [(link, *openings.get(link.pk, (0, None))) for link in history["share_links"]]
    context = {**history, "share_links": share_links, "other_views": _named(others)}
    return render(request, "diary/sharing.html", context)


def _named(views: list[tuple[int, datetime.datetime]]) -> list[tuple[str, datetime.datetime]]:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.in_bulk([user_id for user_id, _ in views])
    return sorted(
        ((display_name(users[user_id]), when) for user_id, when in views if user_id in users),
        key=lambda row: row[1],
        reverse=True,
    )


@patient_page
@reauthentication_required(keep=SHARE_LINK_FIELDS)
def share_link_add(request):
    patient = _patient(request)
    # Back from confirming the password, the values typed before come back in the query string.
    typed = {name: request.GET[name] for name in SHARE_LINK_FIELDS if name in request.GET}
    form = ShareLinkForm(request.POST or None, today=patient.today(), typed=typed)
    if request.method == "POST" and form.is_valid():
        with Refusals(form):
            link, token = care_services.share_link_create(patient_user=request.user, **form.cleaned_data)
            url = request.build_absolute_uri(reverse("shared-summary", args=[token]))
            return render(request, "diary/share_link_made.html", {"link": link, "url": url})
    return render(request, "diary/share_link_form.html", {"form": form})


@patient_page
@require_POST
def share_link_revoke(request, pk):
    link = get_object_or_404(ShareLink, pk=pk, patient=request.user)
    care_services.share_link_revoke(share_link=link)
    messages.success(request, "The share link no longer works.")
    return redirect("diary:sharing")


def _usable_share_link(request, token) -> tuple[ShareLink | None, HttpResponse | None]:
    """The share link, or the plain page saying why it cannot be opened (rate-limited against guessing)."""
    limited = {"request": request, "group": "share-link", "key": "ip", "rate": LINK_GUESSES}
    if is_ratelimited(**limited, increment=False):
        return None, render(request, "diary/shared_unusable.html", {"reason": "limited"}, status=429)
    link = care.share_link_by_link(token)
    if link is None:
        is_ratelimited(**limited, increment=True)
        return None, render(request, "diary/shared_unusable.html", {"reason": "unknown"}, status=404)
    if link.revoked_at:
        return None, render(request, "diary/shared_unusable.html", {"reason": "revoked"}, status=410)
    if not link.is_usable:
        return None, render(request, "diary/shared_unusable.html", {"reason": "expired"}, status=410)
    return link, None


@never_cache
@require_GET
def shared_summary(request, token):
    """The period's diary days and alerts (and photos, if chosen), read-only, for whoever holds the link."""
    link, refusal = _usable_share_link(request, token)
    if refusal:
        return refusal
    patient = get_object_or_404(Patient, user=link.patient)
    care_services.share_link_record_opening(share_link=link, request=request)
    entries = Entry.objects.with_details().filter(patient=patient, date__range=(link.start, link.end)).order_by("date")
    flags = (
        Flag.objects.for_patient(patient)
        .filter(first_seen__lte=link.end, last_seen__gte=link.start)
        .select_related("drug")
        .order_by("-urgency", "first_seen")
    )
    photos = (
        selectors.patient_photos(patient=patient).filter(taken_on__range=(link.start, link.end)).order_by("taken_on")
    )
    context = {
        "link": link,
        "token": token,
        "patient_name": display_name(link.patient),
        "entries": entries,
        "flags": flags,
        "photos": photos if link.include_photos else [],
    }
    response = render(request, "diary/shared_summary.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_GET
def shared_photo(request, token, pk, kind):
    link, refusal = _usable_share_link(request, token)
    if refusal:
        return refusal
    if not link.include_photos:
        raise Http404("Photos are not part of this link.")
    photo = get_object_or_404(Photo, pk=pk, entry__patient__user=link.patient, taken_on__range=(link.start, link.end))
    return photo_response(photo, kind)
