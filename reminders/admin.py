"""Read-only views of the reminder runner for operators (superusers): passes and individual sends."""

from django.contrib import admin

from reminders.models import ReminderSend, SchedulerPass


class _SuperuserReadOnly(admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SchedulerPass)
class SchedulerPassAdmin(_SuperuserReadOnly):
    list_display = ["started", "finished", "sent", "skipped", "failed", "alerts_sent"]
    show_full_result_count = False


@admin.register(ReminderSend)
class ReminderSendAdmin(_SuperuserReadOnly):
    list_display = ["due_at", "kind", "status", "detail", "patient"]
    list_filter = ["status", "kind"]
    list_select_related = ["patient__user"]
    raw_id_fields = ["patient", "schedule", "snoozed_from"]
    show_full_result_count = False
