"""The back office: every domain model, for administrators fixing data by hand.

Lists name what each row points at, so every changelist selects its related rows in the
same query (``list_select_related``) and the query count stays flat with the page size.
Foreign keys to tables that grow (people, cases, parties, detentions, users) use
autocomplete widgets rather than a ``<select>`` of every row. Nothing here annotates with
``Count`` over a join: on the full table the admin would aggregate every row before
paginating. The case list's defendant count is a correlated subquery instead, which
PostgreSQL computes for the page's rows only (after the sort and the limit); that changelist
is the "tuned admin" peer of ``make bench`` (``bench/national.py``).
"""

from collections import Counter

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.display import describe_conflict

from .forms import VersionedModelForm
from .models import (
    Affiliation,
    Case,
    CaseParty,
    Charge,
    Court,
    Detention,
    DetentionExtension,
    DetentionFacility,
    DuplicateDismissal,
    FollowUp,
    Hearing,
    LegalRule,
    MergeRecord,
    Offence,
    Organisation,
    Person,
    PersonGroup,
    Role,
    TrialOutcome,
    format_months,
)
from .models.base import EditConflict, SoftDeletable
from .services.records import blockers, cascade, delete_record

TIMESTAMPS = ("created_at", "updated_at")


# --- Shared behaviour: optimistic locking and deletion that can be undone -----------------


class AdminVersionedForm(VersionedModelForm):
    """Refuse, beside the form, an edit of a record someone changed since it was opened.

    The model refuses a stale save too; this says who changed it before the admin tries.
    """

    def clean(self):
        cleaned = super().clean()
        instance, version = self.instance, cleaned.get("version")
        if instance.pk is None or version is None:
            return cleaned
        stored = type(instance)._base_manager.filter(pk=instance.pk)
        stored_version = stored.values_list("version", flat=True).first()
        if stored_version is not None and stored_version != version:
            conflict = describe_conflict(
                instance, based_on=version, user=self.request_user, label=str(instance)
            )
            raise ValidationError(conflict.message, code="edit_conflict")
        return cleaned


def without_version(fields: list[str]) -> list[str]:
    # ``version`` is not editable on the model: the form declares it (hidden) instead.
    return [name for name in fields if name != "version"]


class VersionedAdminMixin:
    """Carry the record's version in every admin form (hidden) and refuse stale edits."""

    form = AdminVersionedForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if "version" in flatten_fieldsets(fieldsets):
            return fieldsets
        return [*fieldsets, (None, {"fields": ["version"], "classes": ["hidden"]})]

    def with_request(self, form_class, request):
        return type(form_class.__name__, (form_class,), {"request_user": request.user})


class RecordAdmin(VersionedAdminMixin, admin.ModelAdmin):
    """A domain model in the admin: versioned forms; deleting marks deleted (restorable).

    Deleted rows are hidden here (the default manager); supervisors and admins find and
    restore them on the "Deleted records" page.
    """

    def get_form(self, request, obj=None, change=False, **kwargs):
        if "fields" not in kwargs:
            kwargs["fields"] = flatten_fieldsets(self.get_fieldsets(request, obj))
        if kwargs["fields"] is not None:
            kwargs["fields"] = without_version(kwargs["fields"])
        return self.with_request(super().get_form(request, obj, change, **kwargs), request)

    def soft(self) -> bool:
        return issubclass(self.model, SoftDeletable)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Say so when someone saved the record between the form's check and its save."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EditConflict as conflict:  # rare: the form's clean() saw the current version
            messages.error(
                request,
                gettext(
                    "“%(record)s” was changed by someone else while you were saving it. "
                    "Nothing was saved: check its current values and make your change again."
                )
                % {"record": conflict.record},
            )
            return HttpResponseRedirect(request.get_full_path())

    def delete_model(self, request, obj):
        if self.soft():
            delete_record(record=obj, by=request.user)
        else:
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        if not self.soft():
            return super().delete_queryset(request, queryset)
        for obj in queryset:
            if not type(obj).all_objects.filter(pk=obj.pk, deleted_at__isnull=False).exists():
                delete_record(record=obj, by=request.user)
        return None

    def get_deleted_objects(self, objs, request):
        """Describe what deleting marks deleted with it, and what prevents it (live rows only)."""
        if not self.soft():
            return super().get_deleted_objects(objs, request)
        doomed, blocking = [], []
        for obj in objs:
            rows = [row for row in cascade(obj) if row not in doomed]
            doomed += rows
        blocking = blockers(doomed)
        to_delete = [f"{capfirst(row._meta.verbose_name)}: {row}" for row in doomed]
        counts = Counter(str(row._meta.verbose_name_plural) for row in doomed)
        perms_needed = {
            str(row._meta.verbose_name)
            for row in doomed
            if not request.user.has_perm(f"{row._meta.app_label}.delete_{row._meta.model_name}")
        }
        protected = [f"{capfirst(row._meta.verbose_name)}: {row}" for row in blocking]
        return to_delete, dict(counts), perms_needed, protected

    def save_formset(self, request, form, formset, change):
        """Save inline rows; an inline row ticked for deletion is marked deleted, not removed."""
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            if isinstance(obj, SoftDeletable):
                delete_record(record=obj, by=request.user)
            else:
                obj.delete()
        for obj in instances:
            obj.save()
        formset.save_m2m()


