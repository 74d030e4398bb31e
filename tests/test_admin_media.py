"""An admin page's form media rendered once per process for the same lists of files (config.admin_site.KeptMedia):
the same HTML as Django's `Media` for the page, each kind and each combination of lists, kept apart per list and per
static files' address, and never kept for files given as objects."""

import pytest
from django import forms
from django.forms.widgets import Script
from django.test import override_settings
from django.urls import reverse

from config import admin_site
from config.admin_site import KeptMedia
from tests.factories import ClinicFactory, StaffFactory


@pytest.fixture(autouse=True)
def _nothing_kept():
    admin_site._rendered_media.clear()
    yield
    admin_site._rendered_media.clear()


def both(media: forms.Media) -> tuple[forms.Media, KeptMedia]:
    return media, KeptMedia.of(media)


COMBINATIONS = [
    forms.Media(js=["admin/js/core.js", "admin/js/jquery.init.js"]),
    forms.Media(js=["admin/js/vendor/jquery/jquery.js", "admin/js/jquery.init.js"])
    + forms.Media(js=["admin/js/jquery.init.js", "admin/js/actions.js"], css={"all": ["admin/css/forms.css"]}),
    forms.Media(css={"screen": ["a.css", "b.css"], "print": ["p.css"]}, js=["/absolute.js", "https://x.test/y.js"])
    + forms.Media(css={"screen": ["b.css", "c.css"]}),
    forms.Media(),
]


@pytest.mark.parametrize("media", COMBINATIONS)
def test_the_html_is_djangos_for_the_whole_and_each_kind_rendered_then_kept(media):
    djangos, kept = both(media)
    for _ in range(2):  # rendered, then from the store
        assert str(kept) == str(djangos)
        assert str(kept["js"]) == str(djangos["js"])
        assert str(kept["css"]) == str(djangos["css"])
    assert len(admin_site._rendered_media) == 3
    with pytest.raises(KeyError):
        kept["fonts"]


def test_other_lists_other_html():
    first, second = (KeptMedia.of(forms.Media(js=[name])) for name in ("admin/js/core.js", "admin/js/actions.js"))
    assert str(first) != str(second)
    assert "actions" in str(second)
    assert str(KeptMedia.of(forms.Media(js=["admin/js/core.js"]) + forms.Media(js=["admin/js/actions.js"]))) == (
        str(forms.Media(js=["admin/js/core.js", "admin/js/actions.js"]))
    )


def test_files_given_as_objects_are_rendered_each_time_as_django_does():
    # A Script compares equal to its path: kept, it could be served for the plain path's page.
    with_attributes = forms.Media(js=[Script("admin/js/core.js", defer=True)])
    assert str(KeptMedia.of(with_attributes)) == str(with_attributes)
    assert "defer" in str(KeptMedia.of(with_attributes))
    assert admin_site._rendered_media == {}
    assert "defer" not in str(KeptMedia.of(forms.Media(js=["admin/js/core.js"])))


def test_another_static_address_renders_again():
    media = forms.Media(js=["admin/js/core.js"])
    assert str(KeptMedia.of(media)) == str(media)
    with override_settings(STATIC_URL="/elsewhere/"):
        assert "/elsewhere/" in str(KeptMedia.of(media))
        assert str(KeptMedia.of(media)) == str(media)
    assert "/elsewhere/" not in str(KeptMedia.of(media))


@pytest.mark.django_db
def test_admin_pages_render_the_media_django_gives_them(client):
    client.force_login(StaffFactory(username="root", is_superuser=True))
    clinic = ClinicFactory()
    for url in (reverse("admin:clinics_clinic_changelist"), reverse("admin:clinics_clinic_change", args=[clinic.pk])):
        for _ in range(2):
            page = client.get(url)
            media = page.context_data["media"]
            assert type(media) is KeptMedia
            djangos = forms.Media()
            djangos._css_lists, djangos._js_lists = media._css_lists, media._js_lists
            assert str(djangos["js"]) in page.text
            assert "admin/js/" in str(djangos["js"])
    assert admin_site._rendered_media
