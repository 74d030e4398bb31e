"""The "Dermatologists" group and exactly the permissions it holds, shared by the data migration and tests."""

from django.apps import apps as global_apps

DERMATOLOGISTS = "Dermatologists"

# Patient-entered data is only viewed; flags are "changed" solely through the review actions.
DIARY_PERMISSIONS = {
    "patient": ["view"],
    "treatment": ["view"],
    "entry": ["view"],
    "application": ["view"],
    "reaction": ["view"],
    "flag": ["view", "change"],
    "photo": ["view"],
}
# The drugs app's migration grants these already; listed here so the group is whole after a test flush.
DRUG_MODELS = ["source", "symptom", "bodyarea", "drug", "regimen", "commonsideeffect", "warningsign", "amountlimit"]


def dermatologist_codenames() -> dict[str, list[str]]:
    """App label -> permission codenames the group holds."""
    return {
        "diary": [f"{action}_{model}" for model, actions in DIARY_PERMISSIONS.items() for action in actions],
        "drugs": [f"view_{model}" for model in DRUG_MODELS],
    }


def ensure_dermatologists_group(apps=global_apps):
    """Create the group if missing and give it its permissions; idempotent. `apps` may be a migration's."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=DERMATOLOGISTS)
    for app_label, codenames in dermatologist_codenames().items():
        permissions = list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
        missing = set(codenames) - {p.codename for p in permissions}
        if missing:
            raise LookupError(f"Permissions missing for the Dermatologists group: {sorted(missing)}")
        group.permissions.add(*permissions)
    return group
