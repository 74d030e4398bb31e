"""The staff groups and exactly the permissions each holds, shared by the data migrations and tests.

"Dermatologists" review diaries and flags and invite patients; "Clinic managers" run their clinic's admin
(people, patient links, invitations, join requests) and see its queue without reviewing. Which patients
and clinics they see is decided per clinic by the care team (clinics.selectors), not by these permissions.
"""

from django.apps import apps as global_apps

from clinics.models import ROLE_GROUPS, Membership

DERMATOLOGISTS = ROLE_GROUPS[Membership.Role.DERMATOLOGIST]
CLINIC_MANAGERS = ROLE_GROUPS[Membership.Role.MANAGER]

# Patient-entered data is only viewed; flags are "changed" solely through the review actions.
# "change" on a patient is the clinic recording their date of birth (every other field is read-only in admin).
DIARY_PERMISSIONS = {
    "patient": ["view", "change"],
    "treatment": ["view"],
    "entry": ["view"],
    "application": ["view"],
    "reaction": ["view"],
    "flag": ["view", "change"],
    "photo": ["view"],
}
# The drugs app's migration grants these already; listed here so the group is whole after a test flush.
DRUG_MODELS = ["source", "symptom", "bodyarea", "drug", "regimen", "commonsideeffect", "warningsign", "amountlimit"]


# The care team: dermatologists invite patients, answer join requests and keep the clinic's record number.
DERMATOLOGIST_CLINIC_PERMISSIONS = {
    "clinic": ["view"],
    "membership": ["view"],
    "carelink": ["view", "change"],
    "invitation": ["view", "add", "change"],
    "joinrequest": ["view", "change"],
}
MANAGER_DIARY_PERMISSIONS = {**{model: ["view"] for model in DIARY_PERMISSIONS}, "patient": ["view", "change"]}
MANAGER_CLINIC_PERMISSIONS = {
    **DERMATOLOGIST_CLINIC_PERMISSIONS,
    "clinic": ["view", "change"],
    "membership": ["view", "add", "change", "delete"],
    "staffinvitation": ["view", "add", "change"],
}


def _codenames(permissions: dict[str, list[str]]) -> list[str]:
    return [f"{action}_{model}" for model, actions in permissions.items() for action in actions]


def dermatologist_codenames() -> dict[str, list[str]]:
    """App label -> permission codenames the group holds."""
    return {
        "diary": _codenames(DIARY_PERMISSIONS),
        "drugs": [f"view_{model}" for model in DRUG_MODELS],
        "clinics": _codenames(DERMATOLOGIST_CLINIC_PERMISSIONS),
    }


def clinic_manager_codenames() -> dict[str, list[str]]:
    return {
        "diary": _codenames(MANAGER_DIARY_PERMISSIONS),
        "drugs": [f"view_{model}" for model in DRUG_MODELS],
        "clinics": _codenames(MANAGER_CLINIC_PERMISSIONS),
    }


def _ensure_group(apps, name: str, codenames_by_app: dict[str, list[str]], *, exact: bool = False):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=name)
    wanted = []
    for app_label, codenames in codenames_by_app.items():
        permissions = list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
        missing = set(codenames) - {p.codename for p in permissions}
        if missing:
            raise LookupError(f"Permissions missing for the {name} group: {sorted(missing)}")
        wanted += permissions
    if exact:
        group.permissions.set(wanted)
    else:
        group.permissions.add(*wanted)
    return group


def ensure_dermatologists_group(apps=global_apps, app_labels: tuple[str, ...] = ("diary", "drugs", "clinics")):
    """Create the group if missing and give it its permissions (of these apps); idempotent. `apps` may be a
    migration's, which passes the apps that exist at its point in history."""
    codenames = {label: names for label, names in dermatologist_codenames().items() if label in app_labels}
    return _ensure_group(apps, DERMATOLOGISTS, codenames)


def ensure_clinic_managers_group(apps=global_apps):
    """The "Clinic managers" group with exactly its permissions; idempotent."""
    return _ensure_group(apps, CLINIC_MANAGERS, clinic_manager_codenames(), exact=True)
