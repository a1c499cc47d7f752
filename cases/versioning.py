"""Many-to-many changes (a case's monitors, a person's roles) move the record's version too.

A form saves the row, then its many-to-many fields: without this, a second form opened before
someone changed only the monitors would save its stale list of monitors over theirs. A signal
rather than domain code because it must hold for every path (forms, admin, services, shell);
like the audit trail, versioning is bookkeeping, not domain flow (see CONVENTIONS.md).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F
from django.db.models.signals import m2m_changed

from cases.models.base import Versioned


def bump_versions(model: type[models.Model], pks) -> int:
    """Increase the version of these rows by one; return how many rows moved."""
    # Not audited here: the change of the many-to-many field is the audited event.
    rows = model._base_manager.filter(pk__in=list(pks))
    return rows.update(version=F("version") + 1)  # audit: the m2m change is the event


def _m2m_field(model: type[models.Model], through) -> models.ManyToManyField | None:
    for field in model._meta.many_to_many:
        if field.remote_field.through is through:
            return field
    return None


def on_m2m_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """Bump the version of the records whose many-to-many field changed."""
    owner = model if reverse else type(instance)
    if not (isinstance(owner, type) and issubclass(owner, Versioned)):
        return
    if action == "pre_clear" and reverse:
        field = _m2m_field(owner, sender)
        if field is not None:
            # Which records lose this related row: gone after the clear, so read them now.
            instance._versioning_cleared = list(
                sender.objects.filter(**{field.m2m_reverse_field_name(): instance.pk}).values_list(
                    field.m2m_field_name(), flat=True
                )
            )
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        if action == "post_clear" or pk_set:
            bump_versions(owner, [instance.pk])
            instance.version += 1
        return
    pks = instance.__dict__.pop("_versioning_cleared", []) if action == "post_clear" else pk_set
    if pks:
        bump_versions(owner, pks)


def connect() -> None:
    m2m_changed.connect(on_m2m_changed, dispatch_uid="cases.versioning.m2m")
