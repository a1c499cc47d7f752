"""Duplicate people: the supervisors' report, "not a duplicate", merge and undo.

Supervisors only (``cases.manage_all_cases``); merging also needs the person change and delete
permissions. Refused by permission first (403 for any number), then people are looked up
through ``visible_to`` (404 for what the user may not see). Merging a protected identity needs
the clearance to see it, since the page shows both records.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cases import access
from cases import duplicate_finder as finder
from cases.duplicates import LIKELY
from cases.models import Case, CaseParty, DuplicateDismissal, MergeRecord, Person
from cases.services.merge import MergeRefused, merge_people, plan_merge, undo_merge
from cases.services.merge import undo_problems as find_undo_problems

SUPERVISE = "cases.manage_all_cases"
MERGE = (SUPERVISE, "cases.change_person", "cases.delete_person")


class ReportFilter(forms.Form):
    level = forms.ChoiceField(
        label=gettext_lazy("Show"),
        required=False,
        choices=[
            ("", gettext_lazy("Likely and possible duplicates")),
            ("likely", gettext_lazy("Likely duplicates only")),
        ],
    )


@require_safe
@permission_required(SUPERVISE, raise_exception=True)
def duplicate_report(request):
    """List the pairs of people who may be one, best first, with why."""
    form = ReportFilter(request.GET or None)
    likely_only = form.is_valid() and form.cleaned_data["level"] == "likely"
    report = finder.report_for(request.user)
    pairs = finder.without_dismissed(report.pairs or [])
    shown = [pair for pair in pairs if pair.match.score >= LIKELY] if likely_only else pairs
    page = Paginator(shown, settings.PAGINATE_BY).get_page(request.GET.get("page"))
    context = {
        "filter_form": form,
        "is_filtered": likely_only,
        "report": report,
        "limited": report.found > finder.REPORT_LIMIT,
        "limit": finder.REPORT_LIMIT,
        "page_obj": page,
        "paginator": page.paginator,
        "rows": finder.report_rows(request.user, list(page.object_list), pairs),
        "likely": LIKELY,
    }
    return render(request, "cases/duplicate_report.html", context)


def visible_person(request, pk: int) -> Person:
    return get_object_or_404(Person.objects.visible_to(request.user), pk=pk)


@require_POST
@permission_required(SUPERVISE, raise_exception=True)
def dismiss_duplicate(request, pk: int, other_pk: int):
    """Record that two people are not one: the pair leaves the report for good."""
    first, second = visible_person(request, pk), visible_person(request, other_pk)
    if first.pk == second.pk:
        raise Http404
    low, high = DuplicateDismissal.ordered(first.pk, second.pk)
    note = request.POST.get("note", "")[:2000]
    if not DuplicateDismissal.objects.filter(person_low=low, person_high=high).exists():
        dismissal = DuplicateDismissal(
            person_low_id=low, person_high_id=high, dismissed_by=request.user, note=note
        )
        dismissal.full_clean()
        dismissal.save()
    messages.success(
        request,
        _("“%(first)s” and “%(second)s” are no longer proposed as duplicates.")
        % {"first": first.label_for(request.user), "second": second.label_for(request.user)},
    )
    page = request.POST.get("page", "")
    target = redirect("cases:person-duplicates")
    if page.isdigit():
        target["Location"] += f"?page={page}"
    return target


# Merge ---------------------------------------------------------------------------------------


FILL_LABELS = {
    "name_khmer": gettext_lazy("Name in Khmer script"),
    "sex": gettext_lazy("Sex"),
    "birth": gettext_lazy("Born"),
    "nationality": gettext_lazy("Nationality"),
    "group": gettext_lazy("Group"),
    "contact": gettext_lazy("Contact details"),
    "notes": gettext_lazy("Notes"),
    "source": gettext_lazy("Source"),
}


class MergeForm(forms.Form):
    fill = forms.MultipleChoiceField(
        label=gettext_lazy("Take from the other record (the survivor's own is empty)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    keep_spellings = forms.BooleanField(
        label=gettext_lazy("Keep the other record's name and aliases as aliases"),
        required=False,
        initial=True,
    )
    note = forms.CharField(
        label=gettext_lazy("Why they are one person (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    survivor_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31)
    merged_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31)

    def __init__(self, *args, fillable: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fill"].choices = [(key, FILL_LABELS[key]) for key in fillable]
        self.fields["fill"].initial = list(fillable)
        if not fillable:
            del self.fields["fill"]


@dataclass(frozen=True)
class FieldRow:
    """One line of the side-by-side comparison."""

    label: str
    survivor: object
    merged: object
    outcome: str


def side_by_side(plan) -> list[FieldRow]:
    """Return both records field by field, with what the merge does to each."""
    survivor, merged = plan.survivor, plan.merged
    rows = []
    for key, text in FILL_LABELS.items():
        if key == "birth":
            mine, theirs = survivor.birth, merged.birth
        elif key == "group":
            mine, theirs = survivor.group, merged.group
        elif key == "sex":
            mine, theirs = survivor.get_sex_display(), merged.get_sex_display()
        else:
            mine, theirs = getattr(survivor, key), getattr(merged, key)
        if key in plan.fillable:
            outcome = _("can be taken from the other")
        elif theirs and mine and theirs != mine:
            outcome = _("the survivor's is kept")
        else:
            outcome = "—"
        rows.append(FieldRow(str(text), mine or "—", theirs or "—", outcome))
    rows.insert(
        1,
        FieldRow(
            _("Aliases and other spellings"),
            ", ".join(survivor.alias_list) or "—",
            ", ".join(merged.alias_list) or "—",
            _("the other's name and aliases are added (if ticked below)"),
        ),
    )
    roles = ", ".join(str(role) for role in plan.roles_added)
    rows.append(
        FieldRow(
            _("Roles"),
            ", ".join(str(role) for role in survivor.roles.all()) or "—",
            ", ".join(str(role) for role in merged.roles.all()) or "—",
            _("added: %(roles)s") % {"roles": roles} if roles else "—",
        )
    )
    if plan.protection:
        rows.append(
            FieldRow(
                _("Protected identity"),
                _("no"),
                _("yes"),
                _("the survivor becomes protected, pseudonym “%(pseudonym)s”")
                % {"pseudonym": plan.protection["pseudonym"]},
            )
        )
    return rows


def movement_summary(plan) -> list[tuple[str, int, list[str]]]:
    """Return, per kind of record, how many move and a few examples the user can follow."""
    moves: dict[str, list[str]] = {}
    for move in plan.moves:
        row = move.row
        kind = str(capfirst(row._meta.verbose_name_plural))
        if isinstance(row, CaseParty):
            text = f"{row.case.reference}: {row.get_role_display()}"
        else:
            text = move.label
        moves.setdefault(kind, []).append(text)
    return [(kind, len(items), items[:20]) for kind, items in sorted(moves.items())]


def mergeable_person(request, pk: int) -> Person:
    """Return a person the user may merge: visible (404), and cleared if protected (403)."""
    person = get_object_or_404(
        Person.objects.visible_to(request.user).select_related("group"), pk=pk
    )
    if person.is_protected and not access.sees_protected_identities(request.user):
        raise PermissionDenied(_("Only users cleared to see protected identities may merge them."))
    return person


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(MERGE, raise_exception=True)
def merge(request, pk: int, other_pk: int):
    """Show both records side by side and what moves; merge the second into the first."""
    survivor, merged = mergeable_person(request, pk), mergeable_person(request, other_pk)
    if survivor.pk == merged.pk:
        raise Http404
    plan = plan_merge(survivor=survivor, merged=merged)
    initial = {"survivor_version": survivor.version, "merged_version": merged.version}
    form = MergeForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        fillable=plan.fillable,
    )
    status = 409 if request.method == "POST" and plan.blocking else 200
    if request.method == "POST" and form.is_valid() and not plan.blocking:
        data = form.cleaned_data
        try:
            record = merge_people(
                survivor=survivor,
                merged=merged,
                by=request.user,
                fill=data.get("fill", []),
                keep_spellings=data["keep_spellings"],
                note=data["note"],
                versions=(data["survivor_version"], data["merged_version"]),
            )
        except MergeRefused as refused:
            for message in refused.messages:
                form.add_error(None, message)
            status = 409
        else:
            messages.success(
                request,
                _("Merged “%(merged)s” into “%(survivor)s”. You can undo it on this page.")
                % {
                    "merged": merged.label_for(request.user),
                    "survivor": survivor.label_for(request.user),
                },
            )
            return redirect(record)
    context = {
        "survivor": survivor,
        "merged": merged,
        "survivor_label": survivor.label_for(request.user),
        "merged_label": merged.label_for(request.user),
        "plan": plan,
        "fields": side_by_side(plan),
        "movements": movement_summary(plan),
        "set_aside": [f"{capfirst(row._meta.verbose_name)} #{row.pk}" for row in plan.set_aside],
        "folded": [party.case.reference for party, _twin in plan.folded],
        "form": form,
    }
    return render(request, "cases/merge_confirm.html", context, status=status)


# Merges and undo -----------------------------------------------------------------------------


def touched_cases(record: MergeRecord) -> set[int]:
    """Return the cases whose records a merge moved or set aside."""
    by_model: dict[str, set[int]] = {}
    for step in record.journal:
        if step["op"] in ("move", "set_aside"):
            by_model.setdefault(step["model"], set()).add(step["pk"])
    cases: set[int] = set()
    for label, pks in by_model.items():
        model = apps.get_model(label)
        names = {f.name for f in model._meta.concrete_fields}
        path = "case" if "case" in names else "party__case" if "party" in names else None
        if path:
            rows = model._base_manager.filter(pk__in=pks).values_list(path, flat=True)
            cases.update(pk for pk in rows if pk is not None)
    return cases


def merges_visible_to(user):
    """Return the merges of people the user may see, in cases the user may see."""
    visible = Person.all_objects.visible_to(user).values("pk")
    records = MergeRecord.objects.for_list().filter(survivor__in=visible, merged__in=visible)
    if access.sees_all_cases(user):
        return records
    # A merge moves links out of cases the user may not see: keep those merges out of sight.
    seen = set(Case.all_objects.visible_to(user).values_list("pk", flat=True))
    hidden = [record.pk for record in records if not touched_cases(record) <= seen]
    return records.exclude(pk__in=hidden)


@require_safe
@permission_required(SUPERVISE, raise_exception=True)
def merge_list(request):
    """List the merges, newest first, with a way to undo each."""
    records = merges_visible_to(request.user)
    page = Paginator(records, settings.PAGINATE_BY).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/merge_list.html",
        {"page_obj": page, "paginator": page.paginator, "records": page.object_list},
    )


def visible_merge(request, pk: int) -> MergeRecord:
    return get_object_or_404(merges_visible_to(request.user), pk=pk)


def journal_summary(record: MergeRecord) -> list[tuple[str, str, int]]:
    """Return (kind of record, what happened, how many) from a merge's journal."""
    counts: Counter = Counter()
    for step in record.journal:
        if step["op"] in ("move", "set_aside"):
            model = apps.get_model(step["model"])
            counts[(str(capfirst(model._meta.verbose_name_plural)), step["op"])] += 1
    words = {
        "move": _("moved to the survivor"),
        "set_aside": _("set aside (the survivor had its twin)"),
    }
    return [(kind, words[op], count) for (kind, op), count in sorted(counts.items())]


