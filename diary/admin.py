from django.contrib import admin

from diary.models import Patient


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["user", "dermatologist", "time_zone", "created"]
    list_select_related = ["user", "dermatologist"]
    search_fields = ["user__username", "user__email"]
    raw_id_fields = ["user", "dermatologist"]
    show_full_result_count = False
