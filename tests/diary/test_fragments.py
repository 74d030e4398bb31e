"""The cache of reference-made form fields on the day page (diary/fragments.py): the rules it must keep.

A reference change shows at once, wherever it was made; one patient's values never reach another's page;
a patient's own write shows on the next view.
"""

import datetime
import re

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from diary import fragments, services
from diary.forms import EntryForm, ReactionForm
from drugs.models import BodyArea, Drug, Symptom
from drugs.selectors import reference_version
from drugs.services import reference_version_bump
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def _today(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def _selected(page: str, select_id: str) -> str | None:
    select = re.search(rf'<select[^>]*id="{select_id}".*?</select>', page, re.S).group(0)
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select)
    return chosen.group(1) if chosen else None


def _course(patient, area_code: str):
    return services.treatment_create(
        patient=patient,
        drug=Drug.objects.get(slug="tacrolimus-ointment"),
        strength="0.1% ointment (1 mg/g)",
        body_areas=[BodyArea.objects.get(code=area_code)],
        schedule_kind="daily",
        schedule_times=2,
        started_on=patient.today() - datetime.timedelta(days=5),
    )


def test_a_symptom_renamed_in_admin_shows_on_the_next_today_page(client, reference, patient):
    burning = Symptom.objects.get(code="burning")
    assert f">{burning.name}<" in _today(client, patient.user)  # the pickers are cached now

    editor = StaffFactory(is_superuser=True)
    client.force_login(editor)
    response = client.post(
        reverse("admin:drugs_symptom_change", args=[burning.pk]),
        {"name": "Burning or hot skin", "code": burning.code, "description": burning.description, "site": burning.site},
    )
    assert response.status_code == 302

    page = _today(client, patient.user)
    assert ">Burning or hot skin<" in page
    assert f">{burning.name}<" not in page


def test_a_body_area_deleted_in_admin_leaves_the_pickers_at_once(client, reference, patient):
    area = BodyArea.objects.create(code="test_area", name="Test area", adult_ftu=1)
    assert ">Test area<" in _today(client, patient.user)

    client.force_login(StaffFactory(is_superuser=True))
    client.post(
        reverse("admin:drugs_bodyarea_changelist"),
        {"action": "delete_selected", admin.helpers.ACTION_CHECKBOX_NAME: [area.pk], "post": "yes"},
    )

    assert not BodyArea.objects.filter(pk=area.pk).exists()
    assert ">Test area<" not in _today(client, patient.user)


def test_a_reference_change_from_another_process_shows_once_it_bumps_the_version(client, reference, patient):
    burning = Symptom.objects.get(code="burning")
    _today(client, patient.user)
    Symptom.objects.filter(pk=burning.pk).update(name="Renamed elsewhere")

    # The cache answers by version: an unannounced change is not seen...
    assert ">Renamed elsewhere<" not in _today(client, patient.user)
    # ...and the bump every reference write makes (loader, admin) is read from the database on each view.
    reference_version_bump()
    assert ">Renamed elsewhere<" in _today(client, patient.user)


def test_loading_the_reference_gives_a_new_version(reference):
    before = reference_version()

    call_command("load_reference", verbosity=0)

    assert reference_version() > before


def test_each_patient_sees_their_own_defaults_and_scores_never_anothers(client, reference, patient, other_patient):
    _course(patient, "face_neck")
    _course(other_patient, "scalp")
    services.entry_update(patient=patient, date=patient.today(), itch=7, sleep_loss=None, notes="Alice's own words")
    services.entry_update(
        patient=other_patient, date=other_patient.today(), itch=2, sleep_loss=None, notes="Bob's own words"
    )
    face, scalp = BodyArea.objects.get(code="face_neck"), BodyArea.objects.get(code="scalp")

    first = _today(client, patient.user)
    second = _today(client, other_patient.user)
    first_again = _today(client, patient.user)

    assert _selected(first, "id_itch") == _selected(first_again, "id_itch") == "7"
    assert _selected(second, "id_itch") == "2"
    assert _selected(first, "id_body_area") == _selected(first_again, "id_body_area") == str(face.pk)
    assert _selected(second, "id_body_area") == str(scalp.pk)
    assert "Alice's own words" not in second and "Bob's own words" not in first_again


def test_a_saved_itch_score_shows_on_the_next_view(client, reference, patient):
    assert _selected(_today(client, patient.user), "id_itch") == ""

    response = client.post(
        reverse("diary:entry-save", args=[patient.today()]), {"itch": "5", "sleep_loss": "", "notes": ""}
    )
    assert response.status_code == 302

    assert _selected(_today(client, patient.user), "id_itch") == "5"


def test_a_form_sent_back_with_errors_is_rendered_afresh_with_what_was_typed(client, reference, patient):
    _today(client, patient.user)

    response = client.post(reverse("diary:reaction-add", args=[patient.today()]), {"severity": "2", "symptom": ""})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose what you noticed, then tap how bad it is." in page
    assert 'aria-invalid="true"' in page