class RecordInline(VersionedAdminMixin):
    """An inline of a domain model: versioned rows (deleting one marks it deleted)."""

    def get_formset(self, request, obj=None, **kwargs):
        if "fields" not in kwargs:
            kwargs["fields"] = flatten_fieldsets(self.get_fieldsets(request, obj))
        if kwargs["fields"] is not None:
            kwargs["fields"] = without_version(kwargs["fields"])
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = self.with_request(formset.form, request)
        return formset


# --- Inlines -----------------------------------------------------------------------------


class AffiliationInline(RecordInline, admin.TabularInline):
    model = Affiliation
    extra = 0
    autocomplete_fields = ["organisation"]
    fields = [
        "organisation",
        "position",
        "start_on",
        "start_precision",
        "start_until",
        "end_on",
        "end_precision",
        "end_until",
        "source",
    ]


class CasePartyInline(RecordInline, admin.TabularInline):
    model = CaseParty
    extra = 0
    autocomplete_fields = ["person", "organisation"]
    fields = ["person", "organisation", "role", "notes"]
    show_change_link = True


class HearingInline(RecordInline, admin.TabularInline):
    model = Hearing
    extra = 0
    autocomplete_fields = ["court", "monitor"]
    fields = ["kind", "status", "scheduled_at", "time_known", "court", "monitor"]
    show_change_link = True


class ChargeInline(RecordInline, admin.TabularInline):
    model = Charge
    extra = 0
    autocomplete_fields = ["offence"]
    fields = ["offence", "charged_on", "charged_precision", "charged_until", "outcome", "source"]


class TrialOutcomeInline(RecordInline, admin.StackedInline):
    model = TrialOutcome
    extra = 0
    autocomplete_fields = ["court"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("instance", "court"),
                    ("verdict", "in_absentia"),
                    ("verdict_on", "verdict_precision", "verdict_until"),
                ]
            },
        ),
        (
            _("Sentence"),
            {
                "fields": [
                    ("sentence_months", "suspended_months", "life_sentence"),
                    "supervision_months",
                    ("fine_amount", "fine_currency"),
                    ("damages_amount", "damages_currency", "damages_to"),
                    "other_penalties",
                ]
            },
        ),
        (
            _("Appeal"),
            {
                "fields": [
                    ("appeal_filed_on", "appeal_filed_precision", "appeal_filed_until"),
                    "appealed_by",
                ]
            },
        ),
        (None, {"fields": ["notes", "source"]}),
    ]


class DetentionExtensionInline(RecordInline, admin.TabularInline):
    model = DetentionExtension
    extra = 0
    fields = ["ordered_on", "months", "days", "hours", "ordered_by", "document", "notes"]


# --- People and organisations ------------------------------------------------------------


