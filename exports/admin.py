"""Exports in the admin: read-only, for looking into what was exported and how it went."""

from django.contrib import admin

from .models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "user",
        "list_name",
        "format",
        "profile",
        "status",
        "rows_done",
        "total_rows",
    ]
    list_filter = ["status", "format", "profile", "list_name"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    date_hierarchy = "created_at"
    exclude = ["token"]  # the download link is the user's alone
    readonly_fields = [
        field.name for field in ExportJob._meta.fields if field.name not in ("id", "token")
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
