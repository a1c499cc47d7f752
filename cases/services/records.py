"""Delete and restore records: deletion marks rows, so a supervisor can undo it.

Deleting a record also marks what hangs off it (``on_delete=CASCADE``: a case's parties,
charges, outcomes, hearings and follow-ups; a detention's extension orders...), all with the
same time, and refuses while a live record still depends on it (``on_delete=PROTECT``: a court
with cases, a person with detentions), as a real delete would. Restoring brings back the record
and what was deleted with it (same time), and refuses while a record it hangs off is deleted.
Both are audited by the model signals as "delete" and "restore".
"""

from __future__ import annotations

from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from cases.models.base import SoftDeletable


class RecordInUse(ProtectedError):
    """Raised when live records still depend on the record to delete."""


def is_soft_deletable(model: type[models.Model]) -> bool:
    return issubclass(model, SoftDeletable)


def _dependents(record: models.Model, *, on_delete) -> Iterator[models.ForeignObjectRel]:
    """Yield the reverse relations of ``record`` to soft-deletable models, with this rule."""
    for relation in record._meta.related_objects:
        if relation.many_to_many or not is_soft_deletable(relation.related_model):
            continue
        if relation.on_delete in on_delete:
            yield relation


def cascade(record: SoftDeletable) -> list[SoftDeletable]:
    """Return the record and every live record deleted with it, parents before children."""
    found: list[SoftDeletable] = [record]
    seen = {(type(record), record.pk)}
    for current in found:  # grows while we walk it: breadth first
        for relation in _dependents(current, on_delete={models.CASCADE}):
            children = relation.related_model.objects.filter(**{relation.field.name: current})
            for child in children:
                if (type(child), child.pk) not in seen:
                    seen.add((type(child), child.pk))
                    found.append(child)
    return found


def blockers(records: list[SoftDeletable]) -> list[models.Model]:
    """Return the live records outside ``records`` that protect one of them from deletion."""
    doomed = {(type(r), r.pk) for r in records}
    blocking = []
    for record in records:
        for relation in _dependents(record, on_delete={models.PROTECT, models.RESTRICT}):
            rows = relation.related_model.objects.filter(**{relation.field.name: record})
            blocking += [row for row in rows[:20] if (type(row), row.pk) not in doomed]
    return blocking


@transaction.atomic
def delete_record(*, record: SoftDeletable, by) -> list[SoftDeletable]:
    """Mark a record and what hangs off it deleted; return them. Refuse if others depend on it."""
    record = type(record).all_objects.select_for_update().get(pk=record.pk)
    if record.is_deleted:
        raise ValidationError(_("This record is already deleted."))
    doomed = cascade(record)
    blocking = blockers(doomed)
    if blocking:
        raise RecordInUse(_("Other records still refer to this one."), set(blocking))
    now = timezone.now()
    for row in doomed:
        row.deleted_at = now
        row.deleted_by = by
        row.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    return doomed


def deleted_with(record: SoftDeletable) -> list[SoftDeletable]:
    """Return the record and the rows deleted in the same deletion, parents first."""
    found: list[SoftDeletable] = [record]
    seen = {(type(record), record.pk)}
    for current in found:
        for relation in _dependents(current, on_delete={models.CASCADE}):
            children = relation.related_model.all_objects.filter(
                **{relation.field.name: current, "deleted_at": record.deleted_at}
            )
            for child in children:
                if (type(child), child.pk) not in seen:
                    seen.add((type(child), child.pk))
                    found.append(child)
    return found


def deleted_parents(record: SoftDeletable) -> list[models.Model]:
    """Return the deleted records this one hangs off or needs (restore those first)."""
    parents = []
    for field in record._meta.concrete_fields:
        target = field.related_model if field.is_relation else None
        if target is None or not is_soft_deletable(target):
            continue
        if field.remote_field.on_delete not in (models.CASCADE, models.PROTECT, models.RESTRICT):
            continue  # SET_NULL: the link may point at a deleted record
        parent = getattr(record, field.name)
        if parent is not None and parent.is_deleted:
            parents.append(parent)
    return parents


@transaction.atomic
def restore_record(*, record: SoftDeletable, by) -> list[SoftDeletable]:
    """Bring back a deleted record and what was deleted with it; return them."""
    record = type(record).all_objects.select_for_update().get(pk=record.pk)
    if not record.is_deleted:
        raise ValidationError(_("This record is not deleted."))
    if getattr(record, "merged_into_id", None) is not None:
        # Its links were moved to another person: only undoing the merge puts them back.
        raise ValidationError(
            _("This person was merged into another: undo the merge instead (Merges of people).")
        )
    parents = deleted_parents(record)
    if parents:
        raise ValidationError(
            _("Restore first what it belongs to: %(records)s.")
            % {"records": ", ".join(f"{capfirst(p._meta.verbose_name)} #{p.pk}" for p in parents)}
        )
    restored = deleted_with(record)
    for row in restored:
        row.deleted_at = None
        row.deleted_by = None
        row.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    return restored
