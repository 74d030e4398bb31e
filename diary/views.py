import datetime
from functools import wraps

from django import forms
from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms.models import model_to_dict
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from clinics import selectors as care
from diary import audit, flag_services, idempotency, selectors, services
from diary import history as history_reads
from diary import progress as progress_reads
from diary.adherence import most_a_day
from diary.export import patient_archive
from diary.forms import (
    AccountDeleteForm,
    ApplicationForm,
    ApplyForm,
    EntryForm,
    HelpAnswerForm,
    PhotoForm,
    ReactionForm,
    Refusals,
    SettingsForm,
    TreatmentForm,
)
from diary.models import Application, Entry, Flag, Patient, Photo, Reaction, Treatment
from diary.reauth import reauthentication_required
from diary.storage import photo_storage
from diary.validators import validate_diary_day
from drugs.models import BodyArea, Drug
from drugs.selectors import reference_version

HISTORY_PAGE_SIZE = 20


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
    patient = selectors.patient_of(user=request.user)
    if patient is None:
        raise Http404("No diary for this account.")
    return patient


def _past_day(patient: Patient, day: datetime.date) -> datetime.date:
    """A day in a URL that cannot have a diary page (not come yet, or before 1900) is a 404."""
    try:
        validate_diary_day(day=day, today=patient.today())
    except ValidationError:
        raise Http404("No diary page for that day.") from None
    return day


def day_write(view):
    """A form posted on a day's page by its patient: signed in, a POST, and a day that can have a page."""

    @wraps(view)
    def wrapper(request, day):
        patient = _patient(request)
        _past_day(patient, day)
        return view(request, patient, day)

    return patient_page(require_POST(wrapper))


def _day_url(patient: Patient, day: datetime.date) -> str:
    return reverse("home") if day == patient.today() else reverse("diary:day", args=[day])


def _after_write(
    request, patient: Patient, day: datetime.date, *, message: str = "", anchor: str = "", query: str = ""
) -> str:
    """Where to go after a write that may have matched a warning sign: its advice first, if it did.

    An emergency opens at the call button's box (the browser focuses the fragment's target). The write's
    confirmation `message` is shown where the page opens (see `_placed`), not above it, out of sight."""
    anchor = selectors.alert_anchor(patient=patient, day=day) or anchor
    if message:
        _confirm(request, message, anchor)
    return f"{_day_url(patient, day)}{query}{anchor}"


# The regions of a day's page a write may open at; a confirmation for one is shown inside it.
DAY_REGIONS = {"#alerts": "alerts", "#emergency": "alerts", "#reactions": "reactions", "#photos": "photos"}


def _confirm(request, message: str, anchor: str = "") -> None:
    """A success message for the day's page, tagged with the region the page opens at."""
    region = DAY_REGIONS.get(anchor, "")
    messages.success(request, message, extra_tags=f"day-{region}" if region else "")


def _placed(request, regions: set[str]) -> dict[str, list]:
    """The pending messages by the region of the day's page that shows them: the one the page opens at, if the
    page has it now, else the top of the page ("top")."""
    placed: dict[str, list] = {"top": [], **{region: [] for region in regions}}
    for message in messages.get_messages(request):
        region = message.extra_tags.removeprefix("day-") if message.extra_tags.startswith("day-") else "top"
        placed[region if region in regions else "top"].append(message)
    return placed


