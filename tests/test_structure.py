"""The apps' dependencies point one way: config -> accounts -> diary -> drugs, diary -> clinics (the care team knows
people as user accounts and never a diary), and reminders -> diary; every app may use `prepared` and `markup`, which
import none. No app imports config."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What each app may import of the project's own packages.
ALLOWED = {
    # Below every app: reads whose SQL is built once per process (no models, no app of ours).
    "prepared": {"prepared"},
    # Below every app: the autoescape the pages written in Python share (no models, no app of ours).
    "markup": {"markup"},
    "drugs": {"drugs", "prepared", "markup"},
    "clinics": {"clinics", "prepared", "markup"},
    "diary": {"diary", "drugs", "clinics", "prepared", "markup"},
    "accounts": {"accounts", "diary", "drugs", "clinics", "prepared", "markup"},
    # Reminders and push are their own context: they read diary and drugs; diary never imports them.
    "reminders": {"reminders", "diary", "drugs", "clinics", "prepared", "markup"},
}
PROJECT_PACKAGES = {
    "config",
    "accounts",
    "clinics",
    "diary",
    "drugs",
    "reminders",
    "prepared",
    "markup",
    "bench",
    "tests",
}


def project_imports(path: Path) -> set[str]:
    """The project packages a module imports, at the top or inside functions."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & PROJECT_PACKAGES


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_an_app_imports_only_the_apps_below_it_and_never_config(app):
    wrong = {
        str(path.relative_to(ROOT)): sorted(project_imports(path) - ALLOWED[app])
        for path in sorted((ROOT / app).rglob("*.py"))
    }
    assert {path: names for path, names in wrong.items() if names} == {}


def test_the_check_sees_an_import_of_config(tmp_path):
    module = tmp_path / "views.py"
    module.write_text("import os\nfrom config.middleware import X\n\ndef f():\n    import diary.models\n")
    assert project_imports(module) == {"config", "diary"}
