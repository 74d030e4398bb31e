"""The audit trail: who viewed or changed which patient's diary, photo or flag, and when."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from diary import flag_services
from diary.models import Entry, Flag, Patient, Reaction
from diary.permissions import ensure_dermatologists_group
from tests.factories import EntryFactory, PhotoFactory, ReactionFactory, StaffFactory, UserFactory, assign

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(patient, dermatologist):
    dermatologist.groups.add(ensure_dermatologists_group())
    assign(patient, dermatologist)
    return patient


def views_of(patient) -> list[LogEntry]:
    return list(
        LogEntry.objects.filter(
            action=LogEntry.Action.ACCESS,
            content_type=ContentType.objects.get_for_model(Patient),
            object_pk=str(patient.pk),
        ).order_by("pk")
    )


def test_a_dermatologist_opening_a_patients_timeline_and_export_is_recorded(client, assigned, dermatologist):
    client.force_login(dermatologist)

    client.get(reverse("admin:diary_patient_timeline", args=[assigned.pk]))
    b"".join(client.get(reverse("admin:diary_patient_export", args=[assigned.pk])).streaming_content)

    entries = views_of(assigned)
    assert [e.actor for e in entries] == [dermatologist, dermatologist]
    assert entries[0].additional_data["viewed"].startswith("timeline ")
    assert entries[1].additional_data["viewed"].startswith("CSV export ")
    assert entries[0].remote_addr == "127.0.0.1"


def test_opening_a_flag_or_an_entry_in_admin_is_recorded(client, assigned, dermatologist):
    entry = EntryFactory(patient=assigned)
    flag = Flag.objects.create(
        patient=assigned, urgency=2, first_seen=entry.date, last_seen=entry.date, rule_text="r", advice="a"
    )
    client.force_login(dermatologist)

    client.get(reverse("admin:diary_flag_change", args=[flag.pk]))
    client.get(reverse("admin:diary_entry_change", args=[entry.pk]))

    assert [e.additional_data for e in views_of(assigned)] == [
        {"viewed": "admin flag page", "object": f"flag {flag.pk}"},
        {"viewed": "admin entry page", "object": f"entry {entry.pk}"},
    ]


def test_a_photo_viewed_by_the_dermatologist_is_recorded_but_not_by_its_owner(client, assigned, dermatologist):
    photo = PhotoFactory(entry=EntryFactory(patient=assigned))

    client.force_login(assigned.user)
    client.get(reverse("diary:photo-file", args=[photo.pk, "image"]))
    assert views_of(assigned) == []

    client.force_login(dermatologist)
    client.get(reverse("diary:photo-file", args=[photo.pk, "thumb"]))
    assert [(e.actor, e.additional_data["viewed"]) for e in views_of(assigned)] == [(dermatologist, "photo thumb")]


def test_changes_are_recorded_with_who_made_them_without_copying_notes(client, patient, reference):
    client.force_login(patient.user)

    client.post(reverse("diary:entry-save", args=[patient.today()]), {"itch": "7", "notes": "very private words"})

    entry = Entry.objects.get(patient=patient)
    changes = LogEntry.objects.get_for_object(entry)
    assert changes.count() >= 1
    assert {c.actor for c in changes} == {patient.user}
    assert all("very private words" not in str(c.changes) for c in changes)
    assert any("itch" in (c.changes or {}) for c in changes)


def test_a_dermatologists_review_is_recorded(assigned, dermatologist):
    flag = Flag.objects.create(patient=assigned, urgency=3, first_seen=assigned.today(), last_seen=assigned.today())

    flag_services.flag_resolve(flag=flag, reviewer=dermatologist, note="Seen.")

    update = LogEntry.objects.get_for_object(flag).filter(action=LogEntry.Action.UPDATE).get()
    assert "status" in update.changes
    assert update.changes["status"] == ["open", "resolved"]


def test_deleting_a_reaction_is_recorded(client, patient):
    reaction = ReactionFactory(entry=EntryFactory(patient=patient))
    client.force_login(patient.user)

    client.post(reverse("diary:reaction-delete", args=[reaction.pk]))

    assert LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Reaction),
        object_pk=str(reaction.pk),
        action=LogEntry.Action.DELETE,
        actor=patient.user,
    ).exists()


def test_only_superusers_read_the_audit_trail_and_nobody_edits_it(client, assigned, dermatologist):
    client.force_login(dermatologist)
    client.get(reverse("admin:diary_patient_timeline", args=[assigned.pk]))
    entry = views_of(assigned)[0]
    changelist = reverse("admin:auditlog_logentry_changelist")

    assert client.get(changelist).status_code == 403
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    assert client.get(changelist).status_code == 200
    assert client.get(reverse("admin:auditlog_logentry_change", args=[entry.pk])).status_code == 200
    assert client.get(reverse("admin:auditlog_logentry_delete", args=[entry.pk])).status_code == 403
    response = client.post(changelist, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    assert LogEntry.objects.filter(pk=entry.pk).exists()
    assert response.status_code in (200, 302)


def test_an_unassigned_dermatologist_gets_nothing_and_leaves_no_view_entry(client, assigned):
    stranger = StaffFactory(username="dr-stranger")
    stranger.groups.add(ensure_dermatologists_group())
    client.force_login(stranger)

    assert client.get(reverse("admin:diary_patient_timeline", args=[assigned.pk])).status_code == 404
    assert views_of(assigned) == []
