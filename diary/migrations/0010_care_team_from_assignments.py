"""Existing assignments become care-team links.

Before clinics existed, a superuser assigned each patient to a dermatologist. Every such assignment becomes
a membership of the dermatologist in one clinic named "Default clinic" (created only if there is an
assignment) and an active link of the patient to that clinic, with that dermatologist assigned and photos
shared (as they were). No patient consented on a page then: the link records its consent as given by the
superuser's assignment (source "assignment", consent version "assignment"), dated when the patient's row was
last changed. Patients see the link under Settings › Who can see my diary and can withdraw it there.
"""

from django.db import migrations

DEFAULT_CLINIC = "Default clinic"
ASSIGNMENT = "assignment"


def assignments_to_links(apps, schema_editor):
    Patient = apps.get_model("diary", "Patient")
    Clinic = apps.get_model("clinics", "Clinic")
    Membership = apps.get_model("clinics", "Membership")
    CareLink = apps.get_model("clinics", "CareLink")
    assigned = Patient.objects.filter(dermatologist__isnull=False)
    if not assigned.exists():
        return
    from clinics.models import new_clinic_code

    clinic, _ = Clinic.objects.get_or_create(name=DEFAULT_CLINIC, defaults={"code": new_clinic_code()})
    for patient in assigned.iterator():
        Membership.objects.get_or_create(
            clinic=clinic, user_id=patient.dermatologist_id, defaults={"role": "dermatologist"}
        )
        CareLink.objects.get_or_create(
            clinic=clinic,
            patient_id=patient.user_id,
            withdrawn_at=None,
            defaults={
                "dermatologist_id": patient.dermatologist_id,
                "source": ASSIGNMENT,
                "consent_version": ASSIGNMENT,
                "consented_at": patient.updated,
                "shares_photos": True,
            },
        )


def links_to_assignments(apps, schema_editor):
    Patient = apps.get_model("diary", "Patient")
    CareLink = apps.get_model("clinics", "CareLink")
    for link in CareLink.objects.filter(withdrawn_at__isnull=True, dermatologist__isnull=False).order_by("consented_at"):
        Patient.objects.filter(user_id=link.patient_id).update(dermatologist_id=link.dermatologist_id)


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0001_care_team"),
        ("diary", "0009_care_team_groups"),
    ]

    operations = [migrations.RunPython(assignments_to_links, links_to_assignments)]
