"""Dermatologists get the care team's permissions (invite patients, answer join requests, keep the clinic's
record number); a "Clinic managers" group runs a clinic's admin and sees its queue without reviewing flags."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from diary.permissions import (
    CLINIC_MANAGERS,
    DERMATOLOGISTS,
    dermatologist_codenames,
    ensure_clinic_managers_group,
    ensure_dermatologists_group,
)


def add_permissions(apps, schema_editor):
    for app_label in ("drugs", "diary", "clinics"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ensure_dermatologists_group(apps)
    ensure_clinic_managers_group(apps)


def remove_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name=CLINIC_MANAGERS).delete()
    for group in Group.objects.filter(name=DERMATOLOGISTS):
        group.permissions.remove(
            *group.permissions.filter(
                content_type__app_label="clinics", codename__in=dermatologist_codenames()["clinics"]
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0001_care_team"),
        ("diary", "0008_scores_poem_peak_itch_sleep_loss"),
    ]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
