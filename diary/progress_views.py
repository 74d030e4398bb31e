"""The patient's Progress page, the weekly POEM and the visit summary (HTML and PDF)."""

import datetime

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from diary import fragments, progress, services, summary
from diary.forms import PoemForm, Refusals, ScorePrefsForm, SummaryRangeForm
from diary.models import Patient
from diary.scores import POEM_CREDIT, POEM_RECALL, POEM_SCORING_TEXT
from diary.views import _patient, patient_page


@patient_page
def progress_page(request):
    patient = _patient(request)
    period = request.GET.get("period", progress.DEFAULT_PERIOD)
    if period not in progress.PERIODS:
        messages.error(request, f"That period is not one of the choices. Showing {progress.PERIODS['3m'][0]}.")
        period = progress.DEFAULT_PERIOD
    start, end = progress.period_dates(patient, period)
    data = progress.progress(patient=patient, start=start, end=end)
    context = {
        "progress": data,
        "charts": progress.charts(data),
        "period": period,
        "periods": [(code, label) for code, (label, _) in progress.PERIODS.items()],
        "poem_due": progress.poem_due(patient=patient, day=end, courses=data.running_on(end)),
        "prefs_form": ScorePrefsForm(instance=patient),
        "poem_credit": POEM_CREDIT,
    }
    return render(request, "diary/progress.html", context)


@patient_page
def poem_answer(request):
    patient = _patient(request)
    today = patient.today()
    form = PoemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with Refusals(form):
            services.poem_score_update(patient=patient, date=today, answers=form.answers)
            messages.success(request, "Thank you: your POEM score is saved.")
            return redirect(reverse("diary:progress"))
    context = {"form": form, "recall": POEM_RECALL, "credit": POEM_CREDIT, "scoring": POEM_SCORING_TEXT}
    return render(request, "diary/poem_form.html", context)


@require_POST
@patient_page
def score_prefs(request):
    patient = _patient(request)
    form = ScorePrefsForm(request.POST, instance=Patient.objects.get(pk=patient.pk))
    with Refusals(form) as refusal:
        if form.is_valid():
            services.patient_preferences_update(patient=patient, **form.cleaned_data)
            messages.success(request, "Saved.")
    if not form.is_valid() or refusal.message:
        messages.error(request, "That choice could not be saved: choose one of the options.")
    return redirect("diary:summary" if request.POST.get("next") == "summary" else "diary:progress")


def summary_range(request, patient: Patient) -> tuple[datetime.date, datetime.date, SummaryRangeForm]:
    """The requested period, or the default one (a message explains when the request's dates were unusable)."""
    start, end = summary.default_period(patient)
    if not ({"start", "end"} & set(request.GET)):
        return start, end, SummaryRangeForm(initial={"start": start, "end": end}, today=patient.today())
    form = SummaryRangeForm(request.GET, today=patient.today())
    if form.is_valid():
        return form.cleaned_data["start"], form.cleaned_data["end"], form
    problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
    messages.error(request, f"Those dates could not be used ({problems}) Showing the default period.")
    return start, end, form


def pdf_response(document: bytes, start: datetime.date, end: datetime.date) -> HttpResponse:
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="visit-summary-{start}-to-{end}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def _summary_patient(request) -> Patient:
    """The signed-in patient, with their own account from the request: the summary prints their name (no query)."""
    patient = _patient(request)
    patient.user = request.user
    return patient


@patient_page
def summary_page(request):
    patient = _summary_patient(request)
    start, end, form = summary_range(request, patient)
    prefs_form = ScorePrefsForm(instance=patient)
    context = {
        "summary": summary.visit_summary(patient=patient, start=start, end=end),
        "form": form,
        "prefs_form": prefs_form,
        "notes_field": fragments.choice_field_html(prefs_form["summary_notes"]),
        "pdf_query": f"start={start}&end={end}",
    }
    return render(request, "diary/visit_summary.html", context)


@patient_page
def summary_pdf(request):
    patient = _summary_patient(request)
    start, end, _ = summary_range(request, patient)
    from diary import summary_pdf as pdf  # WeasyPrint is heavy to import: only where a PDF is made

    paper = request.GET.get("paper", "a4")
    if paper not in pdf.PAPER_SIZES:
        paper = "a4"
    document = pdf.summary_pdf(summary.visit_summary(patient=patient, start=start, end=end), paper=paper)
    return pdf_response(document, start, end)
