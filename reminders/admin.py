"""The reminder outbox in the back office: read-only, so nothing breaks exactly-once delivery."""

from django.contrib import admin

from .models import CalendarFeed, Digest, Notification, PassRun, Reminder, ReminderPreference


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ("kind", "record_type", "record_id", "case", "recipient", "due_at", "status")
    list_filter = ("status", "kind", "record_type")
    list_select_related = ("case", "recipient")
    search_fields = ("case__reference", "recipient__username", "status_note")
    date_hierarchy = "due_at"
    ordering = ("-due_at",)
    show_full_result_count = False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("title", "user", "kind", "urgent", "created_at", "read_at")
    list_filter = ("kind", "urgent")
    list_select_related = ("user",)
    search_fields = ("title", "user__username")
    show_full_result_count = False


@admin.register(Digest)
class DigestAdmin(ReadOnlyAdmin):
    list_display = ("user", "day", "reminders", "sent_at")
    list_select_related = ("user",)
    search_fields = ("user__username",)


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email", "daily_digest")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    autocomplete_fields = ("user",)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Admins may revoke a feed (delete it); the token itself is never shown."""

    list_display = ("user", "created_at", "last_used_at")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    readonly_fields = ("user", "token_hash", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False


@admin.register(PassRun)
class PassRunAdmin(ReadOnlyAdmin):
    """When the reminder passes ran and what they did: a stalled scheduler shows here."""

    list_display = ("started_at", "finished_at", "stats")
    date_hierarchy = "started_at"
    show_full_result_count = False
