"""The public medicine guide: no login needed."""

from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from drugs.caching import for_reference
from drugs.guide_html import medicine_page
from drugs.models import Drug, Symptom
from drugs.selectors import guide_page, reference_version

MAX_QUERY_LENGTH = 100


@require_safe
def drug_list(request):
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]

    def body() -> str:
        drugs = Drug.objects.for_guide().search(query)
        return render_to_string("drugs/_drug_list.html", {"drugs": drugs, "query": query})

    # The index is the same for everyone until the reference changes; search results are made each time.
    page = body() if query else for_reference("guide-index", version=reference_version(), compute=body)
    return render(request, "drugs/drug_list.html", {"body": page, "query": query})


@require_safe
def drug_detail(request, slug):
    def page() -> dict | None:
        guide = guide_page(slug=slug)
        if guide is None:
            return None
        return {"title": guide.drug.generic_name, "body": medicine_page(guide)}

    # Made from the reference alone (no request, no user): one render per medicine and reference version.
    found = for_reference(f"guide:{slug}", version=reference_version(), compute=page)
    if found is None:
        return render(request, "drugs/drug_not_found.html", {"slug": slug}, status=404)
    return render(request, "drugs/drug_detail.html", found)


@require_safe
def symptom_list(request):
    return render(request, "drugs/symptom_list.html", {"symptoms": Symptom.objects.all()})
