"""The Dermatologists group gets view access to patients' diaries and may review flags."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from diary.permissions import DERMATOLOGISTS, dermatologist_codenames, ensure_dermatologists_group


def add_permissions(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now so they can be assigned.
    for app_label in ("drugs", "diary"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ensure_dermatologists_group(apps, app_labels=("diary", "drugs"))


def remove_permissions(apps, schema_editor):
    # Take back only the diary permissions: the drugs migration owns the rest of the group.
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name=DERMATOLOGISTS):
        group.permissions.remove(
            *group.permissions.filter(content_type__app_label="diary", codename__in=dermatologist_codenames()["diary"])
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("drugs", "0003_reference_groups"),
        ("diary", "0004_photo"),
    ]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
