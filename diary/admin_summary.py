"""The visit summary for the dermatologist, from the patient's timeline in admin: HTML and PDF, audited.

Each opens with the model admin's own (scoped) lookup, so another dermatologist's patient is a 404,
and writes an access entry like the timeline does.
"""

from django.template.response import TemplateResponse
from django.urls import reverse

from diary import audit, summary
from diary.admin_views import _patient_or_404
from diary.progress_views import pdf_response, summary_range


def patient_summary(model_admin, request, object_id):
    patient = _patient_or_404(model_admin, request, object_id)
    start, end, form = summary_range(request, patient)
    audit.record_view(request, patient, f"visit summary {start} to {end}")
    pdf_url = reverse("admin:diary_patient_summary_pdf", args=[patient.pk])
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": f"Visit summary of {patient}",
        "patient": patient,
        "summary": summary.visit_summary(patient=patient, start=start, end=end),
        "form": form,
        "pdf_url": f"{pdf_url}?start={start}&end={end}",
        "change_url": reverse("admin:diary_patient_change", args=[patient.pk]),
        "timeline_url": reverse("admin:diary_patient_timeline", args=[patient.pk]) + f"?start={start}&end={end}",
    }
    return TemplateResponse(request, "admin/diary/patient/summary.html", context)


def patient_summary_pdf(model_admin, request, object_id):
    from diary import summary_pdf as pdf  # WeasyPrint is heavy to import: only where a PDF is made

    patient = _patient_or_404(model_admin, request, object_id)
    start, end, _ = summary_range(request, patient)
    paper = request.GET.get("paper", "a4")
    paper = paper if paper in pdf.PAPER_SIZES else "a4"
    audit.record_view(request, patient, f"visit summary PDF {start} to {end}")
    document = pdf.summary_pdf(summary.visit_summary(patient=patient, start=start, end=end), paper=paper)
    return pdf_response(document, start, end)
