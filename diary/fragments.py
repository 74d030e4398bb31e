"""Form fields made from the reference data alone, built once per reference version and reused.

The day page's symptom and body-area pickers (60 options) and its other unfilled fields cost more
to render than the rest of the page. They hold nothing of the patient's diary: their HTML is a
function of the reference data (keyed by `drugs.selectors.reference_version()`, read from the
database on every request, so an edit made through any process shows at once), of the form and
field, and of the value shown (a default body area, an itch score). That is the whole key: a
patient's value chooses the entry, never fills it, so two patients with the same inputs share it.
Fields holding a patient's own text (notes) and bound forms (errors, typed input) are never cached.

The cache: `drugs.caching.for_reference`.
"""

import hashlib

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django.forms import BoundField
from django.utils.safestring import SafeString, mark_safe

from drugs.caching import for_reference
from drugs.selectors import symptom_groups


def symptom_choices(*, drug_ids: list[int], version: int) -> list:
    """`symptom_groups` for these medicines, read once per reference version."""
    drugs = ",".join(map(str, sorted(set(drug_ids))))
    return for_reference(f"symptoms:{drugs}", version=version, compute=lambda: symptom_groups(drug_ids=drug_ids))


def field_html(field: BoundField, *, version: int | None) -> SafeString:
    """`field|as_crispy_field`, from the cache when the field is one the form lists in `reference_fields`,
    the form is unbound and the reference version is known."""
    form = field.form
    if version is None or form.is_bound or field.name not in getattr(form, "reference_fields", ()):
        return as_crispy_field(field)
    parts = ":".join(
        [
            str(version),
            f"{type(form).__module__}.{type(form).__qualname__}",
            form.prefix or "",
            str(field.auto_id),
            field.name,
            repr(getattr(form, "choices_key", None)),
            repr(field.value()),
        ]
    )
    key = f"field:{hashlib.sha256(parts.encode()).hexdigest()}"
    return mark_safe(for_reference(key, version=version, compute=lambda: str(as_crispy_field(field))))  # noqa: S308 - crispy's own escaped output
