import datetime
from functools import wraps

from django import forms
from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from diary import audit, selectors, services
from diary.export import patient_archive
from diary.forms import (
    AccountDeleteForm,
    ApplicationForm,
    ApplyForm,
    EntryForm,
    PhotoForm,
    ReactionForm,
    SettingsForm,
    SignUpForm,
    TreatmentForm,
)
from diary.models import Application, Entry, Flag, Patient, Photo, Reaction, Treatment
from diary.storage import photo_storage
from drugs.models import BodyArea, Drug, Symptom

HISTORY_PAGE_SIZE = 20
# Diary days before this are not pages (and date arithmetic near year 1 would overflow).
FIRST_DAY = datetime.date(1900, 1, 1)


def patient_page(view):
    """Signed in, never cached, and another patient's object (from a service) is a 404."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except services.NotYoursError:
            raise Http404("Not found.") from None

    return login_required(never_cache(wrapper))


def _patient(request) -> Patient:
    return get_object_or_404(Patient, user=request.user)


def _past_day(patient: Patient, day: datetime.date) -> datetime.date:
    if day > patient.today() or day < FIRST_DAY:
        raise Http404("That day has not come yet.")
    return day


def _call(form, service, **kwargs):
    """Run a service; a rule it enforces that the form did not check becomes a form error, never a 500."""
    try:
        return service(**kwargs)
    except ValidationError as error:
        form.add_error(None, error.messages)
        return None


def _day_url(patient: Patient, day: datetime.date) -> str:
    return reverse("home") if day == patient.today() else reverse("diary:day", args=[day])


def _after_write(patient: Patient, day: datetime.date, anchor: str = "", query: str = "") -> str:
    """Where to go after a write that may have matched a warning sign: its advice first, if it did."""
    if selectors.alerts_on(patient, day).flags:
        anchor = "#alerts"
    return f"{_day_url(patient, day)}{query}{anchor}"


def _render_day(request, patient: Patient, day: datetime.date, **forms):
    """The diary page of one day, with any bound forms that came back with errors."""
    today = patient.today()
    entry = selectors.entry_on(patient, day)
    undo_pk = request.GET.get("undo", "")
    progress = selectors.course_progress(patient, day, day == today)
    context = {
        "patient": patient,
        "day": day,
        "today": today,
        "is_today": day == today,
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1) if day < today else None,
        "entry": entry,
        "undo": next((a for a in entry.applications.all() if str(a.pk) == undo_pk), None) if entry else None,
        "progress": progress,
        "alerts": selectors.alerts_on(patient, day, [course.treatment for course in progress]),
        "apply_form": forms.get("apply_form"),
        "reaction_form": forms.get("reaction_form") or ReactionForm(patient=patient),
        "entry_form": forms.get("entry_form")
        or EntryForm(initial={"itch": entry.itch, "notes": entry.notes} if entry else None),
        "photos": selectors.photos_on(patient, day),
        "photo_form": forms.get("photo_form") or PhotoForm(),
    }
    return render(request, "diary/entry_day.html", context)


# --- Home, sign-up, settings -------------------------------------------------------------


@never_cache
def home(request):
    """The landing page for visitors; a signed-in patient's diary for today."""
    if not request.user.is_authenticated:
        return render(request, "landing.html")
    patient = Patient.objects.filter(user=request.user).first()
    if patient is None:
        return render(request, "diary/no_diary.html")
    return _render_day(request, patient, patient.today())


