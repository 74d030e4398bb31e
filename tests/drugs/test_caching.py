"""The guide's pages are made once per reference version (drugs/caching.py): what that must never change."""

import pytest
from django.core.cache import caches
from django.urls import reverse

from drugs.models import BodyArea, Drug, Source, Symptom, Urgency, WarningSign
from drugs.services import reference_version_bump
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_a_rule_deleted_in_admin_leaves_its_guide_page_at_once(client, reference):
    url = reverse("drugs:drug-detail", args=["tacrolimus-ointment"])
    sign = WarningSign.objects.create(
        drug=Drug.objects.get(slug="tacrolimus-ointment"),
        symptom=WarningSign.objects.first().symptom,
        min_severity=3,
        urgency=Urgency.TODAY,
        advice="A rule about to be deleted.",
    )
    reference_version_bump()
    assert "A rule about to be deleted." in client.get(url).content.decode()  # cached now

    client.force_login(StaffFactory(is_superuser=True))
    response = client.post(reverse("admin:drugs_warningsign_delete", args=[sign.pk]), {"post": "yes"})
    assert response.status_code == 302
    client.logout()

    assert "A rule about to be deleted." not in client.get(url).content.decode()


def test_a_new_rule_shows_once_the_reference_version_moves(client, reference):
    url = reverse("drugs:drug-detail", args=["tacrolimus-ointment"])
    client.get(url)
    WarningSign.objects.create(
        drug=Drug.objects.get(slug="tacrolimus-ointment"),
        symptom=WarningSign.objects.first().symptom,
        min_severity=3,
        urgency=Urgency.TODAY,
        advice="A rule added a moment ago.",
    )
    reference_version_bump()  # what the admin and the loader do with every change

    assert "A rule added a moment ago." in client.get(url).content.decode()


def test_the_cached_guide_keeps_each_visitors_own_header(client, reference, patient):
    url = reverse("drugs:drug-list")
    client.force_login(patient.user)
    signed_in = client.get(url).content.decode()
    client.logout()
    anonymous = client.get(url).content.decode()

    assert "Log out" in signed_in and patient.user.get_username() in signed_in
    assert "Log out" not in anonymous and patient.user.get_username() not in anonymous


def test_an_unknown_medicine_is_a_404_that_fills_no_cache(client, reference):
    caches["pages"].clear()

    for _ in range(2):
        assert client.get(reverse("drugs:drug-detail", args=["no-such-medicine"])).status_code == 404

    assert not any("no-such-medicine" in key for key in caches["pages"]._cache)


def test_a_rolled_back_change_never_lends_its_version_number_to_the_next_change(client, reference):
    """A page cached while a reference change was under way (its version visible only inside that transaction) is
    never served for a later change: a rolled-back bump's number is not handed out again."""
    from django.db import transaction

    url = reverse("drugs:drug-detail", args=["tacrolimus-ointment"])
    sign = WarningSign.objects.filter(drug__slug="tacrolimus-ointment").first()
    try:
        with transaction.atomic():
            WarningSign.objects.filter(pk=sign.pk).update(advice="An edit that is rolled back.")
            rolled_back = reference_version_bump()
            assert "An edit that is rolled back." in client.get(url).content.decode()  # cached under that number
            raise RuntimeError("the admin's save failed")
    except RuntimeError:
        pass
    WarningSign.objects.filter(pk=sign.pk).update(advice="The edit that stays.")
    assert reference_version_bump() != rolled_back
    page = client.get(url).content.decode()
    assert "The edit that stays." in page and "An edit that is rolled back." not in page