def _render_day(request, patient: Patient, day: datetime.date, **forms):
    """The diary page of one day, with any bound forms that came back with errors."""
    today = patient.today()
    version = reference_version()
    entry = selectors.entry_on(patient=patient, day=day)
    undo_pk = request.GET.get("undo", "")
    courses = selectors.courses_of(patient_id=patient.pk)  # the day's are chosen from them; the course select lists all
    progress = selectors.course_progress(patient=patient, day=day, is_today=day == today, courses=courses)
    # The page names the clinics it is shared with (the care_team context processor's list): read them once, here,
    # for that note and for the clinic's phone on "today" alerts.
    care_links = [] if request.user.is_staff else care.care_for(patient_user=request.user)
    alerts = selectors.alerts_on(
        patient=patient, day=day, courses=[course.treatment for course in progress], care_links=care_links
    )
    context = {
        "care_links": care_links,
        "patient": patient,
        "day": day,
        "today": today,
        "is_today": day == today,
        "entry": entry,
        "undo": next((a for a in entry.applications if str(a.pk) == undo_pk), None) if entry else None,
        "progress": progress,
        "alerts": alerts,
        "notices": _placed(request, {"reactions", "photos"} | ({"alerts"} if alerts.flags else set())),
        "apply_form": forms.get("apply_form"),
        "apply_forms": _apply_forms(patient, day, progress, forms.get("apply_form"), is_today=day == today),
        "reference_version": version,
        "reaction_form": forms.get("reaction_form")
        or ReactionForm(
            patient=patient,
            courses=[course.treatment for course in progress],
            patient_courses=courses,
            reference_version=version,
        ),
        "entry_form": forms.get("entry_form")
        or EntryForm(
            initial={"itch": entry.itch, "sleep_loss": entry.sleep_loss, "notes": entry.notes} if entry else None
        ),
        "poem_due": day == today
        and progress_reads.poem_due(patient=patient, day=day, courses=[course.treatment for course in progress]),
        "photos": selectors.photos_on(patient=patient, day=day),
        "photo_form": forms.get("photo_form") or PhotoForm(reference_version=version),
    }
    return render(request, "diary/entry_day.html", context)


def _apply_forms(patient: Patient, day: datetime.date, progress, posted: ApplyForm | None, *, is_today: bool):
    """Each course of the day with its "Applied" form: the one just posted comes back bound, with its errors. On
    Today the form is a button and hidden inputs (diary.day_html.course_cards), so no unbound form is made there."""
    posted_pk = posted["treatment"].value() if posted is not None else None
    initial = {"time": f"{services.MISSED_DAY_TIME:%H:%M}"}

    def form_for(treatment: Treatment) -> ApplyForm | None:
        if posted_pk is not None and str(posted_pk) == str(treatment.pk):
            return posted
        return None if is_today else ApplyForm(patient=patient, day=day, initial={"treatment": treatment.pk, **initial})

    return [(course, form_for(course.treatment)) for course in progress]


# --- Home, sign-up, settings -------------------------------------------------------------


@never_cache
def home(request):
    """The landing page for visitors; a signed-in patient's diary for today."""
    if not request.user.is_authenticated:
        return render(request, "landing.html")
    patient = selectors.patient_of(user=request.user)
    if patient is None:
        return render(request, "diary/no_diary.html")
    return _render_day(request, patient, patient.today())


@patient_page
def settings(request):
    patient = _patient(request)
    initial = {
        "name": request.user.get_full_name(),
        "time_zone": patient.time_zone,
        "callback_phone": patient.callback_phone,
    }
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with Refusals(form):
            services.patient_update(patient=patient, **form.cleaned_data)
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
    with Refusals() as refusal:
        validate_diary_day(day=chosen, today=patient.today())
        return redirect(_day_url(patient, chosen))
    messages.error(request, refusal.message)
    return redirect("home")


EXTRA_DOSE_CONFIRMED = "extra_dose"  # posted by the question's "Log another" button


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _extra_dose_question(request, *, patient: Patient, treatment: Treatment, day: datetime.date, excluding=None):
    """The page that asks before storing an application beyond what the course's schedule counts on that day
    (nothing is stored until the patient confirms); None when there is nothing to ask."""
    key = idempotency.key_from(request.POST)
    if request.POST.get(EXTRA_DOSE_CONFIRMED) == "yes" or idempotency.was_used(user=request.user, key=key):
        return None  # confirmed, or a repeat of a post already stored: answered with its first result
    logged = selectors.extra_dose(treatment=treatment, day=day, excluding=excluding)
    if logged is None:
        return None
    when = "today" if day == patient.today() else f"on {day.day} {day:%B}"
    prescribed = "as prescribed" if logged == most_a_day(treatment) else f"and your schedule is {treatment.schedule}"
    context = {
        "question": f"You have already applied {treatment.drug} {_times(logged)} {when}, {prescribed}.",
        "posted": [
            (name, value)
            for name in request.POST
            if name != "csrfmiddlewaretoken"
            for value in request.POST.getlist(name)
        ],
        "confirm_field": EXTRA_DOSE_CONFIRMED,
        "back": _day_url(patient, day),
    }
    return render(request, "diary/application_confirm.html", context)


