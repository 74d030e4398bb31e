from django.contrib import admin

from diary.models import Flag, Patient


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["user", "dermatologist", "time_zone", "created"]
    list_select_related = ["user", "dermatologist"]
    search_fields = ["user__username", "user__email"]
    raw_id_fields = ["user", "dermatologist"]
    show_full_result_count = False


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ["rule_text", "urgency", "patient", "first_seen", "last_seen", "status"]
    list_filter = ["status", "urgency"]
    list_select_related = ["patient__user"]
    show_full_result_count = False
    readonly_fields = [f.name for f in Flag._meta.fields]

    def has_add_permission(self, request):
        return False