@sensitive_post_parameters("password1", "password2")
@never_cache
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""  # an invitation brings the new patient back to it; nothing else is followed
    if request.method == "POST" and form.is_valid():
        patient = services.patient_register(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            time_zone=form.cleaned_data["time_zone"],
        )
        login(request, patient.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome! Your diary is ready.")
        return redirect(next_url or "home")
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


@patient_page
def settings(request):
    patient = _patient(request)
    form = SettingsForm(request.POST or None, instance=patient)
    if (
        request.method == "POST"
        and form.is_valid()
        and _call(form, services.patient_update_settings, patient=patient, **form.cleaned_data)
    ):
        messages.success(request, "Settings saved.")
        return redirect("diary:settings")
    return render(request, "diary/patient_settings.html", {"form": form})


# --- Days ----------------------------------------------------------------------------------


@patient_page
def day(request, day):
    patient = _patient(request)
    _past_day(patient, day)
    if day == patient.today():
        return redirect("home")
    return _render_day(request, patient, day)


@patient_page
@require_GET
def day_pick(request):
    """The date picker's target: go to the chosen day, or back home with a message."""
    patient = _patient(request)
    field = forms.DateField()
    try:
        chosen = field.clean(request.GET.get("date", ""))
    except ValidationError:
        messages.error(request, "That is not a date. Choose a day with the date picker.")
        return redirect("home")
    if chosen > patient.today() or chosen < FIRST_DAY:
        messages.error(request, "Choose today or an earlier day: a day that has not come yet cannot be filled in.")
        return redirect("home")
    return redirect(_day_url(patient, chosen))


@patient_page
@require_POST
def application_add(request, day):
    patient = _patient(request)
    _past_day(patient, day)
    form = ApplyForm(request.POST, patient=patient, day=day)
    application = form.is_valid() and _call(
        form, services.application_record, patient=patient, date=day, **form.cleaned_data
    )
    if not application:
        return _render_day(request, patient, day, apply_form=form)
    return redirect(_after_write(patient, day, query=f"?undo={application.pk}"))


@patient_page
@require_POST
def reaction_add(request, day):
    patient = _patient(request)
    _past_day(patient, day)
    form = ReactionForm(request.POST, patient=patient)
    reaction = form.is_valid() and _call(form, services.reaction_add, patient=patient, date=day, **form.cleaned_data)
    if not reaction:
        return _render_day(request, patient, day, reaction_form=form)
    messages.success(request, f"Logged {reaction.get_severity_display().lower()} {reaction.symptom.name.lower()}.")
    return redirect(_after_write(patient, day, "#reactions"))


@patient_page
@require_POST
def entry_save(request, day):
    patient = _patient(request)
    _past_day(patient, day)
    form = EntryForm(request.POST)
    if not (form.is_valid() and _call(form, services.entry_save, patient=patient, date=day, **form.cleaned_data)):
        return _render_day(request, patient, day, entry_form=form)
    messages.success(request, "Saved.")
    return redirect(_day_url(patient, day))


@patient_page
def entry_delete(request, day):
    entry = get_object_or_404(Entry.objects.select_related("patient"), date=day, patient__user=request.user)
    if request.method == "POST":
        services.entry_delete(patient=entry.patient, entry=entry)
        messages.success(request, f"Deleted the diary page of {day.day} {day:%B %Y}.")
        return redirect("diary:history")
    return render(request, "diary/confirm_delete.html", {"object": entry, "what": "this whole day", "day": day})


# --- Applications and reactions ------------------------------------------------------------


def _application_for(request, pk) -> Application:
    return get_object_or_404(
        Application.objects.select_related("entry__patient", "treatment__drug"),
        pk=pk,
        entry__patient__user=request.user,
    )


def _reaction_for(request, pk) -> Reaction:
    return get_object_or_404(
        Reaction.objects.select_related("entry__patient", "symptom"), pk=pk, entry__patient__user=request.user
    )


@patient_page
def application_edit(request, pk):
    application = _application_for(request, pk)
    patient = application.entry.patient
    initial = {
        "treatment": application.treatment,
        "time": application.applied_at.astimezone(patient.zone).time().replace(second=0, microsecond=0),
        "body_areas": list(application.body_areas.all()),
        "amount": application.amount,
        "unit": application.unit,
    }
    form = ApplicationForm(request.POST or None, initial=initial, patient=patient)
    kwargs = {"patient": patient, "application": application}
    if (
        request.method == "POST"
        and form.is_valid()
        and _call(form, services.application_update, **kwargs, **form.cleaned_data)
    ):
        messages.success(request, "Application saved.")
        return redirect(_after_write(patient, application.entry.date))
    return render(request, "diary/application_form.html", {"form": form, "application": application})


@patient_page
def application_delete(request, pk):
    application = _application_for(request, pk)
    patient = application.entry.patient
    if request.method == "POST":
        date = services.application_delete(patient=patient, application=application)
        messages.success(request, f"Removed the application of {application.treatment.drug}.")
        return redirect(_day_url(patient, date))
    context = {
        "object": application,
        "what": f"this application of {application.treatment}",
        "day": application.entry.date,
    }
    return render(request, "diary/confirm_delete.html", context)


@patient_page
def reaction_edit(request, pk):
    reaction = _reaction_for(request, pk)
    patient = reaction.entry.patient
    initial = {f: getattr(reaction, f) for f in ("symptom", "severity", "body_area", "treatment")}
    form = ReactionForm(request.POST or None, initial=initial, patient=patient)
    kwargs = {"patient": patient, "reaction": reaction}
    if (
        request.method == "POST"
        and form.is_valid()
        and _call(form, services.reaction_update, **kwargs, **form.cleaned_data)
    ):
        messages.success(request, "Reaction saved.")
        return redirect(_after_write(patient, reaction.entry.date, "#reactions"))
    return render(request, "diary/reaction_form.html", {"form": form, "reaction": reaction})


@patient_page
def reaction_delete(request, pk):
    reaction = _reaction_for(request, pk)
    patient = reaction.entry.patient
    if request.method == "POST":
        date = services.reaction_delete(patient=patient, reaction=reaction)
        messages.success(request, f"Removed {reaction.symptom.name.lower()}.")
        return redirect(_day_url(patient, date) + "#reactions")
    context = {"object": reaction, "what": f"this reaction ({reaction})", "day": reaction.entry.date}
    return render(request, "diary/confirm_delete.html", context)


# --- History -------------------------------------------------------------------------------


@patient_page
def history(request):
    patient = _patient(request)
    drugs = list(Drug.objects.filter(pk__in=Treatment.objects.filter(patient=patient).values("drug_id")))
    symptoms = list(Symptom.objects.all())
    drug_slug, symptom_code = request.GET.get("drug", ""), request.GET.get("symptom", "")
    ignored = []
    if drug_slug and drug_slug not in {d.slug for d in drugs}:
        ignored, drug_slug = [*ignored, "medicine"], ""
    if symptom_code and symptom_code not in {s.code for s in symptoms}:
        ignored, symptom_code = [*ignored, "symptom"], ""
    entries = selectors.history(patient, drug_slug=drug_slug, symptom_code=symptom_code)
    page = Paginator(entries, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "drugs": drugs,
        "symptoms": symptoms,
        "drug_slug": drug_slug,
        "symptom_code": symptom_code,
        "ignored": ignored,
        "patient": patient,
        "today": patient.today(),
    }
    return render(request, "diary/entry_list.html", context)


# --- Treatments ----------------------------------------------------------------------------


def _treatment_for(request, pk) -> Treatment:
    return get_object_or_404(Treatment.objects.select_related("patient", "drug"), pk=pk, patient__user=request.user)


@patient_page
def treatment_list(request):
    patient = _patient(request)
    today = patient.today()
    treatments = Treatment.objects.filter(patient=patient).select_related("drug").prefetch_related("body_areas")
    current = [t for t in treatments if t.ended_on is None or t.ended_on >= today]
    past = [t for t in treatments if t.ended_on is not None and t.ended_on < today]
    return render(request, "diary/treatment_list.html", {"current": current, "past": past, "today": today})


@patient_page
def treatment_add(request):
    patient = _patient(request)
    form = TreatmentForm(request.POST or None, initial={"started_on": patient.today()})
    treatment = request.method == "POST" and form.is_valid()
    treatment = treatment and _call(form, services.treatment_create, patient=patient, **form.cleaned_data)
    if treatment:
        messages.success(request, f"Added {treatment}.")
        return redirect("diary:treatment-list")
    return render(request, "diary/treatment_form.html", {"form": form})


@patient_page
def treatment_edit(request, pk):
    treatment = _treatment_for(request, pk)
    form = TreatmentForm(request.POST or None, instance=treatment)
    kwargs = {"patient": treatment.patient, "treatment": treatment}
    if (
        request.method == "POST"
        and form.is_valid()
        and _call(form, services.treatment_update, **kwargs, **form.cleaned_data)
    ):
        messages.success(request, f"Saved {treatment}.")
        return redirect("diary:treatment-list")
    return render(request, "diary/treatment_form.html", {"form": form, "treatment": treatment})


@patient_page
@require_POST
def treatment_stop(request, pk):
    treatment = _treatment_for(request, pk)
    try:
        services.treatment_stop(patient=treatment.patient, treatment=treatment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Stopped {treatment} today.")
    return redirect("diary:treatment-list")


# --- Alerts ----------------------------------------------------------------------------------


@patient_page
def alert_list(request):
    patient = _patient(request)
    active, past = selectors.alerts_for(patient)
    page = Paginator(past, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "diary/flag_list.html", {"active_flags": active, "past_flags": page, "page_obj": page})


@patient_page
def alert_detail(request, pk):
    flag = get_object_or_404(
        Flag.objects.select_related("drug", "patient", "reviewer"), pk=pk, patient__user=request.user
    )
    return render(request, "diary/flag_detail.html", {"flag": flag})


# --- Photos --------------------------------------------------------------------------------

PHOTO_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox",
}


def _photo_for(request, pk) -> Photo:
    return get_object_or_404(
        Photo.objects.select_related("entry__patient", "body_area"), pk=pk, entry__patient__user=request.user
    )


@patient_page
@require_POST
def photo_add(request, day):
    patient = _patient(request)
    _past_day(patient, day)
    form = PhotoForm(request.POST, request.FILES)
    photo = form.is_valid() and _call_photo(form, patient=patient, date=day, **form.cleaned_data)
    if not photo:
        return _render_day(request, patient, day, photo_form=form)
    messages.success(request, f"Added a photo of your {photo.body_area.name.lower()}.")
    return redirect(_day_url(patient, day) + "#photos")


def _call_photo(form, **kwargs) -> Photo | None:
    """Run photo_add; a refusal (format, size, duplicate) becomes an error next to the file field."""
    try:
        return services.photo_add(**kwargs)
    except ValidationError as error:
        messages_by_field = error.message_dict if hasattr(error, "error_dict") else {"upload": error.messages}
        for field, field_messages in messages_by_field.items():
            form.add_error(field if field in form.fields else None, field_messages)
        return None


@login_required
@require_GET
def photo_file(request, pk, kind):
    """The photo's bytes (or its thumbnail) for its patient, their dermatologist or a superuser; 404 otherwise."""
    photo = get_object_or_404(selectors.photos_visible_to(request.user).select_related("entry__patient"), pk=pk)
    audit.record_view(request, photo.entry.patient, f"photo {kind}", photo)
    return photo_response(photo, kind)


def photo_response(photo: Photo, kind: str) -> HttpResponse:
    """A photo's file (or thumbnail) with private, sandboxed headers; the caller has checked the viewer."""
    name = photo.image if kind == "image" else photo.thumbnail
    if django_settings.PHOTO_SENDFILE:
        response = HttpResponse(content_type="image/jpeg")
        response["X-Accel-Redirect"] = django_settings.PHOTO_SENDFILE + name
    else:
        try:
            response = FileResponse(photo_storage().open(name, "rb"), content_type="image/jpeg")
        except FileNotFoundError:
            raise Http404("This photo's file is missing.") from None
    for header, value in PHOTO_HEADERS.items():
        response[header] = value
    suffix = "" if kind == "image" else "-thumb"
    response["Content-Disposition"] = f'inline; filename="photo-{photo.pk}{suffix}.jpg"'
    return response


@patient_page
def photo_detail(request, pk):
    photo = _photo_for(request, pk)
    return render(request, "diary/photo_detail.html", {"photo": photo, "day": photo.entry.date})


@patient_page
def photo_delete(request, pk):
    photo = _photo_for(request, pk)
    patient = photo.entry.patient
    if request.method == "POST":
        date = services.photo_delete(patient=patient, photo=photo)
        messages.success(request, "Deleted the photo.")
        return redirect(_day_url(patient, date) + "#photos")
    context = {"object": photo, "what": f"this photo of your {photo.body_area.name.lower()}", "day": photo.entry.date}
    return render(request, "diary/confirm_delete.html", context)


def _chosen_area(request, areas: list[BodyArea]) -> BodyArea | None:
    code = request.GET.get("area", "")
    return next((area for area in areas if area.code == code), None)


@patient_page
@require_GET
def photo_gallery(request):
    patient = _patient(request)
    areas = selectors.photo_areas(patient)
    area = _chosen_area(request, areas)
    context = {"groups": selectors.photo_gallery(patient, area), "areas": areas, "area": area}
    return render(request, "diary/photo_gallery.html", context)


@patient_page
@require_GET
def photo_compare(request):
    """Two photos of one body area side by side: the first and the latest, or the two chosen."""
    patient = _patient(request)
    areas = selectors.photo_areas(patient)
    area = _chosen_area(request, areas) or (areas[0] if areas else None)
    photos = list(selectors.patient_photos(patient).filter(body_area=area).order_by("taken_on", "pk")) if area else []
    first, second = _pick(photos, request.GET.get("a"), 0), _pick(photos, request.GET.get("b"), -1)
    context = {"areas": areas, "area": area, "photos": photos, "first": first, "second": second}
    if first and second:
        context["days_apart"] = abs((second.taken_on - first.taken_on).days)
    return render(request, "diary/photo_compare.html", context)


def _pick(photos: list[Photo], pk: str | None, default: int) -> Photo | None:
    """The photo asked for (404 if it is not one of these), else the first or latest of at least two."""
    if pk:
        chosen = next((photo for photo in photos if str(photo.pk) == pk), None)
        if chosen is None:
            raise Http404("No such photo of this area.")
        return chosen
    return photos[default] if len(photos) >= 2 else None


# --- The patient's own data ------------------------------------------------------------------


@patient_page
@require_GET
def account_export(request):
    patient = _patient(request)
    archive = patient_archive(patient)
    filename = f"skin-diary-{patient.today():%Y-%m-%d}.zip"
    return FileResponse(archive, as_attachment=True, filename=filename, content_type="application/zip")


@sensitive_post_parameters("password")
@patient_page
def account_delete(request):
    patient = _patient(request)
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.patient_delete(patient=patient)
        logout(request)
        messages.success(request, "Your account and your diary have been deleted.")
        return redirect("home")
    reviewed = Flag.objects.for_patient(patient).filter(reviewed_at__isnull=False).count()
    return render(request, "diary/account_delete.html", {"form": form, "reviewed_flags": reviewed})
