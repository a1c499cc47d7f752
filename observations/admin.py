"""Admins edit the checklist here: a version in use is read-only; copy it to change it."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Answer, Attachment, Checklist, ChecklistItem, FairnessAssessment, Observation


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0
    fields = [
        "position",
        "code",
        "section",
        "text",
        "text_km",
        "standard",
        "guidance",
        "guidance_km",
    ]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.is_frozen)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not (obj and obj.is_frozen)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_frozen)


@admin.register(Checklist)
class ChecklistAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "published_at", "created_at"]
    inlines = [ChecklistItemInline]
    actions = ["copy_to_new_version", "publish"]

    def get_readonly_fields(self, request, obj=None):
        return ["number", "published_at"] if obj and obj.is_frozen else ["published_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # old observations point at their version

    @admin.action(description=_("Copy to a new draft version"))
    @transaction.atomic
    def copy_to_new_version(self, request, queryset):
        for checklist in queryset:
            number = (Checklist.objects.aggregate(n=Max("number"))["n"] or 0) + 1
            copy = Checklist.objects.create(
                number=number,
                title=checklist.title,
                note=_("Copied from version %(number)s.") % {"number": checklist.number},
            )
            for item in checklist.items.all():
                item.pk = None
                item.checklist = copy
                item.save()
            self.message_user(
                request,
                _("Version %(number)s created: edit it, then publish it.") % {"number": number},
                messages.SUCCESS,
            )

    @admin.action(description=_("Publish: new observations use the newest published version"))
    def publish(self, request, queryset):
        for checklist in queryset:
            checklist.publish()
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)s version published.", "%(count)s versions published.", count)
            % {"count": count},
        )


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ["item", "verdict", "note"]
    readonly_fields = ["item"]
    can_delete = False


@admin.register(Observation)
class ObservationAdmin(admin.ModelAdmin):
    list_display = ["hearing", "observer", "status", "submitted_at"]
    list_filter = ["status"]
    list_select_related = ["hearing__case", "observer"]
    raw_id_fields = ["hearing"]
    readonly_fields = ["observer", "checklist", "submitted_at"]
    inlines = [AnswerInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "kind", "size", "observation", "uploaded_at"]
    readonly_fields = [
        "observation",
        "file",
        "kind",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
    ]


@admin.register(FairnessAssessment)
class FairnessAssessmentAdmin(admin.ModelAdmin):
    list_display = ["case", "grade", "assessed_by", "updated_at"]
    raw_id_fields = ["case"]
    readonly_fields = ["assessed_by"]
