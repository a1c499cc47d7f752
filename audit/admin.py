"""The audit trail in the admin: read-only, for staff with ``audit.view_auditevent``."""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from .display import show_events
from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "action", "model", "object_id", "request_id"]
    list_filter = ["action", "model"]
    search_fields = ["actor_label", "object_id", "request_id", "detail"]
    date_hierarchy = "at"
    fields = [
        "at",
        "actor",
        "actor_label",
        "action",
        "model",
        "object_id",
        "object_repr",
        "object_version",
        "changes_shown",
        "detail",
        "sensitive",
        "request_id",
        "ip_address",
    ]
    readonly_fields = fields
    list_select_related = False
    show_full_result_count = False  # the trail grows without bound: no full-table count

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("changes"))
    def changes_shown(self, obj):
        """Show the changes as "field: before → after", masked like the log page."""
        (shown,) = show_events([obj], obj.viewer)
        return format_html_join(
            "\n", "<div>{}: {} → {}</div>", ((c.field, c.before, c.after) for c in shown.changes)
        )

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj.viewer = request.user  # who reads it decides what is masked
        return obj
