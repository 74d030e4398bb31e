"""Clinicians review and edit the reference data here; every edit lands in the admin history."""

from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.db import models

from drugs.models import (
    ANY_MEDICINE,
    AmountLimit,
    BodyArea,
    CommonSideEffect,
    Drug,
    Regimen,
    Source,
    Symptom,
    WarningSign,
)
from drugs.services import reference_version_bump


class ReferenceAdmin(admin.ModelAdmin):
    """Every admin of reference data: each change it logs (add, edit, list edit, delete) bumps the reference
    version, in the change's own transaction, so pages cached from the reference are made again."""

    def log_addition(self, request, obj, message):
        reference_version_bump()
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        reference_version_bump()
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        reference_version_bump()
        return super().log_deletions(request, queryset)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        reference_version_bump()  # again after the rows are gone: "delete selected" logs before it deletes


class AnyMedicineSelect(AutocompleteSelect):
    """The medicine picker of a rule: left empty, it reads "Any medicine"."""

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs["data-placeholder"] = ANY_MEDICINE.capitalize()
        return attrs


class MedicineFilter(admin.RelatedFieldListFilter):
    """Filter rules by medicine; the rules with none are listed as "any medicine", not "-" or "None"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.empty_value_display = ANY_MEDICINE


@admin.register(Source)
class SourceAdmin(ReferenceAdmin):
    list_display = ["title", "url"]
    search_fields = ["title", "url"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Symptom)
class SymptomAdmin(ReferenceAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code", "description"]


@admin.register(BodyArea)
class BodyAreaAdmin(ReferenceAdmin):
    list_display = ["name", "code", "adult_ftu", "adult_grams"]
    search_fields = ["name", "code"]

    @admin.display(description="adult grams")
    def adult_grams(self, area):
        return area.adult_grams


class RegimenInline(admin.StackedInline):
    model = Regimen
    extra = 0
    autocomplete_fields = ["sources"]


class CommonSideEffectInline(admin.TabularInline):
    model = CommonSideEffect
    extra = 0
    autocomplete_fields = ["symptom"]


class WarningSignInline(admin.StackedInline):
    model = WarningSign
    extra = 0
    autocomplete_fields = ["symptom", "sources"]
    fields = ["symptom", "min_severity", "persists_days", "after_course_days", "urgency", "advice", "sources"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("symptom")


class AmountLimitInline(admin.StackedInline):
    model = AmountLimit
    extra = 0
    autocomplete_fields = ["sources"]
    fields = ["max_grams_per_week", "urgency", "advice", "sources"]


@admin.register(Drug)
class DrugAdmin(ReferenceAdmin):
    list_display = ["generic_name", "class_group", "brands", "slug"]
    list_filter = ["class_group"]
    search_fields = ["generic_name", "brand_names", "other_names", "slug"]
    prepopulated_fields = {"slug": ["generic_name"]}
    autocomplete_fields = ["sources", "summary_sources"]
    inlines = [RegimenInline, CommonSideEffectInline, WarningSignInline, AmountLimitInline]
    fieldsets = [
        (None, {"fields": ["generic_name", "slug", "brand_names", "other_names", "class_group", "drug_class"]}),
        (
            "Plain-language summary",
            {
                "description": "The guide opens with this: short sentences in everyday words (reading grade 8 or "
                "below), each traced to one of the summary's sources. The detail below stays for those who want it.",
                "fields": [
                    "summary_uses",
                    "summary_how_to_apply",
                    "summary_normal",
                    "summary_when_to_call",
                    "summary_sources",
                ],
            },
        ),
        ("Use", {"fields": ["indications", "mechanism", "strengths", "how_to_apply", "storage", "boxed_warning"]}),
        ("Special populations", {"fields": ["children", "pregnancy", "breastfeeding", "other_populations"]}),
        (None, {"fields": ["interactions", "sources"]}),
    ]

    @admin.display(description="brands")
    def brands(self, drug):
        return ", ".join(drug.brand_name_list)


class RuleAdmin(ReferenceAdmin):
    """What warning-sign and amount-limit admins share: fast lists, visible origin, sources by search."""

    list_select_related = ["drug"]
    show_full_result_count = False
    autocomplete_fields = ["drug", "sources"]
    readonly_fields = ["reference_key", "updated"]
    list_per_page = 50

    @admin.display(description="from the reference file", boolean=True)
    def from_file(self, rule):
        return bool(rule.reference_key)


@admin.register(WarningSign)
class WarningSignAdmin(RuleAdmin):
    list_display = [
        "symptom",
        "medicine",
        "min_severity",
        "persists_days",
        "after_course_days",
        "urgency",
        "from_file",
    ]
    list_filter = ["urgency", "drug__class_group", ("drug", MedicineFilter), "symptom"]
    list_select_related = ["drug", "symptom"]
    search_fields = ["advice", "symptom__name", "symptom__code", "drug__generic_name", "reference_key"]
    autocomplete_fields = ["drug", "symptom", "sources"]
    fields = [
        "drug",
        "symptom",
        "min_severity",
        "persists_days",
        "after_course_days",
        "urgency",
        "advice",
        "sources",
        "reference_key",
        "updated",
    ]

    @admin.display(description="medicine", ordering="drug__generic_name")
    def medicine(self, rule):
        return rule.medicine

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "drug":
            kwargs["widget"] = AnyMedicineSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(AmountLimit)
class AmountLimitAdmin(RuleAdmin):
    list_display = ["drug", "max_grams_per_week", "urgency", "from_file"]
    list_filter = ["urgency", "drug__class_group", "drug"]
    search_fields = ["advice", "drug__generic_name", "reference_key"]
    fields = ["drug", "max_grams_per_week", "urgency", "advice", "sources", "reference_key", "updated"]


@admin.register(Regimen)
class RegimenAdmin(ReferenceAdmin):
    list_display = ["__str__", "drug", "position"]
    list_filter = ["drug"]
    list_select_related = ["drug"]
    search_fields = ["indication", "population", "product", "frequency", "drug__generic_name"]
    autocomplete_fields = ["drug", "sources"]
    show_full_result_count = False


@admin.register(CommonSideEffect)
class CommonSideEffectAdmin(ReferenceAdmin):
    list_display = ["symptom", "drug", "note", "position"]
    list_filter = ["drug", "symptom"]
    list_select_related = ["drug", "symptom"]
    search_fields = ["symptom__name", "drug__generic_name", "note"]
    autocomplete_fields = ["drug", "symptom"]
    show_full_result_count = False