@day_write
def application_add(request, patient, day):
    form = ApplyForm(request.POST, patient=patient, day=day)
    if form.is_valid():
        treatment = form.cleaned_data["treatment"]
        if question := _extra_dose_question(request, patient=patient, treatment=treatment, day=day):
            return question
        with Refusals(form):
            outcome = idempotency.once(
                user=request.user,
                key=idempotency.key_from(request.POST),
                action=lambda: {"pk": services.application_create(patient=patient, date=day, **form.cleaned_data).pk},
            )
            return redirect(_after_write(request, patient, day, query=f"?undo={outcome.result['pk']}"))
    return _render_day(request, patient, day, apply_form=form)


@day_write
def reaction_add(request, patient, day):
    form = ReactionForm(request.POST, patient=patient)
    if form.is_valid():
        with Refusals(form):
            outcome = services.reaction_create_once(
                user=request.user,
                key=idempotency.key_from(request.POST),
                patient=patient,
                date=day,
                result=_reaction_logged,
                **form.cleaned_data,
            )
            return redirect(_after_write(request, patient, day, message=outcome.result["message"], anchor="#reactions"))
    return _render_day(request, patient, day, reaction_form=form)


def _reaction_logged(reaction: Reaction) -> dict:
    """What a repeat of the same reaction post shows again (diary.idempotency)."""
    return {
        "pk": reaction.pk,
        "message": f"Logged {reaction.get_severity_display().lower()} {reaction.symptom.name.lower()}.",
    }


@day_write
def entry_save(request, patient, day):
    form = EntryForm(request.POST)
    if form.is_valid():
        with Refusals(form):
            services.entry_update(patient=patient, date=day, **form.cleaned_data)
            messages.success(request, "Saved.")
            return redirect(_day_url(patient, day))
    return _render_day(request, patient, day, entry_form=form)


@patient_page
def entry_delete(request, day):
    entry = get_object_or_404(Entry.objects.select_related("patient"), date=day, patient__user=request.user)
    if request.method == "POST":
        services.entry_delete(patient=entry.patient, entry=entry)
        messages.success(request, f"Deleted the diary page of {day.day} {day:%B %Y}.")
        return redirect("diary:history")
    return _confirm_delete(request, "this whole day", day)


def _confirm_delete(request, what: str, day: datetime.date):
    """The page that asks before a deletion; its button posts back to the same view."""
    return render(request, "diary/confirm_delete.html", {"what": what, "day": day})


def _delete_from_day(request, item, delete, what: str, done: str, anchor: str = ""):
    """Ask, then on POST delete `item` with the `delete` service and go back to its day (at `anchor`)."""
    if request.method != "POST":
        return _confirm_delete(request, what, item.entry.date)
    delete(patient=item.entry.patient, **{item._meta.model_name: item})
    _confirm(request, done, anchor)
    return redirect(_day_url(item.entry.patient, item.entry.date) + anchor)


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
    if request.method == "POST" and form.is_valid():
        treatment, day = form.cleaned_data["treatment"], application.entry.date
        if treatment != application.treatment and (
            question := _extra_dose_question(
                request, patient=patient, treatment=treatment, day=day, excluding=application
            )
        ):
            return question
        with Refusals(form):
            services.application_update(patient=patient, application=application, **form.cleaned_data)
            return redirect(_after_write(request, patient, application.entry.date, message="Application saved."))
    return render(request, "diary/application_form.html", {"form": form, "application": application})


