"""Every admin list answers a garbled action selection with a message, never a server error (ours and third-party)."""

import pytest
from django.contrib import admin
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
GARBLED = [["abc"], ["1", "99999999999999999999999999"]]


@pytest.fixture
def superuser_client(db):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_the_sweep_covers_third_party_admins():
    assert {"axes", "auditlog", "auth", "otp_totp", "clinics", "reminders", "drugs"} <= {
        app for app, _, _ in CHANGELISTS
    }


@pytest.mark.parametrize("selected", GARBLED)
@pytest.mark.parametrize("which", ["delete_selected", "own"])
@pytest.mark.parametrize(("app", "model", "own_action"), CHANGELISTS)
def test_a_garbled_selection_gets_a_message_on_every_admin_list(
    superuser_client, app, model, own_action, which, selected
):
    changelist = reverse(f"admin:{app}_{model}_changelist")
    action = own_action if which == "own" else "delete_selected"

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
