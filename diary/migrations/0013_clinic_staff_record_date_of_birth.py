"""Dermatologists and clinic managers may record a patient's date of birth in admin (patients no longer edit it)."""

from django.db import migrations

from diary.permissions import ensure_clinic_managers_group, ensure_dermatologists_group


def add_permissions(apps, schema_editor):
    ensure_dermatologists_group(apps)
    ensure_clinic_managers_group(apps)


def remove_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=["Dermatologists", "Clinic managers"]):
        group.permissions.remove(*group.permissions.filter(content_type__app_label="diary", codename="change_patient"))


class Migration(migrations.Migration):
    dependencies = [("diary", "0012_patient_callback_phone")]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
