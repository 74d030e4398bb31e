"""Clinicians' editing of the reference data in Django admin."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diary import admin_nav
from drugs.models import (
    AmountLimit,
    BodyArea,
    CommonSideEffect,
    Drug,
    Regimen,
    Source,
    Symptom,
    Urgency,
    WarningSign,
)
from tests.factories import StaffFactory

MODELS = [Source, Symptom, BodyArea, Drug, Regimen, CommonSideEffect, WarningSign, AmountLimit]


def _url(model, view, *args):
    return reverse(f"admin:drugs_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def superuser(db):
    return StaffFactory(username="root", is_superuser=True)


@pytest.fixture
def reference_editor(db):
    user = StaffFactory(username="editor")
    user.groups.add(Group.objects.get(name="Reference editors"))
    return user


@pytest.fixture
def viewing_dermatologist(dermatologist):
    dermatologist.groups.add(Group.objects.get(name="Dermatologists"))
    return dermatologist


def _rule_form(rule: WarningSign, **changes) -> dict:
    form = {
        "drug": rule.drug_id or "",
        "symptom": rule.symptom_id,
        "min_severity": rule.min_severity,
        "persists_days": rule.persists_days or "",
        "after_course_days": rule.after_course_days or "",
        "urgency": rule.urgency,
        "advice": rule.advice,
        "sources": [source.pk for source in rule.sources.all()],
    }
    return form | changes


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_a_superuser_opens_the_changelist_change_and_add_pages(client, reference, superuser, model):
    client.force_login(superuser)

    assert client.get(_url(model, "changelist")).status_code == 200
    assert client.get(_url(model, "change", model.objects.first().pk)).status_code == 200
    assert client.get(_url(model, "add")).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"q": "burning"},
        {"urgency__exact": Urgency.EMERGENCY},
        {"drug__class_group": "Calcineurin inhibitors"},
        {"drug__isnull": "True"},
        {"drug__id__exact": "drug"},
        {"symptom__id__exact": "symptom"},
    ],
    ids=lambda query: next(iter(query)),
)
def test_warning_signs_can_be_searched_and_filtered(client, reference, superuser, query):
    client.force_login(superuser)
    ids = {"drug": Drug.objects.get(slug="pimecrolimus-cream").pk, "symptom": Symptom.objects.get(code="burning").pk}
    query = {key: ids.get(value, value) for key, value in query.items()}

    response = client.get(_url(WarningSign, "changelist"), query)

    assert response.status_code == 200
    assert response.context["cl"].result_count > 0


def test_a_drug_change_page_shows_its_rules_inline(client, reference, superuser):
    client.force_login(superuser)
    drug = Drug.objects.get(slug="tacrolimus-ointment")

    html = client.get(_url(Drug, "change", drug.pk)).content.decode()

    for prefix in ("regimens", "common_side_effects", "warning_signs", "amount_limits"):
        assert f'id="{prefix}-group"' in html
    assert "Burning is common in the first days of tacrolimus" in html


def test_rule_lists_do_not_query_more_as_rules_grow(client, reference, superuser):
    client.force_login(superuser)
    with CaptureQueriesContext(connection) as before:
        client.get(_url(WarningSign, "changelist"))
    drug = Drug.objects.get(slug="imiquimod-cream")
    for symptom in Symptom.objects.all()[:20]:
        WarningSign.objects.create(drug=drug, symptom=symptom, min_severity=3, urgency=Urgency.SOON, advice="x")

    admin_nav.forget()  # both views a process's first: the admin's app list made each time (diary.admin_nav)
    with CaptureQueriesContext(connection) as after:
        client.get(_url(WarningSign, "changelist"))

    assert len(after) == len(before)


def test_a_dermatologist_can_view_the_rules_but_not_change_them(client, reference, viewing_dermatologist):
    client.force_login(viewing_dermatologist)
    rule = WarningSign.objects.get(reference_key="tacrolimus-ointment/burning/severity-1/persists-7")

    change_page = client.get(_url(WarningSign, "change", rule.pk))
    post = client.post(_url(WarningSign, "change", rule.pk), _rule_form(rule, advice="Changed"))

    assert client.get(_url(WarningSign, "changelist")).status_code == 200
    assert change_page.status_code == 200
    assert 'name="_save"' not in change_page.content.decode()
    assert post.status_code == 403
    rule.refresh_from_db()
    assert rule.advice != "Changed"
    assert client.get(_url(WarningSign, "add")).status_code == 403


def test_a_reference_editor_changes_a_rule_and_the_edit_is_in_the_admin_history(client, reference, reference_editor):
    client.force_login(reference_editor)
    rule = WarningSign.objects.get(reference_key="tacrolimus-ointment/burning/severity-1/persists-7")

    response = client.post(
        _url(WarningSign, "change", rule.pk), _rule_form(rule, urgency=Urgency.TODAY, advice="Call us today.")
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.urgency, rule.advice) == (Urgency.TODAY, "Call us today.")
    entry = LogEntry.objects.get(object_id=str(rule.pk), content_type__model="warningsign")
    assert entry.user == reference_editor
    assert entry.action_flag == CHANGE
    assert "Urgency" in entry.get_change_message() and "Advice" in entry.get_change_message()
    assert rule.reference_key == "tacrolimus-ointment/burning/severity-1/persists-7"


def test_a_staff_member_without_a_group_cannot_see_the_reference_data(client, reference, dermatologist):
    client.force_login(dermatologist)

    assert client.get(_url(WarningSign, "changelist")).status_code == 403


def test_advice_that_contradicts_its_urgency_is_refused_with_a_clear_message(client, reference, reference_editor):
    client.force_login(reference_editor)
    rule = WarningSign.objects.get(reference_key="tacrolimus-ointment/blistering/severity-3")
    advice = "Small blisters: mention them at your next appointment."

    response = client.post(_url(WarningSign, "change", rule.pk), _rule_form(rule, advice=advice))

    assert response.status_code == 200
    html = response.content.decode()
    assert "names a time frame of a routine rule" in html
    assert "contact your clinician today" in html
    assert "describes a mild symptom" in html
    assert advice in html
    rule.refresh_from_db()
    assert rule.advice.startswith("Severe or spreading blisters")


def test_rules_for_any_medicine_say_any_medicine_in_the_list_the_filter_and_the_form(client, reference, superuser):
    client.force_login(superuser)
    rule = WarningSign.objects.get(reference_key="any/breathing_difficulty/severity-1")

    listing = client.get(_url(WarningSign, "changelist"), {"drug__isnull": "True"})
    form = client.get(_url(WarningSign, "change", rule.pk)).content.decode()

    html = listing.content.decode()
    assert '<td class="field-medicine">any medicine</td>' in html
    assert "?drug__isnull=True" in html and ">any medicine</a>" in html
    assert '<td class="field-medicine">-</td>' not in html and ">None<" not in html
    assert 'data-placeholder="Any medicine"' in form
    assert str(rule) == "Any medicine: Difficulty breathing or swallowing (Emergency)"


def test_the_drug_change_page_puts_the_plain_language_summary_right_after_the_names(client, reference, superuser):
    client.force_login(superuser)
    drug = Drug.objects.get(slug="tacrolimus-ointment")

    html = client.get(_url(Drug, "change", drug.pk)).content.decode()

    assert html.index("Plain-language summary") < html.index('name="summary_uses"') < html.index('name="mechanism"')
    for name in ("summary_how_to_apply", "summary_normal", "summary_when_to_call", "summary_sources"):
        assert f'name="{name}"' in html
    assert drug.summary_when_to_call in html
