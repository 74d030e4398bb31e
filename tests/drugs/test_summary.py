"""Each medicine page opens with a plain-language summary, traced to its sources and at a grade-8 reading level."""

import json

import pytest
import textstat
from django.core.management import call_command
from django.urls import reverse

from drugs.advice import time_frames
from drugs.models import Drug, Source, Urgency, WarningSign
from drugs.reference import DEFAULT_PATH, ReferenceDataError, load_reference, validate

MAX_GRADE = 8
SLUGS = [drug["slug"] for drug in json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))["drugs"]]


@pytest.fixture
def shipped():
    return json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))


def _grade(text: str) -> float:
    return textstat.flesch_kincaid_grade(text)


@pytest.mark.parametrize("slug", SLUGS)
def test_every_medicine_has_a_summary_of_what_it_is_for_how_to_apply_what_is_normal_and_when_to_call(reference, slug):
    drug = Drug.objects.get(slug=slug)

    assert [heading for heading, _ in drug.summary] == [
        "What it is for",
        "How to apply",
        "What is normal",
        "When to call",
    ]


@pytest.mark.parametrize("slug", SLUGS)
def test_every_part_of_every_summary_reads_at_grade_8_or_below(reference, slug):
    drug = Drug.objects.get(slug=slug)

    grades = {heading: _grade(text) for heading, text in drug.summary}
    grades["whole summary"] = _grade(" ".join(text for _, text in drug.summary))

    assert {part: grade for part, grade in grades.items() if grade > MAX_GRADE} == {}


def test_the_reading_grade_measure_tells_label_text_from_plain_words(reference):
    label = Drug.objects.get(slug="tacrolimus-ointment").mechanism

    assert _grade(label) > MAX_GRADE
    assert _grade("Put a thin layer on the red skin. Rub it in. Wash your hands after.") < MAX_GRADE


@pytest.mark.parametrize("slug", SLUGS)
def test_every_summary_is_traced_to_sources_of_the_medicine_or_its_rules(reference, slug):
    drug = Drug.objects.get(slug=slug)
    traced = {
        *drug.sources.all(),
        *Source.objects.filter(regimens__drug=drug),
        *Source.objects.filter(warning_signs__drug=drug),
        *Source.objects.filter(warning_signs__drug__isnull=True),
        *Source.objects.filter(amount_limits__drug=drug),
    }

    sources = set(drug.summary_sources.all())

    assert len(sources) >= 3
    assert sources <= traced


@pytest.mark.parametrize("slug", SLUGS)
def test_when_to_call_tells_the_same_story_as_the_medicines_rules(reference, slug):
    drug = Drug.objects.get(slug=slug)
    applying = WarningSign.objects.filter(drug=drug) | WarningSign.objects.filter(drug__isnull=True)
    own_most_urgent = Urgency(max(WarningSign.objects.filter(drug=drug).values_list("urgency", flat=True)))

    named = time_frames(drug.summary_when_to_call)

    assert own_most_urgent in named
    assert named <= {Urgency(u) for u in applying.values_list("urgency", flat=True)}


def test_the_page_opens_with_the_summary_and_keeps_the_label_detail_below(client, reference):
    response = client.get(reverse("drugs:drug-detail", args=["tacrolimus-ointment"]))

    html = response.content.decode()
    drug = Drug.objects.get(slug="tacrolimus-ointment")
    assert html.index('<h1 class="h3 mt-2">Tacrolimus') < html.index('id="summary-title">In short</h2>')
    for heading in ("What it is for", "How to apply", "What is normal", "When to call"):
        assert f'<h3 class="h5 mt-3">{heading}</h3>' in html
    assert html.index(drug.summary_uses) < html.index("Boxed warning") < html.index("FKBP-12")
    assert html.index("Newcastle upon Tyne Hospitals") < html.index('id="details-title"')


def test_a_medicine_without_a_summary_opens_with_its_detail(client, reference):
    Drug.objects.filter(slug="crisaborole-ointment").update(
        summary_uses="", summary_how_to_apply="", summary_normal="", summary_when_to_call=""
    )

    html = client.get(reverse("drugs:drug-detail", args=["crisaborole-ointment"])).content.decode()

    assert 'id="summary"' not in html
    assert 'id="details-title"' not in html
    assert 'id="how-to-apply-title"' in html


def test_the_loader_fills_the_summary_and_keeps_a_clinicians_edit_on_reload(db):
    call_command("load_reference", verbosity=0)
    drug = Drug.objects.get(slug="pimecrolimus-cream")
    drug.summary_normal = "Edited in admin."
    drug.save()

    call_command("load_reference", verbosity=0)

    drug.refresh_from_db()
    assert drug.summary_normal == "Edited in admin."
    assert drug.summary_when_to_call.startswith("Contact your clinician today")


def test_a_changed_summary_in_the_file_updates_only_the_summary(db, shipped):
    call_command("load_reference", verbosity=0)
    Drug.objects.filter(slug="imiquimod-cream").update(storage="Edited in admin.")
    shipped["drugs"][2]["summary"]["what_is_normal"] = "New words."

    report = load_reference(shipped)

    drug = Drug.objects.get(slug="imiquimod-cream")
    assert (drug.summary_normal, drug.storage) == ("New words.", "Edited in admin.")
    assert report.tally("drug summaries").updated == ["imiquimod-cream"]


def test_a_summary_source_that_is_not_a_source_of_the_medicine_is_refused(db, shipped):
    shipped["drugs"][0]["summary"]["sources"].append({"title": "A blog post", "url": "https://example.com/"})
    del shipped["drugs"][1]["summary"]["when_to_call"]

    sources_before = Source.objects.count()

    problems = validate(shipped)

    assert problems == [
        "drugs[1] (pimecrolimus-cream), summary: when_to_call is missing",
        "drugs[0] (tacrolimus-ointment), summary: "
        "source 'A blog post' is not a source of this medicine or of its rules",
    ]
    with pytest.raises(ReferenceDataError):
        load_reference(shipped)
    assert Source.objects.count() == sources_before
    assert not Source.objects.filter(title="A blog post").exists()