@admin.register(Role)
class RoleAdmin(RecordAdmin):
    list_display = ["__str__", "code"]
    search_fields = ["code"]


@admin.register(Organisation)
class OrganisationAdmin(RecordAdmin):
    list_display = ["name", "acronym", "name_khmer", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "acronym", "name_khmer"]
    readonly_fields = TIMESTAMPS


@admin.register(PersonGroup)
class PersonGroupAdmin(RecordAdmin):
    list_display = ["label", "source"]
    search_fields = ["label", "description"]
    readonly_fields = TIMESTAMPS


@admin.register(Person)
class PersonAdmin(RecordAdmin):
    list_display = [
        "name",
        "name_khmer",
        "sex",
        "birth_display",
        "is_named",
        "group",
        "is_protected",
    ]
    list_filter = ["sex", "is_named", "is_protected", "roles"]
    list_select_related = ["group"]
    search_fields = ["name", "name_khmer", "aliases", "pseudonym"]
    autocomplete_fields = ["group"]
    filter_horizontal = ["roles"]
    inlines = [AffiliationInline]
    readonly_fields = TIMESTAMPS
    fieldsets = [
        (None, {"fields": ["name", "name_khmer", "aliases", ("is_named", "group")]}),
        (
            _("About"),
            {
                "fields": [
                    "sex",
                    ("birth_on", "birth_precision", "birth_until"),
                    "nationality",
                    "roles",
                ]
            },
        ),
        (_("Protection"), {"fields": [("is_protected", "pseudonym"), "contact"]}),
        (None, {"fields": ["notes", "source", TIMESTAMPS]}),
    ]

    @admin.display(description=_("born"), ordering="birth_on")
    def birth_display(self, obj):
        return obj.birth


@admin.register(Affiliation)
class AffiliationAdmin(RecordAdmin):
    list_display = ["person", "organisation", "position", "start_display", "end_display"]
    list_filter = ["organisation__kind"]
    list_select_related = ["person", "organisation"]
    search_fields = ["person__name", "organisation__name", "organisation__acronym", "position"]
    autocomplete_fields = ["person", "organisation"]
    readonly_fields = TIMESTAMPS

    @admin.display(description=_("from"), ordering="start_on")
    def start_display(self, obj):
        return obj.start

    @admin.display(description=_("until"), ordering="end_on")
    def end_display(self, obj):
        return obj.end


# --- Places ------------------------------------------------------------------------------


@admin.register(Court)
class CourtAdmin(RecordAdmin):
    list_display = ["name", "level", "province"]
    list_filter = ["level", "province"]
    search_fields = ["name"]
    readonly_fields = TIMESTAMPS


@admin.register(DetentionFacility)
class DetentionFacilityAdmin(RecordAdmin):
    list_display = ["name", "kind", "province", "capacity"]
    list_filter = ["kind", "province"]
    search_fields = ["name", "notes"]
    readonly_fields = TIMESTAMPS


# --- Cases, parties and charges ----------------------------------------------------------


@admin.register(Offence)
class OffenceAdmin(RecordAdmin):
    list_display = [
        "name",
        "article",
        "law",
        "offence_class",
        "min_penalty_months",
        "max_penalty_months",
    ]
    list_filter = ["offence_class", "law"]
    search_fields = ["name", "article", "max_penalty_note"]
    readonly_fields = TIMESTAMPS


