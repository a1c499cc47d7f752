"""Record every create, update and delete of the audited models, whatever the path.

Model signals are the accepted exception to "no signals for domain flow" (CONVENTIONS.md):
the trail is cross-cutting bookkeeping and must hold for forms, the admin, services, commands,
fixtures, the shell and tasks alike. What signals cannot see (``QuerySet.update()``,
``bulk_create()``, raw SQL) is kept out of the code base by a test, or recorded explicitly.

Receivers are connected to the real model classes only, so migrations (historical models) are
not recorded: the audit table may not exist yet when they run.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from .models import Action
from .trail import diff, is_sensitive, record, serialise, snapshot

AUDITED_APPS = ("cases", "observations")
RAW_DETAIL = "raw save (fixture load)"


def audited_models() -> list[type[models.Model]]:
    return [model for app in AUDITED_APPS for model in apps.get_app_config(app).get_models()]


def before_save(sender, instance, raw, using, update_fields, **kwargs) -> None:
    """Keep the stored row's values, to compare them with what is saved."""
    stored = instance.__dict__.pop("_stored_row", None)
    if stored is None and instance.pk is not None and (raw or not instance._state.adding):
        # A fixture may overwrite an existing row: raw saves always compare with the table.
        # No ordering (Meta.ordering may join): one plain lookup by primary key.
        stored = sender._base_manager.using(using).filter(pk=instance.pk).order_by().first()
    instance._audit_before = snapshot(stored) if stored is not None else None


def after_save(sender, instance, created, raw, using, update_fields, **kwargs) -> None:
    before = instance.__dict__.pop("_audit_before", None)
    if before is None:
        action, changes = Action.CREATE, diff({}, snapshot(instance))
    else:
        after = snapshot(instance, fields=update_fields)
        changes = diff(before, after)
        if update_fields is not None:
            # Only the saved columns changed: the others are absent from ``after``, not empty.
            changes = {name: pair for name, pair in changes.items() if name in after}
        if not changes:
            return
        action = _action_of(changes)
    record(
        action=action,
        obj=instance,
        changes=changes,
        detail=RAW_DETAIL if raw else "",
        sensitive=is_sensitive(instance, before),
        using=using,
    )


def _action_of(changes: dict) -> str:
    """Name a change of ``deleted_at`` a deletion or a restore, anything else an update."""
    old, new = changes.get("deleted_at", [None, None])
    if old is None and new is not None:
        return Action.DELETE
    if old is not None and new is None:
        return Action.RESTORE
    return Action.UPDATE


def after_delete(sender, instance, using, **kwargs) -> None:
    """Record a removal from the database with every value the row held."""
    before = snapshot(instance)
    record(
        action=Action.DELETE,
        obj=instance,
        changes=diff(before, {}),
        detail="removed from the database",
        sensitive=is_sensitive(instance, before),
        using=using,
    )


# Many-to-many fields: read the links before the change, record the difference after it.


def _field_of(model: type[models.Model], through) -> models.ManyToManyField | None:
    for field in model._meta.many_to_many:
        if field.remote_field.through is through:
            return field
    return None


def _links(through, field, *, owners=None, targets=None, using) -> dict:
    """Return ``{owner pk: set of target pks}`` for the given owners or targets."""
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    rows = through._base_manager.using(using)
    if owners is not None:
        rows = rows.filter(**{f"{source}__in": list(owners)})
    if targets is not None:
        rows = rows.filter(**{f"{target}__in": list(targets)})
    links: dict = {}
    for owner, linked in rows.values_list(f"{source}_id", f"{target}_id"):
        links.setdefault(owner, set()).add(linked)
    return links


def m2m_changed_receiver(sender, instance, action, reverse, model, pk_set, using, **kwargs):
    owner_model = model if reverse else type(instance)
    field = _field_of(owner_model, sender)
    if field is None or action not in {
        "pre_add",
        "pre_remove",
        "pre_clear",
        "post_add",
        "post_remove",
        "post_clear",
    }:
        return
    if action.startswith("pre_"):
        if reverse:
            # The owners are the records on the other side: those named, or all linked.
            if action == "pre_clear":
                owners = _links(sender, field, targets=[instance.pk], using=using)
                before = _links(sender, field, owners=owners, using=using)
            else:
                before = _links(sender, field, owners=pk_set or (), using=using)
                for owner in pk_set or ():
                    before.setdefault(owner, set())
        else:
            before = _links(sender, field, owners=[instance.pk], using=using)
            before.setdefault(instance.pk, set())
        instance.__dict__.setdefault("_audit_m2m", {})[(field.name, reverse)] = before
        return
    before = instance.__dict__.get("_audit_m2m", {}).pop((field.name, reverse), {})
    changed = set(pk_set or ())
    for owner, old in before.items():
        if not reverse:
            new = set() if action == "post_clear" else _apply(action, old, changed)
        else:
            new = old - {instance.pk} if action != "post_add" else old | {instance.pk}
        if new != old:
            owner_obj = None if reverse else instance
            _record_m2m(owner_model, owner, owner_obj, field, old, new, using)


def _apply(action: str, old: set, changed: set) -> set:
    return old | changed if action == "post_add" else old - changed


def _record_m2m(owner_model, owner_pk, owner, field, old: set, new: set, using) -> None:
    changes = {field.name: [serialise(old), serialise(new)]}
    if owner is not None:
        record(action=Action.UPDATE, obj=owner, changes=changes, using=using)
    else:
        record(
            action=Action.UPDATE,
            model=owner_model,
            object_id=owner_pk,
            changes=changes,
            using=using,
        )


def connect() -> None:
    """Connect the receivers to every audited model and its many-to-many tables."""
    for model in audited_models():
        uid = model._meta.label_lower
        pre_save.connect(before_save, sender=model, dispatch_uid=f"audit.pre_save.{uid}")
        post_save.connect(after_save, sender=model, dispatch_uid=f"audit.post_save.{uid}")
        post_delete.connect(after_delete, sender=model, dispatch_uid=f"audit.post_delete.{uid}")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                m2m_changed_receiver,
                sender=field.remote_field.through,
                dispatch_uid=f"audit.m2m.{uid}.{field.name}",
            )