def test_a_patients_own_fields_are_crispys_html_with_their_own_value_and_courses(reference, patient, other_patient):
    """Notes and the treatment select: only crispy's wrapper is kept; each patient's text and courses are their own,
    and the HTML is the one crispy-forms makes."""
    alice, bob = _course(patient, "face_neck"), _course(other_patient, "scalp")
    version = reference_version()

    def fields(who, course, notes):
        entry = EntryForm(initial={"notes": notes})
        reaction = ReactionForm(patient=who, courses=[course], reference_version=version)
        return entry["notes"], reaction["treatment"]

    for who, course, notes in [
        (patient, alice, "Alice <own> words"),
        (other_patient, bob, "Bob's"),
        (patient, alice, ""),
    ]:
        cached = [str(fragments.field_html(field, version=version)) for field in fields(who, course, notes)]
        assert cached == [str(as_crispy_field(field)) for field in fields(who, course, notes)]
        assert "Alice &lt;own&gt; words" in cached[0] if notes.startswith("Alice") else "Alice" not in cached[0]
        assert f'<option value="{course.pk}" selected>' in cached[1]
        assert str(alice.pk if who == other_patient else bob.pk) not in re.findall(r'value="(\d+)"', cached[1])


def test_a_today_page_keeps_its_pickers_html_in_the_process_and_shares_only_the_symptom_groups(
    client, reference, patient
):
    """The pickers' HTML has one key per form, field and value (hundreds across patients): making one must not
    write to the shared store on a page view. The symptom groups (one per set of medicines) are shared."""
    from django.db import connection

    _course(patient, "face_neck")
    _today(client, patient.user)
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM django_cache")
        shared = [key for (key,) in cursor.fetchall()]
    assert shared and all(":symptoms:" in key or ":flag-rules" in key for key in shared), shared


def test_crispys_wrapper_is_kept_by_the_forms_code_alone_whatever_the_patient_or_the_reference(
    reference, patient, other_patient
):
    """On a miss (the first view after a reference change) a reference field is crispy's wrapper around the widget
    rendered now: the wrapper, kept per process by the form's code, holds no reference data and no patient's value, so
    it stays right after a reference edit, and the field is still exactly crispy's HTML with the new names."""
    from diary.forms import PhotoForm

    symptom, area = Symptom.objects.get(code="burning"), BodyArea.objects.get(code="scalp")
    _course(patient, "face_neck")
    services.entry_update(patient=patient, date=patient.today(), itch=7, sleep_loss=2, notes="Alice's own words")
    fragments._WRAPPERS.clear()

    def render(who, *, version: int) -> list[tuple[str, str]]:
        courses = list(who.treatments.select_related("drug").prefetch_related("body_areas"))
        entry = who.entries.filter(date=who.today()).first()
        initial = {"itch": entry.itch, "sleep_loss": entry.sleep_loss} if entry else {}

        def forms():
            reaction = ReactionForm(patient=who, courses=courses, reference_version=version)
            day = EntryForm(initial=initial)
            photo = PhotoForm()
            return [reaction["symptom"], reaction["body_area"], day["itch"], day["sleep_loss"]] + [
                photo[name] for name in ("upload", "body_area", "caption")
            ]

        return [
            (str(fragments.field_html(ours, version=version)), str(as_crispy_field(crispys)))
            for ours, crispys in zip(forms(), forms(), strict=True)
        ]

    first = render(patient, version=reference_version())
    wrappers = dict(fragments._WRAPPERS)
    second = render(other_patient, version=reference_version())
    Symptom.objects.filter(pk=symptom.pk).update(name='<b>"Burning"</b> & hot')
    BodyArea.objects.filter(pk=area.pk).update(name="Scalp <i>'top'</i>")
    reference_version_bump()
    third = render(patient, version=reference_version())

    assert all(ours == crispys for ours, crispys in first + second + third)
    assert wrappers == fragments._WRAPPERS  # the same wrappers for two patients and after the edit
    kept = "".join(html for html, _css_class in filter(None, wrappers.values()))
    for made_elsewhere in [symptom.name, area.name, "Alice", 'value="7"', "Burning"]:
        assert made_elsewhere not in kept
    assert "&lt;b&gt;&quot;Burning&quot;&lt;/b&gt; &amp; hot</option>" in third[0][0]
    assert "Scalp &lt;i&gt;&#x27;top&#x27;&lt;/i&gt;</option>" in third[1][0]
    assert '<option value="7" selected>' in first[2][0] and '<option value="7" selected>' not in second[2][0]


def test_a_forms_reference_fields_are_one_read_and_its_values_choose_the_entry(reference, patient):
    """The day page's reference fields of one form are kept in one entry (one cache read a form, not one a field),
    keyed by each field's value too: another itch score is another entry, never the first one's HTML."""
    from unittest import mock

    from django.core.cache import caches

    version = reference_version()
    pages = caches["pages"]
    reads = []
    real_get = pages.get

    def counted(key, *args, **kwargs):
        reads.append(key)
        return real_get(key, *args, **kwargs)

    def rendered(itch):
        form = EntryForm(initial={"itch": itch, "sleep_loss": 1, "notes": "Alice's words"})
        with mock.patch.object(pages, "get", side_effect=counted):
            html = [str(part) for part in fragments.fields_html(form, ["itch", "sleep_loss", "notes"], version=version)]
        assert html == [str(as_crispy_field(EntryForm(initial=form.initial)[name])) for name in form.fields]
        return html

    first = rendered(3)
    assert len(reads) == 1
    assert rendered(3) == first and len(reads) == 2 and reads[0] == reads[1]
    other = rendered(8)
    assert reads[2] != reads[0]
    assert _selected(other[0], "id_itch") == "8" and _selected(first[0], "id_itch") == "3"
