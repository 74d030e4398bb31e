"""The public medicine guide."""

import pytest
from django.urls import reverse

from drugs.models import Drug, Urgency
from drugs.selectors import guide_page


def test_the_guide_lists_every_medicine_grouped_by_class_without_login(client, reference):
    response = client.get(reverse("drugs:drug-list"))

    assert response.status_code == 200
    html = response.content.decode()
    for drug in Drug.objects.all():
        assert drug.get_absolute_url() in html
    assert html.index("Calcineurin inhibitors") < html.index("tacrolimus") < html.index("Corticosteroids")


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("Protopic", "tacrolimus-ointment"),
        ("aldara", "imiquimod-cream"),
        ("ELIDEL", "pimecrolimus-cream"),
        ("calcipotriol", "calcipotriene"),
        ("calcipotriene", "calcipotriene"),
        ("Dovonex", "calcipotriene"),
        ("mometasone", "mometasone-furoate"),
        ("  tacrolimus   ointment ", "tacrolimus-ointment"),
    ],
)
def test_search_finds_a_medicine_by_generic_or_brand_name(client, reference, query, slug):
    response = client.get(reverse("drugs:drug-list"), {"q": query})

    assert reverse("drugs:drug-detail", args=[slug]) in response.content.decode()


def test_search_for_calcipotriol_finds_both_calcipotriene_medicines_and_nothing_else(client, reference):
    response = client.get(reverse("drugs:drug-list"), {"q": "calcipotriol"})

    assert [drug.slug for drug in response.context["drugs"]] == ["calcipotriene", "calcipotriene-betamethasone"]


def test_search_that_finds_nothing_says_so_and_links_back_to_all_medicines(client, reference):
    response = client.get(reverse("drugs:drug-list"), {"q": "paracetamol"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing found for “paracetamol”" in html
    assert 'href="/guide/"' in html
    assert "tacrolimus-ointment" not in html


def test_the_detail_page_shows_how_to_apply_side_effects_storage_and_sources(client, reference):
    response = client.get(reverse("drugs:drug-detail", args=["tacrolimus-ointment"]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Apply a thin layer only to the eczema-affected skin" in html
    assert "Face and neck" in html and "2.5" in html and "1.25 g" in html
    assert "Feeling of warmth" in html
    assert "store at 25 C" in html
    assert 'rel="noopener noreferrer"' in html
    assert "newcastle-hospitals.nhs.uk" in html


def test_a_boxed_warning_is_shown_boxed_only_where_there_is_one(client, reference):
    with_warning = client.get(reverse("drugs:drug-detail", args=["pimecrolimus-cream"])).content.decode()
    without = client.get(reverse("drugs:drug-detail", args=["mometasone-furoate"])).content.decode()

    assert 'class="boxed-warning border border-3' in with_warning
    assert "boxed-warning" not in without


def test_the_detail_page_orders_warning_signs_most_urgent_first(client, reference):
    response = client.get(reverse("drugs:drug-detail", args=["ruxolitinib-cream"]))

    groups = guide_page(slug="ruxolitinib-cream").urgency_groups
    assert [group.urgency for group in groups] == [Urgency.EMERGENCY, Urgency.TODAY, Urgency.SOON, Urgency.ROUTINE]
    html = response.content.decode()
    assert 'id="warning-signs"' in html
    positions = [html.index(f'id="urgency-{code}"') for code in ("emergency", "today", "soon", "routine")]
    assert positions == sorted(positions)
    assert html.index("Chest pain") < html.index('id="urgency-today"')


def test_the_detail_page_includes_rules_that_apply_to_any_medicine(client, reference):
    response = client.get(reverse("drugs:drug-detail", args=["mometasone-furoate"]))

    groups = guide_page(slug="mometasone-furoate").urgency_groups
    emergency = groups[0]
    assert emergency.urgency == Urgency.EMERGENCY
    assert {sign.symptom_code for sign in emergency.signs} >= {"face_lip_tongue_swelling", "breathing_difficulty"}
    assert all(
        sign.drug_id in (None, Drug.objects.get(slug="mometasone-furoate").pk) for g in groups for sign in g.signs
    )
    html = response.content.decode()
    assert '<span class="badge text-bg-light border">any medicine</span>' in html
    assert "None" not in html


def test_an_unknown_medicine_is_a_404_that_leads_back_to_the_guide(client, reference):
    response = client.get("/guide/no-such-cream/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "We have no guide for this medicine" in html
    assert "“no-such-cream”" in html
    assert 'href="/guide/"' in html


def test_the_symptom_glossary_has_an_anchor_for_every_symptom(client, reference):
    response = client.get(reverse("drugs:symptom-list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<dt id=") == 48
    assert 'id="burning"' in html
    assert "A hot, sore or &#x27;on fire&#x27; feeling" in html


def test_every_page_has_the_medicine_guide_in_its_navigation(client, db):
    for path in ["/", "/accounts/login/", reverse("drugs:symptom-list")]:
        assert 'href="/guide/"' in client.get(path).content.decode()
