"""Deleted records: what supervisors deleted, newest first, and the way back (restore)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import CharField, F, Value
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from audit.display import history_url, record_labels
from cases.models.base import SoftDeletable
from cases.services.records import deleted_parents, deleted_with, restore_record

from .base import perm


def deletable_models() -> dict[str, type[SoftDeletable]]:
    """Return the soft-deletable models of the domain by model name, in menu order."""
    found = [
        model
        for model in apps.get_app_config("cases").get_models()
        if issubclass(model, SoftDeletable)
    ]
    return {
        model._meta.model_name: model
        for model in sorted(found, key=lambda m: str(m._meta.verbose_name_plural))
    }


def deleted_roots(model: type[SoftDeletable]):
    """Return the deleted rows of ``model`` that were not deleted along with a parent.

    A case deleted with its hearings shows once, as the case: restoring it restores them.
    """
    rows = model.all_objects.filter(deleted_at__isnull=False)
    for field in model._meta.concrete_fields:
        target = field.related_model if field.is_relation else None
        if (
            target is not None
            and issubclass(target, SoftDeletable)
            and field.remote_field.on_delete is models.CASCADE
        ):
            rows = rows.exclude(**{f"{field.name}__deleted_at": F("deleted_at")})
    return rows


class DeletedFilter(forms.Form):
    type = forms.ChoiceField(label=gettext_lazy("Record type"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", _("All types"))] + [
            (name, capfirst(model._meta.verbose_name_plural))
            for name, model in deletable_models().items()
        ]


@dataclass(frozen=True)
class DeletedRow:
    model: type[SoftDeletable]
    pk: int
    label: str
    deleted_at: object
    deleted_by: str

    @property
    def model_name(self) -> str:
        return self.model._meta.model_name

    @property
    def type_label(self) -> str:
        return str(capfirst(self.model._meta.verbose_name))

    @property
    def history_url(self) -> str:
        return history_url(self.model._meta.label_lower, str(self.pk))


def deleted_rows(page_rows: list[dict], user) -> list[DeletedRow]:
    """Return the page's rows with their labels and deleters: one query per type and one more."""
    models_by_name = deletable_models()
    by_type: dict[str, set[int]] = defaultdict(set)
    for row in page_rows:
        by_type[row["record_type"]].add(row["record"])
    labels = {name: record_labels(models_by_name[name], pks, user) for name, pks in by_type.items()}
    users = get_user_model()._base_manager.in_bulk({row["by"] for row in page_rows} - {None})
    return [
        DeletedRow(
            model=models_by_name[row["record_type"]],
            pk=row["record"],
            label=labels[row["record_type"]].get(str(row["record"]), f"#{row['record']}"),
            deleted_at=row["deleted_at"],
            deleted_by=users[row["by"]].get_username() if row["by"] in users else "",
        )
        for row in page_rows
    ]


@require_safe
@permission_required("cases.manage_all_cases", raise_exception=True)
def deleted_list(request):
    """List the deleted records, newest first, by type, with a restore button."""
    form = DeletedFilter(request.GET or None)
    chosen = form.cleaned_data["type"] if form.is_valid() else ""
    models_by_name = deletable_models()
    names = [chosen] if chosen else list(models_by_name)
    parts = [
        deleted_roots(models_by_name[name])
        .annotate(
            record_type=Value(name, output_field=CharField()),
            record=F("pk"),
            by=F("deleted_by"),
        )
        .values("record_type", "record", "deleted_at", "by")
        .order_by()
        for name in names
    ]
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    rows = rows.order_by("-deleted_at", "record_type", "-record")
    page = Paginator(rows, settings.PAGINATE_BY).get_page(request.GET.get("page"))
    context = {
        "filter_form": form,
        "page_obj": page,
        "paginator": page.paginator,
        "rows": deleted_rows(list(page.object_list), request.user),
        "is_filtered": bool(chosen),
    }
    return render(request, "cases/deleted_list.html", context)


def deleted_record(request, model_name: str, pk: int) -> SoftDeletable:
    """Return the deleted record, 404 when there is none; 403 without the delete permission."""
    model = deletable_models().get(model_name)
    if model is None:
        raise Http404
    record = model.all_objects.filter(pk=pk, deleted_at__isnull=False).first()
    if record is None:
        raise Http404
    if not request.user.has_perm(perm(model, "delete")):
        raise PermissionDenied(_("You may not restore this kind of record."))
    return record


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("cases.manage_all_cases", raise_exception=True)
def restore(request, model_name: str, pk: int):
    """Ask for confirmation, then restore the record and what was deleted with it."""
    record = deleted_record(request, model_name, pk)
    label = record_labels(type(record), [record.pk], request.user).get(str(record.pk), "")
    if request.method == "POST":
        try:
            restore_record(record=record, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("cases:deleted-restore", model_name, pk)
        messages.success(request, _("Restored “%(record)s”.") % {"record": label})
        page = getattr(record, "get_absolute_url", None)
        return redirect(page() if page else "cases:deleted-list")
    together = deleted_with(record)[1:]
    counts: dict[str, int] = defaultdict(int)
    for row in together:
        counts[str(row._meta.verbose_name_plural)] += 1
    context = {
        "record": record,
        "label": label,
        "type_label": capfirst(record._meta.verbose_name),
        "together": sorted(counts.items()),
        "blocking": [
            f"{capfirst(parent._meta.verbose_name)} #{parent.pk}"
            for parent in deleted_parents(record)
        ],
        "deleted_by": record.deleted_by.get_username() if record.deleted_by_id else "",
        "history_url": history_url(record._meta.label_lower, str(record.pk)),
    }
    return render(request, "cases/deleted_restore.html", context)