@patient_page
def application_delete(request, pk):
    application = _application_for(request, pk)
    what, done = (
        f"this application of {application.treatment}",
        f"Removed the application of {application.treatment.drug}.",
    )
    return _delete_from_day(request, application, services.application_delete, what, done)


@patient_page
def reaction_edit(request, pk):
    reaction = _reaction_for(request, pk)
    patient = reaction.entry.patient
    initial = {f: getattr(reaction, f) for f in ("symptom", "severity", "body_area", "treatment")}
    form = ReactionForm(request.POST or None, initial=initial, patient=patient)
    if request.method == "POST" and form.is_valid():
        with Refusals(form):
            services.reaction_update(patient=patient, reaction=reaction, **form.cleaned_data)
            return redirect(
                _after_write(request, patient, reaction.entry.date, message="Reaction saved.", anchor="#reactions")
            )
    return render(request, "diary/reaction_form.html", {"form": form, "reaction": reaction})


@patient_page
def reaction_delete(request, pk):
    reaction = _reaction_for(request, pk)
    what, done = f"this reaction ({reaction})", f"Removed {reaction.symptom.name.lower()}."
    return _delete_from_day(request, reaction, services.reaction_delete, what, done, "#reactions")


# --- History -------------------------------------------------------------------------------


@patient_page
def history(request):
    patient = _patient(request)
    before, understood = history_reads.page_start(
        before=request.GET.get("before", ""), month=request.GET.get("month", ""), today=patient.today()
    )
    page = history_reads.history_page(
        patient=patient,
        before=before,
        drug_slug=request.GET.get("drug", ""),
        symptom_code=request.GET.get("symptom", ""),
    )
    return render(request, "diary/entry_list.html", {"page": page, "before": before, "date_ignored": not understood})


# --- Treatments ----------------------------------------------------------------------------


def _treatment_for(request, pk) -> Treatment:
    return get_object_or_404(Treatment.objects.select_related("patient", "drug"), pk=pk, patient__user=request.user)


@patient_page
def treatment_list(request):
    patient = _patient(request)
    today = patient.today()
    current, past = selectors.courses_current_and_past(patient=patient, today=today)
    stoppable = {treatment.pk for treatment in current if treatment.can_stop_on(today)}
    context = {"current": current, "past": past, "today": today, "stoppable": stoppable}
    return render(request, "diary/treatment_list.html", context)


@patient_page
def treatment_add(request):
    patient = _patient(request)
    # Opened for one medicine (the guide's "Start this medicine"): it is chosen, with its usual schedule.
    drug = Drug.objects.filter(slug=request.GET.get("drug", "")).first()
    form = TreatmentForm(request.POST or None, initial={"started_on": patient.today(), "drug": drug})
    if request.method == "POST" and form.is_valid():
        with Refusals(form):
            treatment = services.treatment_create(patient=patient, **form.cleaned_data)
            messages.success(request, f"Added {treatment}.")
            return redirect("diary:treatment-list")
    return render(request, "diary/treatment_form.html", {"form": form})


@patient_page
def treatment_edit(request, pk):
    treatment = _treatment_for(request, pk)
    form = TreatmentForm(request.POST or None, initial=model_to_dict(treatment, fields=list(TreatmentForm.base_fields)))
    if request.method == "POST" and form.is_valid():
        with Refusals(form):
            services.treatment_update(patient=treatment.patient, treatment=treatment, **form.cleaned_data)
            messages.success(request, f"Saved {treatment}.")
            return redirect("diary:treatment-list")
    return render(request, "diary/treatment_form.html", {"form": form, "treatment": treatment})


@patient_page
@require_POST
def treatment_stop(request, pk):
    treatment = _treatment_for(request, pk)
    with Refusals() as refusal:
        services.treatment_stop(patient=treatment.patient, treatment=treatment)
        messages.success(request, f"Stopped {treatment} today.")
    if refusal.message:
        messages.error(request, refusal.message)
    return redirect("diary:treatment-list")


