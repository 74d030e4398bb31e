"""Custom clinician admin pages: a patient's timeline and export, and a flag's review buttons.

Each opens with the model admin's own (scoped) get_object, so a patient the user may not see is a 404.
"""

import csv
import datetime

from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from clinics import selectors as care
from diary import admin_charts, admin_selectors, admin_timeline_html, audit, flag_services
from diary.admin_charts import Series
from diary.admin_forms import MAX_DAYS, FlagReviewForm, ResolveNoteForm, TimelineRangeForm
from diary.export import safe_cell
from diary.forms import Refusals
from diary.models import Patient

DEFAULT_DAYS = 30


def _patient_or_404(model_admin, request, object_id) -> Patient:
    """The patient of the page's address if the user may see them (admin_selectors.visible_patient: the scope of
    the model admin's own queryset, in one prepared query), else a 404."""
    try:
        pk = int(unquote(object_id))
    except ValueError:
        pk = 0
    if not 0 < pk < 2**63:  # no such row, nor a number the database could compare
        raise Http404("No such patient.")
    patient = admin_selectors.visible_patient(user=request.user, pk=pk)
    if patient is None or not model_admin.has_view_permission(request, patient):
        raise Http404("No such patient.")
    return patient


def _date_range(request, patient: Patient) -> tuple[datetime.date, datetime.date, TimelineRangeForm, bool]:
    """The requested range, or the last DEFAULT_DAYS days in the patient's zone; the flag says whether the
    request's dates were usable (a message explains when not)."""
    end = patient.today()
    default_start = end - datetime.timedelta(days=DEFAULT_DAYS - 1)
    default_form = TimelineRangeForm(initial={"start": default_start, "end": end})
    if not ({"start", "end"} & set(request.GET)):
        return default_start, end, default_form, True
    form = TimelineRangeForm(request.GET)
    if form.is_valid():
        start = form.cleaned_data["start"] or default_start
        finish = form.cleaned_data["end"] or max(start, end)
        if start <= finish and (finish - start).days + 1 <= MAX_DAYS:
            return start, finish, form, True
        problem = f"choose a start on or before the end, at most {MAX_DAYS} days"
    else:
        problem = "; ".join(str(e) for errors in form.errors.values() for e in errors)
    messages.error(request, f"Those dates could not be used ({problem}). Showing the last {DEFAULT_DAYS} days.")
    return default_start, end, default_form, False


def _charts(timeline: admin_selectors.Timeline) -> list[dict]:
    severity = [Series(name, points) for name, points in timeline.severity_series().items()]
    itch = [Series("Peak itch", timeline.itch_series())]
    adherence = [Series("Adherence", timeline.adherence_series())]
    no_symptoms = "No symptoms were reported in this range."
    # heading, id, title, series, description, top value, ticks
    charts = [
        ("Symptom severity", "chart-severity", "Symptom severity per day (highest of the day)", severity,
         admin_charts.summary(severity) if severity else no_symptoms, 3, [(1, "Mild"), (2, "Moderate"), (3, "Severe")]),
        ("Peak itch", "chart-itch", "Peak itch per day (worst in the past 24 hours, 0 to 10)", itch,
         admin_charts.summary(itch), 10, [(0, "0"), (5, "5"), (10, "10")]),
        ("Adherence", "chart-adherence", "Applications done against the schedule per day (%)", adherence,
         admin_charts.summary(adherence, " %"), 100, [(0, "0 %"), (50, "50 %"), (100, "100 %")]),
    ]  # fmt: skip
    span = f"{timeline.start:%d %b %Y} to {timeline.end:%d %b %Y}"
    return [
        {
            "heading": heading,
            "svg": admin_charts.line_chart(
                chart_id=chart_id,
                title=f"{title}, {span}",
                description=description,
                series=series,
                top_value=top_value,
                ticks=ticks,
            ),
        }
        for heading, chart_id, title, series, description, top_value, ticks in charts
    ]


def patient_timeline(model_admin, request, object_id):
    patient = _patient_or_404(model_admin, request, object_id)
    start, end, form, _ = _date_range(request, patient)
    timeline = admin_selectors.timeline(patient=patient, start=start, end=end)
    audit.record_view(request, patient, f"timeline {start} to {end}")
    symptoms = list(timeline.severity_series().items())
    severities = [[points[index][1] for _, points in symptoms] for index in range(len(timeline.days))]
    shows_photos = care.may_view_patient(user=request.user, patient_user=patient.user, photos=True)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": f"Diary of {patient}",
        "subtitle": f"{start:%d %b %Y} to {end:%d %b %Y}",
        "patient": patient,
        "timeline": timeline,
        "form": form,
        "charts": _charts(timeline),
        "symptom_names": [name for name, _ in symptoms],
        "table_rows": admin_timeline_html.table_rows_html(timeline=timeline, severities=severities),
        "days": admin_timeline_html.days_html(timeline=timeline, shows_photos=shows_photos),
        "export_url": reverse("admin:diary_patient_export", args=[patient.pk]) + f"?start={start}&end={end}",
        "summary_url": reverse("admin:diary_patient_summary", args=[patient.pk]) + f"?start={start}&end={end}",
        "summary_pdf_url": reverse("admin:diary_patient_summary_pdf", args=[patient.pk]) + f"?start={start}&end={end}",
        "change_url": reverse("admin:diary_patient_change", args=[patient.pk]),
    }
    return TemplateResponse(request, "admin/diary/patient/timeline.html", context)


class _Echo:
    def write(self, value):
        return value


def patient_export(model_admin, request, object_id):
    patient = _patient_or_404(model_admin, request, object_id)
    start, end, _, usable = _date_range(request, patient)
    if not usable:
        return redirect("admin:diary_patient_timeline", patient.pk)
    audit.record_view(request, patient, f"CSV export {start} to {end}")
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(admin_selectors.EXPORT_HEADER)
        for row in admin_selectors.export_rows(patient=patient, start=start, end=end):
            yield writer.writerow([safe_cell(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="diary-patient-{patient.pk}-{start}-to-{end}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


def flag_review(model_admin, request, object_id):
    """The Acknowledge / Resolve buttons on a flag's page (FlagAdmin.review_view takes POST only)."""
    flag = model_admin.get_object(request, unquote(object_id))
    if flag is None:
        raise Http404("No such flag.")
    if not model_admin.has_review_permission(request):
        raise PermissionDenied
    change_url = reverse("admin:diary_flag_change", args=[flag.pk])
    form = FlagReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose Acknowledge or Resolve.")
        return HttpResponseRedirect(change_url)
    note, internal_note = form.cleaned_data["note"], form.cleaned_data["internal_note"]
    with Refusals() as refusal:
        if form.cleaned_data["decision"] == "acknowledge":
            flag_services.flag_acknowledge(flag=flag, reviewer=request.user, note=note, internal_note=internal_note)
            messages.success(request, "Flag acknowledged: it stays in the queue until resolved.")
        else:
            flag_services.flag_resolve(flag=flag, reviewer=request.user, note=note, internal_note=internal_note)
            messages.success(request, "Flag resolved.")
    if refusal.message:
        messages.error(request, refusal.message)
    return redirect(change_url)


def resolve_selected_page(model_admin, request, queryset, form: ResolveNoteForm):
    """The intermediate page of the "resolve with a note" action: the flags listed and one note for all."""
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": "Resolve flags with a note",
        "flags": list(queryset.select_related("patient__user", "drug")),
        "form": form,
        "action_name": "resolve_with_note",
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "form_action": request.get_full_path(),
    }
    return TemplateResponse(request, "admin/diary/flag/resolve_selected.html", context)