@admin.register(Case)
class CaseAdmin(RecordAdmin):
    list_display = [
        "reference",
        "title",
        "category",
        "stage",
        "status",
        "confidentiality",
        "court",
        "opened_display",
        "defendant_count",
        "updated_at",
    ]
    list_display_links = ["reference", "title"]
    list_filter = ["status", "category", "stage", "confidentiality"]
    list_select_related = ["court"]
    # Newest changes first, as the case list sorts "updated"; -pk makes the order total.
    ordering = ["-updated_at", "-pk"]
    # The filtered count only: no second count over the whole table on every page.
    show_full_result_count = False
    list_per_page = settings.PAGINATE_BY  # as many rows as the case list
    search_fields = ["reference", "title", "court_case_number"]
    autocomplete_fields = ["court", "monitors"]
    inlines = [CasePartyInline, HearingInline]
    readonly_fields = TIMESTAMPS
    fieldsets = [
        (None, {"fields": ["reference", "title", "category", "summary"]}),
        (_("Court"), {"fields": ["court", "court_case_number", ("stage", "status")]}),
        (
            _("Monitoring"),
            {
                "fields": [
                    ("opened_on", "opened_precision", "opened_until"),
                    "confidentiality",
                    "monitors",
                ]
            },
        ),
        (None, {"fields": ["source", TIMESTAMPS]}),
    ]

    def get_queryset(self, request):
        # A subquery per row shown, not a Count() over a join of every case with its parties.
        return super().get_queryset(request).with_defendant_count()

    @admin.display(description=_("events began"), ordering="opened_on")
    def opened_display(self, obj):
        return obj.opened

    @admin.display(description=_("Defendants"))
    def defendant_count(self, obj):
        return obj.defendant_count


@admin.register(CaseParty)
class CasePartyAdmin(RecordAdmin):
    list_display = ["__str__", "case", "role"]
    list_filter = ["role"]
    list_select_related = ["case", "person", "organisation"]
    search_fields = ["person__name", "organisation__name", "case__reference", "case__title"]
    autocomplete_fields = ["case", "person", "organisation"]
    inlines = [ChargeInline, TrialOutcomeInline]
    readonly_fields = TIMESTAMPS


@admin.register(Charge)
class ChargeAdmin(RecordAdmin):
    list_display = ["offence", "defendant", "case_reference", "charged_display", "outcome"]
    list_filter = ["outcome", "offence__offence_class"]
    list_select_related = ["offence", "party__case", "party__person", "party__organisation"]
    search_fields = [
        "offence__name",
        "offence__article",
        "party__person__name",
        "party__organisation__name",
        "party__case__reference",
    ]
    autocomplete_fields = ["party", "offence"]
    readonly_fields = TIMESTAMPS

    @admin.display(description=_("defendant"))
    def defendant(self, obj):
        return obj.party.party

    @admin.display(description=_("case"), ordering="party__case__reference")
    def case_reference(self, obj):
        return obj.party.case.reference

    @admin.display(description=_("charged on"), ordering="charged_on")
    def charged_display(self, obj):
        return obj.charged


# --- Hearings and outcomes ---------------------------------------------------------------


@admin.register(Hearing)
class HearingAdmin(RecordAdmin):
    list_display = ["scheduled_at", "case", "kind", "status", "court", "monitor"]
    list_filter = ["status", "kind", "time_known"]
    list_select_related = ["case", "court", "monitor"]
    search_fields = ["case__reference", "case__title", "court__name", "outcome"]
    autocomplete_fields = ["case", "court", "monitor"]
    raw_id_fields = ["previous"]
    date_hierarchy = "scheduled_at"
    readonly_fields = TIMESTAMPS


@admin.register(TrialOutcome)
class TrialOutcomeAdmin(RecordAdmin):
    list_display = [
        "party",
        "case_reference",
        "instance",
        "verdict",
        "verdict_display",
        "sentence_display",
        "in_absentia",
    ]
    list_filter = ["instance", "verdict", "in_absentia", "life_sentence"]
    list_select_related = ["party__case", "party__person", "party__organisation", "court"]
    search_fields = ["party__person__name", "party__case__reference", "court__name"]
    autocomplete_fields = ["party", "court"]
    readonly_fields = TIMESTAMPS

    @admin.display(description=_("case"), ordering="party__case__reference")
    def case_reference(self, obj):
        return obj.party.case.reference

    @admin.display(description=_("verdict date"), ordering="verdict_on")
    def verdict_display(self, obj):
        return obj.verdict_date

    @admin.display(description=_("prison sentence"), ordering="sentence_months")
    def sentence_display(self, obj):
        if obj.life_sentence:
            return _("life")
        return format_months(obj.sentence_months) or None


# --- Detentions and follow-ups -----------------------------------------------------------


