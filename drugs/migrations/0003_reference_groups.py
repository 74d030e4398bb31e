"""Groups for the reference data: editors may change it, dermatologists may view it."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "Reference editors"
DERMATOLOGISTS = "Dermatologists"
MODELS = ["source", "symptom", "bodyarea", "drug", "regimen", "commonsideeffect", "warningsign", "amountlimit"]
ACTIONS = ["add", "change", "delete", "view"]


def _permissions(apps, actions):
    # Permissions are normally created after all migrations ran; create them now so they can be assigned.
    app_config = apps.get_app_config("drugs")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for action in actions for model in MODELS]
    permissions = list(Permission.objects.filter(content_type__app_label="drugs", codename__in=codenames))
    assert len(permissions) == len(codenames), "drugs permissions are missing"
    return permissions


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    editors, _ = Group.objects.get_or_create(name=EDITORS)
    editors.permissions.add(*_permissions(apps, ACTIONS))
    dermatologists, _ = Group.objects.get_or_create(name=DERMATOLOGISTS)
    dermatologists.permissions.add(*_permissions(apps, ["view"]))


def remove_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name=EDITORS).delete()
    # The Dermatologists group also holds other apps' permissions: take back only ours.
    for group in Group.objects.filter(name=DERMATOLOGISTS):
        group.permissions.remove(*group.permissions.filter(content_type__app_label="drugs"))


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("drugs", "0002_drug_names_and_groups"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