def test_a_page_made_by_one_worker_is_read_by_the_next_from_the_shared_cache_until_the_reference_changes(
    client, reference
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("drugs:drug-detail", args=["tacrolimus-ointment"])
    made = client.get(url).content.decode()
    caches["pages"].clear()  # another worker, or this one restarted: its own memory is empty
    with CaptureQueriesContext(connection) as queries:
        read = client.get(url).content.decode()
    assert read == made
    assert not [q["sql"] for q in queries if "drugs_warningsign" in q["sql"]]

    sign = WarningSign.objects.filter(drug__slug="tacrolimus-ointment").first()
    WarningSign.objects.filter(pk=sign.pk).update(advice="Advice changed in admin.")
    reference_version_bump()
    caches["pages"].clear()
    assert "Advice changed in admin." in client.get(url).content.decode()


def test_a_medicine_pages_rules_sources_and_areas_written_in_python_escape_what_they_show(client, reference):
    """A rule's sources, the rules and the body-area table are written in Python (drugs/guide_html.py):
    hostile text in a title, an address, advice or an area's name stays text, a source without an address is plain
    text, and a rule without sources shows no list."""
    drug = Drug.objects.get(slug="tacrolimus-ointment")
    symptom = WarningSign.objects.first().symptom
    sourced = WarningSign.objects.create(
        drug=drug, symptom=symptom, min_severity=3, urgency=Urgency.TODAY, advice="Advice with two sources."
    )
    sourced.sources.set(
        [
            Source.objects.create(title='<script>alert("t")</script> & co', url='https://example.org/?a=1&b="x"'),
            Source.objects.create(title="A leaflet <b>without</b> an address", url=""),
        ]
    )
    WarningSign.objects.create(
        drug=drug, symptom=symptom, min_severity=3, urgency=Urgency.SOON, advice="Advice without a source."
    )
    WarningSign.objects.create(
        drug=None, symptom=symptom, min_severity=2, urgency=Urgency.ROUTINE, advice='Rest <b>"now"</b> & call.'
    )
    BodyArea.objects.create(code="odd", name="Toes <i>'all'</i> & heels", adult_ftu="0.5")
    reference_version_bump()

    page = client.get(reverse("drugs:drug-detail", args=[drug.slug])).content.decode()

    after = page[page.index("Advice with two sources.") :]
    sourced_item = after[: after.index("</ul>")]
    assert (
        '<li>Source: <a href="https://example.org/?a=1&amp;b=&quot;x&quot;" rel="noopener noreferrer">'
        "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; &amp; co</a></li>" in sourced_item
    )
    assert "<li>Source: A leaflet &lt;b&gt;without&lt;/b&gt; an address</li>" in sourced_item
    assert "<script>alert" not in page
    unsourced_item = page[page.index("Advice without a source.") :].split("</li>", 1)[0]
    assert "Source:" not in unsourced_item and "<ul" not in unsourced_item
    assert '<p class="mb-1">Rest &lt;b&gt;&quot;now&quot;&lt;/b&gt; &amp; call.</p>' in page
    assert (
        '<th scope="row" class="fw-normal">Toes &lt;i&gt;&#x27;all&#x27;&lt;/i&gt; &amp; heels</th>'
        '<td class="text-end">0.5</td><td class="text-end">0.25 g</td>' in page
    )


def test_every_list_of_a_medicine_page_written_in_python_escapes_what_it_shows(client, reference):
    """The summary, uses, regimens, amount limits, side effects, steps, interactions and sources are written in Python
    too (drugs/guide_html.py): hostile text in each stays text, as the template's autoescape leaves it."""
    hostile = "<b>\"x\"</b> & 'y'"
    shown = "&lt;b&gt;&quot;x&quot;&lt;/b&gt; &amp; &#x27;y&#x27;"
    drug = Drug.objects.get(slug="tacrolimus-ointment")
    drug.summary_uses = f"Uses {hostile}"
    drug.indications = f"Eczema {hostile}\nSecond"
    drug.how_to_apply = f"Wash {hostile}"
    drug.interactions = f"Alcohol {hostile}"
    drug.save()
    drug.sources.add(Source.objects.create(title=f"Leaflet {hostile}", url="https://example.org/?a=1&b=2"))
    drug.regimens.create(
        position=99,
        indication="",
        product=f"Tube {hostile}",
        population=f"Adults {hostile}",
        frequency=f"Daily {hostile}",
    )
    drug.amount_limits.create(urgency=Urgency.SOON, max_grams_per_week="12.5", advice=f"Use less {hostile}")
    symptom = Symptom.objects.exclude(pk__in=drug.common_side_effects.values("symptom")).first()
    drug.common_side_effects.create(symptom=symptom, note=f"Mild {hostile}", position=99)
    reference_version_bump()

    page = client.get(reverse("drugs:drug-detail", args=[drug.slug])).content.decode()

    assert f'<p class="mb-0">Uses {shown}</p>' in page
    assert f"<li>Eczema {shown}</li><li>Second</li>" in page
    assert f"<ol><li>Wash {shown}</li></ol>" in page
    assert f"<ul><li>Alcohol {shown}</li></ul>" in page
    assert f'<li><a href="https://example.org/?a=1&amp;b=2" rel="noopener noreferrer">Leaflet {shown}</a></li>' in page
    assert f'<h3 class="h6">Tube {shown}</h3>' in page
    assert f'<span class="fw-semibold">Who:</span> Adults {shown}</p>' in page
    assert f'<span class="fw-semibold">How often:</span> Daily {shown}</p>' in page
    assert f"<strong>At most 12.5 g in any 7 days.</strong> Use less {shown}</p>" in page
    assert f'#{symptom.code}">{symptom.name}</a>: Mild {shown}</li>' in page
    assert "<b>" not in page


def test_each_source_of_a_medicine_page_is_listed_under_what_it_supports(client, reference):
    """The page's sources are read at once (`drugs.selectors.guide_page`): each shows under its own medicine, summary,
    regimen, amount limit or rule, and nowhere else."""
    drug = Drug.objects.get(slug="tacrolimus-ointment")
    other = Drug.objects.exclude(pk=drug.pk).first()
    titles = {whose: Source.objects.create(title=f"Only the {whose}'s source", url="") for whose in range(6)}
    drug.sources.add(titles[0])
    drug.summary_sources.add(titles[1])
    drug.regimens.create(position=99, product="Big tube", frequency="Once a day").sources.add(titles[2])
    drug.amount_limits.create(urgency=Urgency.SOON, max_grams_per_week="40", advice="Use less.").sources.add(titles[3])
    symptom = WarningSign.objects.first().symptom
    sign = WarningSign.objects.create(drug=drug, symptom=symptom, urgency=Urgency.SOON, advice="Call within a day.")
    sign.sources.add(titles[4])
    other.sources.add(titles[5])
    reference_version_bump()

    page = client.get(reverse("drugs:drug-detail", args=[drug.slug])).content.decode()

    def part(start: str, end: str) -> str:
        after = page[page.index(start) :]
        return after[: after.index(end)]

    shown = {whose: f"Only the {whose}&#x27;s source" for whose in range(6)}
    assert f"<li>{shown[0]}</li>" in part('id="sources"', "</section>")
    assert f"<li>Source: {shown[1]}</li>" in part('id="summary"', "</section>")
    assert f"<li>Source: {shown[2]}</li>" in part("Big tube", "</div>")
    assert f"<li>Source: {shown[3]}</li>" in part("At most 40 g", "</div>")
    assert f"<li>Source: {shown[4]}</li>" in part("Call within a day.", "</ul>")
    assert [page.count(shown[whose]) for whose in range(6)] == [1, 1, 1, 1, 1, 0]