@admin.register(Detention)
class DetentionAdmin(RecordAdmin):
    list_display = [
        "person",
        "kind",
        "case",
        "facility",
        "started_display",
        "ended_display",
        "end_reason",
    ]
    list_filter = ["kind", "end_reason", "ill_treatment_alleged"]
    list_select_related = ["person", "case", "facility"]
    search_fields = ["person__name", "case__reference", "facility__name"]
    autocomplete_fields = ["person", "case", "facility"]
    inlines = [DetentionExtensionInline]
    readonly_fields = TIMESTAMPS

    @admin.display(description=_("started"), ordering="started_on")
    def started_display(self, obj):
        return obj.started

    @admin.display(description=_("ended"), ordering="ended_on")
    def ended_display(self, obj):
        return obj.ended


@admin.register(DetentionExtension)
class DetentionExtensionAdmin(RecordAdmin):
    list_display = ["detention", "ordered_on", "months", "days", "hours", "ordered_by"]
    list_select_related = ["detention__person"]
    search_fields = ["detention__person__name", "ordered_by", "document"]
    autocomplete_fields = ["detention"]
    date_hierarchy = "ordered_on"
    readonly_fields = TIMESTAMPS


@admin.register(FollowUp)
class FollowUpAdmin(RecordAdmin):
    list_display = ["kind", "case", "person", "addressed_to", "status", "due_on", "owner"]
    list_filter = ["status", "kind"]
    list_select_related = ["case", "person", "addressed_to", "owner"]
    search_fields = ["description", "response", "case__reference", "person__name"]
    autocomplete_fields = ["case", "person", "detention", "facility", "addressed_to", "owner"]
    readonly_fields = TIMESTAMPS


# --- The rule table ----------------------------------------------------------------------


@admin.register(LegalRule)
class LegalRuleAdmin(RecordAdmin):
    list_display = [
        "measure",
        "offence_class",
        "age_band",
        "period_months",
        "period_days",
        "period_hours",
        "max_extensions",
        "cap_months",
        "allowed",
        "article",
        "confidence",
        "effective_from",
        "effective_until",
    ]
    list_filter = ["measure", "offence_class", "age_band", "confidence", "allowed"]
    search_fields = ["article", "source", "notes", "extension_condition"]
    date_hierarchy = "effective_from"
    readonly_fields = TIMESTAMPS
    fieldsets = [
        (None, {"fields": [("measure", "offence_class", "age_band"), "allowed"]}),
        (
            _("Limits"),
            {
                "fields": [
                    ("period_months", "period_days", "period_hours"),
                    ("extension_months", "extension_hours", "max_extensions"),
                    "extension_condition",
                    ("cap_months", "cap_hours", "cap_share_of_min_penalty"),
                    ("share_numerator", "share_denominator"),
                ]
            },
        ),
        (
            _("Authority"),
            {"fields": ["article", "source", "confidence", ("effective_from", "effective_until")]},
        ),
        (None, {"fields": ["notes", TIMESTAMPS]}),
    ]


@admin.register(MergeRecord)
class MergeRecordAdmin(RecordAdmin):
    """Read only: merges are made and undone on the screens, which check every step."""

    list_display = ["__str__", "survivor", "merged", "merged_by", "created_at", "undone_at"]
    list_select_related = ["survivor", "merged", "merged_by"]
    search_fields = ["=survivor__pk", "=merged__pk", "note"]
    readonly_fields = [
        "survivor",
        "merged",
        "merged_by",
        "journal",
        "is_protected",
        "note",
        "undone_at",
        "undone_by",
        *TIMESTAMPS,
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DuplicateDismissal)
class DuplicateDismissalAdmin(RecordAdmin):
    list_display = ["__str__", "person_low", "person_high", "dismissed_by", "created_at"]
    list_select_related = ["person_low", "person_high", "dismissed_by"]
    search_fields = ["=person_low__pk", "=person_high__pk", "note"]
    autocomplete_fields = ["person_low", "person_high"]
    readonly_fields = TIMESTAMPS
    fields = ["person_low", "person_high", "dismissed_by", "note", TIMESTAMPS]
