"""The guide's pages cost the same number of queries however many medicines and rules there are."""

import pytest
from django.core.cache import caches
from django.db.models import Q
from django.urls import reverse

from drugs.models import AmountLimit, CommonSideEffect, Drug, Regimen, Source, Symptom, Urgency, WarningSign
from tests.conftest import SHARED_MISS_QUERIES

SEARCH_QUERIES = 1  # the medicines
# The first visitor of a version also reads the shared cache (a miss) and writes what was made into it: the read,
# then, in a savepoint, the count for culling, the key's row and the insert (drugs/caching.py).
LIST_QUERIES = 2 + SHARED_MISS_QUERIES  # the reference version, the medicines
# The reference version, the medicine, then every source it lists (its own, its summary's and those of its regimens,
# limits and warning signs, in one read), its regimens, side effects, limits, warning signs and the body areas.
DETAIL_QUERIES = 8 + SHARED_MISS_QUERIES
# Once made, the index and a medicine page come from the per-process cache: only the version is read.
CACHED_QUERIES = 1
# Another worker (its own memory empty) reads the page from the shared cache: the version and the cache row.
SHARED_QUERIES = 2
SYMPTOM_QUERIES = 1


def _add_medicines_and_rules(count: int) -> None:
    """More of everything a guide page shows, each with sources."""
    source = Source.objects.create(title="Extra source", url="https://example.org/label")
    symptoms = list(Symptom.objects.all()[:5])
    ruxolitinib = Drug.objects.get(slug="ruxolitinib-cream")
    for number in range(count):
        drug = Drug.objects.create(
            slug=f"extra-{number}", generic_name=f"extra {number}", drug_class="Test", class_group=f"Group {number}"
        )
        drug.sources.add(source)
        Regimen.objects.create(drug=drug, frequency="Daily").sources.add(source)
        for target in (drug, ruxolitinib):
            for symptom in symptoms:
                rule = WarningSign.objects.create(
                    drug=target, symptom=symptom, min_severity=3, urgency=Urgency.TODAY, advice=f"Extra {number}"
                )
                rule.sources.add(source)
        CommonSideEffect.objects.create(drug=drug, symptom=symptoms[0])
        AmountLimit.objects.create(
            drug=drug, max_grams_per_week=10, urgency=Urgency.SOON, advice="Too much"
        ).sources.add(source)


@pytest.mark.parametrize("extra", [0, 10])
def test_the_medicine_list_makes_one_query(client, reference, django_assert_num_queries, extra):
    _add_medicines_and_rules(extra)

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("drugs:drug-list"))
    with django_assert_num_queries(CACHED_QUERIES):
        again = client.get(reverse("drugs:drug-list"))

    assert len(response.context["drugs"]) == 8 + extra
    assert again.content == response.content


@pytest.mark.parametrize("extra", [0, 10])
def test_a_search_makes_one_query(client, reference, django_assert_num_queries, extra):
    _add_medicines_and_rules(extra)

    with django_assert_num_queries(SEARCH_QUERIES):
        client.get(reverse("drugs:drug-list"), {"q": "extra"})


@pytest.mark.parametrize("extra", [0, 10])
def test_a_medicine_page_makes_the_same_queries_however_many_rules(client, reference, django_assert_num_queries, extra):
    _add_medicines_and_rules(extra)

    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(reverse("drugs:drug-detail", args=["ruxolitinib-cream"]))
    with django_assert_num_queries(CACHED_QUERIES):
        again = client.get(reverse("drugs:drug-detail", args=["ruxolitinib-cream"]))
    assert again.content == response.content
    caches["pages"].clear()
    with django_assert_num_queries(SHARED_QUERIES):
        elsewhere = client.get(reverse("drugs:drug-detail", args=["ruxolitinib-cream"]))
    assert elsewhere.content == response.content

    signs = response.content.decode().count('<li class="list-group-item">')
    assert signs == WarningSign.objects.filter(Q(drug__slug="ruxolitinib-cream") | Q(drug=None)).count()
    assert signs >= 5 * extra


@pytest.mark.parametrize("extra", [0, 10])
def test_the_symptom_glossary_makes_one_query(client, reference, django_assert_num_queries, extra):
    for number in range(extra):
        Symptom.objects.create(code=f"extra-{number}", name=f"Extra {number}", description="More")

    with django_assert_num_queries(SYMPTOM_QUERIES):
        client.get(reverse("drugs:symptom-list"))


def test_a_signed_in_visitor_costs_only_the_session_and_user_lookups_more(
    client, reference, patient, django_assert_max_num_queries
):
    client.force_login(patient.user)

    with django_assert_max_num_queries(DETAIL_QUERIES + 2):
        client.get(reverse("drugs:drug-detail", args=["ruxolitinib-cream"]))