# --- Alerts ----------------------------------------------------------------------------------


@patient_page
def alert_list(request):
    patient = _patient(request)
    active, past = selectors.alerts_for(patient=patient)
    page = Paginator(past, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "diary/flag_list.html", {"active_flags": active, "past_flags": page, "page_obj": page})


@patient_page
def alert_detail(request, pk):
    flag = get_object_or_404(
        Flag.objects.select_related("drug", "patient", "reviewer"), pk=pk, patient__user=request.user
    )
    return render(request, "diary/flag_detail.html", {"flag": flag})


@patient_page
@require_POST
def alert_help(request, pk):
    """The patient's answer to "did you get help?" after an emergency alert."""
    patient = _patient(request)
    flag = get_object_or_404(Flag, pk=pk, patient=patient)
    form = HelpAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["answer"]))
    else:
        with Refusals() as refusal:
            flag_services.flag_help_record(patient=patient, flag=flag, answer=form.cleaned_data["answer"])
            _confirm(request, "Thank you. Your answer is kept with this alert for your dermatologist.", "#alerts")
        if refusal.message:
            messages.error(request, refusal.message)
    return redirect(f"{_day_url(patient, flag.last_seen)}#alerts")


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


@day_write
def photo_add(request, patient, day):
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        # A refusal (format, size, the same photo twice) comes back next to the file field.
        with Refusals(form):
            photo = services.photo_create(patient=patient, date=day, **form.cleaned_data)
            _confirm(request, f"Added a photo of your {photo.body_area.name.lower()}.", "#photos")
            return redirect(_day_url(patient, day) + "#photos")
    return _render_day(request, patient, day, photo_form=form)


@login_required
@require_GET
def photo_file(request, pk, kind):
    """The photo's bytes (or its thumbnail) for its patient, or staff the care team lets see its photos; else 404."""
    photo = get_object_or_404(selectors.photos_visible_to(user=request.user).select_related("entry__patient"), pk=pk)
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
    what = f"this photo of your {photo.body_area.name.lower()}"
    return _delete_from_day(request, photo, services.photo_delete, what, "Deleted the photo.", "#photos")


def _chosen_area(request, areas: list[BodyArea]) -> BodyArea | None:
    code = request.GET.get("area", "")
    return next((area for area in areas if area.code == code), None)


@patient_page
@require_GET
def photo_gallery(request):
    patient = _patient(request)
    areas = selectors.photo_areas(patient=patient)
    area = _chosen_area(request, areas)
    context = {"groups": selectors.photo_gallery(patient=patient, area=area), "areas": areas, "area": area}
    return render(request, "diary/photo_gallery.html", context)


@patient_page
@require_GET
def photo_compare(request):
    """Two photos of one body area side by side: the first and the latest, or the two chosen."""
    patient = _patient(request)
    areas = selectors.photo_areas(patient=patient)
    area = _chosen_area(request, areas) or (areas[0] if areas else None)
    photos = (
        list(selectors.patient_photos(patient=patient).filter(body_area=area).order_by("taken_on", "pk"))
        if area
        else []
    )
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
@reauthentication_required
def account_export(request):
    patient = _patient(request)
    archive = patient_archive(patient)
    filename = f"skin-diary-{patient.today():%Y-%m-%d}.zip"
    return FileResponse(archive, as_attachment=True, filename=filename, content_type="application/zip")


@sensitive_post_parameters("password")
@patient_page
@reauthentication_required
def account_delete(request):
    patient = _patient(request)
    form = AccountDeleteForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        services.patient_delete(patient=patient)
        logout(request)
        messages.success(request, "Your account and your diary have been deleted.")
        return redirect("home")
    reviewed = Flag.objects.for_patient(patient).filter(reviewed_at__isnull=False).count()
    return render(request, "diary/account_delete.html", {"form": form, "reviewed_flags": reviewed})
