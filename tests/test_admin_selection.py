"""Every admin list answers a garbled action selection with a message, never a server error (ours and third-party)."""

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.test import Client
from django.urls import reverse

from diary.models import Flag
from tests.diary.test_bad_input import make_flag
from tests.factories import UserFactory

# Each admin list with its first own action (or Django's delete_selected if it declares none).
CHANGELISTS = sorted(
    (
        model._meta.app_label,
        model._meta.model_name,
        next((name for _, name, _ in admin_._get_base_actions() if name != "delete_selected"), "delete_selected"),
    )
    for model, admin_ in admin.site._registry.items()
)
# Not an id at all, and an id beyond 64 bits: each once with Django's delete and once with the admin's own action.
GARBLED = {"delete_selected": ["abc"], "own": ["1", "99999999999999999999999999"]}


@pytest.fixture
def superuser_client(db):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_the_sweep_covers_third_party_admins():
    assert {"axes", "auditlog", "auth", "otp_totp", "django_otp_webauthn", "clinics", "reminders", "drugs"} <= {
        app for app, _, _ in CHANGELISTS
    }


@pytest.mark.parametrize("which", ["delete_selected", "own"])
@pytest.mark.parametrize(("app", "model", "own_action"), CHANGELISTS)
def test_a_garbled_selection_gets_a_message_on_every_admin_list(superuser_client, app, model, own_action, which):
    changelist = reverse(f"admin:{app}_{model}_changelist")
    action, selected = (own_action if which == "own" else "delete_selected"), GARBLED[which]

    response = superuser_client.post(
        changelist, {"action": action, "index": "0", "_selected_action": selected}, follow=True
    )

    assert response.status_code == 200
    assert "That is not a valid selection. Tick the rows again." in response.content.decode()


def test_a_garbled_selection_changes_nothing_and_a_valid_one_still_runs(superuser_client, patient):
    flag = make_flag(patient)
    changelist = reverse("admin:diary_flag_changelist")

    superuser_client.post(changelist, {"action": "acknowledge", "_selected_action": [str(flag.pk), "abc"]})
    flag.refresh_from_db()
    assert flag.status == Flag.Status.OPEN

    superuser_client.post(changelist, {"action": "acknowledge", "_selected_action": [str(flag.pk)]})
    flag.refresh_from_db()
    assert flag.status == Flag.Status.ACKNOWLEDGED


def test_a_superuser_finds_and_removes_a_users_passkey_in_admin(superuser_client):
    from django_otp_webauthn.models import WebAuthnCredential

    from tests.accounts.test_passkeys import patient_with_passkey

    patient_with_passkey("alice")
    passkey = WebAuthnCredential.objects.get()

    listed = superuser_client.get(reverse("admin:django_otp_webauthn_webauthncredential_changelist"))
    superuser_client.post(
        reverse("admin:django_otp_webauthn_webauthncredential_delete", args=[passkey.pk]), {"post": "yes"}
    )

    assert "alice" in listed.content.decode()
    assert not WebAuthnCredential.objects.exists()


def test_every_list_s_row_checkbox_is_django_s_html_written_without_the_widget_templates(patient):
    flag = make_flag(patient, rule_text='<b>Swelling</b> & "fever"')
    for model_admin in admin.site._registry.values():
        assert model_admin.action_checkbox(flag) == admin.ModelAdmin.action_checkbox(model_admin, flag)
    checkbox = admin.site._registry[Flag].action_checkbox(flag)
    assert 'aria-label="Select this object for an action - &lt;b&gt;Swelling&lt;/b&gt; &amp; &quot;fever' in checkbox


def test_every_list_s_action_menu_is_django_s_html_written_without_the_widget_templates(superuser_client):
    shown = 0
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        listing = superuser_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        ours = listing.context["action_form"]
        if ours is None:  # no actions on this list
            continue
        djangos = helpers.ActionForm(auto_id=None)
        djangos.fields["action"].choices = model_admin.get_action_choices(listing.wsgi_request)
        assert type(ours) is not helpers.ActionForm
        assert [str(field) for field in ours] == [str(field) for field in djangos], model
        page = listing.content.decode()
        assert str(djangos["action"]) in page or 'name="action"' not in page, model  # an empty list has no menu
        shown += 'name="action"' in page
    assert shown > 10


@pytest.mark.parametrize("value", [None, "", 0, 1, "1", True, '<a href="x">&'])
@pytest.mark.parametrize(
    "attrs", [None, {"class": "select-across"}, {"id": "id_x", "data-x": '"q"&', "disabled": True}]
)
def test_the_action_menu_s_hidden_field_is_django_s_html(value, attrs):
    from django import forms

    from config.admin_site import ActionForm
    from diary.widgets import HiddenInput

    assert isinstance(ActionForm().fields["select_across"].widget, HiddenInput)
    extra = {"hidden": False} if attrs else None
    assert HiddenInput(attrs).render("select_across", value, extra) == forms.HiddenInput(attrs).render(
        "select_across", value, extra
    )
