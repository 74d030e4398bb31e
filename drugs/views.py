"""The public medicine guide: no login needed."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from drugs.models import BodyArea, Drug, Symptom
from drugs.selectors import drug_for_guide, warning_signs_by_urgency

MAX_QUERY_LENGTH = 100


@require_safe
def drug_list(request):
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    drugs = Drug.objects.for_guide().search(query)
    return render(request, "drugs/drug_list.html", {"drugs": drugs, "query": query})


@require_safe
def drug_detail(request, slug):
    drug = drug_for_guide(slug=slug)
    if drug is None:
        return render(request, "drugs/drug_not_found.html", {"slug": slug}, status=404)
    context = {
        "drug": drug,
        "urgency_groups": warning_signs_by_urgency(drug=drug),
        "body_areas": BodyArea.objects.all(),
    }
    return render(request, "drugs/drug_detail.html", context)


@require_safe
def symptom_list(request):
    return render(request, "drugs/symptom_list.html", {"symptoms": Symptom.objects.all()})
