"""Imports in the admin: read-only, for looking into a job (the file itself is never shown)."""

from django.contrib import admin

from .models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("pk", "kind", "status", "created_by", "created_at", "processed_rows")
    list_filter = ("kind", "status")
    list_select_related = ("created_by",)
    exclude = ("upload",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
