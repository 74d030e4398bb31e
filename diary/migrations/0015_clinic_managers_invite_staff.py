"""Clinic managers may invite staff to their clinic (view, add and change staff invitations)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from diary.permissions import ensure_clinic_managers_group


def add_permissions(apps, schema_editor):
    app_config = apps.get_app_config("clinics")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    ensure_clinic_managers_group(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0004_staff_invitation"),
        ("diary", "0014_flag_patient_help_and_internal_note"),
    ]

    operations = [migrations.RunPython(add_permissions, migrations.RunPython.noop)]