@require_safe
@permission_required(SUPERVISE, raise_exception=True)
def merge_detail(request, pk: int):
    """Show what a merge moved, and undo it (or say why it cannot be undone)."""
    record = visible_merge(request, pk)
    filled = [Person._meta.get_field(step["field"]).verbose_name for step in record.steps("field")]
    context = {
        "record": record,
        "survivor_label": record.survivor.label_for(request.user),
        "merged_label": record.merged.label_for(request.user),
        "summary": journal_summary(record),
        "filled": filled,
        "roles_added": sum(len(step["added"]) for step in record.steps("roles")),
        "problems": [] if record.is_undone else find_undo_problems(record),
        "can_undo": request.user.has_perms(MERGE),
    }
    return render(request, "cases/merge_detail.html", context)


@require_POST
@permission_required(MERGE, raise_exception=True)
def merge_undo(request, pk: int):
    """Undo a merge: both people and every link as they were, or say what prevents it."""
    record = visible_merge(request, pk)
    if (record.survivor.is_protected or record.merged.is_protected) and not (
        access.sees_protected_identities(request.user)
    ):
        raise PermissionDenied(_("Only users cleared to see protected identities may do this."))
    try:
        undo_merge(record=record, by=request.user)
    except MergeRefused as refused:
        messages.error(request, " ".join(refused.messages))
        return redirect(record)
    messages.success(
        request,
        _("The merge is undone: “%(merged)s” is a record of its own again.")
        % {"merged": record.merged.label_for(request.user)},
    )
    return redirect(record)
