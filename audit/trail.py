"""Write the audit trail: ``record()`` for explicit events, snapshots and diffs for changes."""

from __future__ import annotations

import datetime as dt
import decimal
import re
import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation

from . import context
from .models import Action, AuditEvent

# Columns that change on every save and say nothing about the record itself.
SKIPPED_FIELDS = frozenset({"created_at", "updated_at", "version"})
DETAIL_MAX = AuditEvent._meta.get_field("detail").max_length
ACTION_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,31}")


def serialise(value: Any) -> Any:
    """Return a JSON-safe form of a field value: ISO dates, decimal strings, plain scalars."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        # One spelling per instant, whatever time zone the value was given in.
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(serialise(item) for item in value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def snapshot(instance: models.Model, fields=None) -> dict[str, Any]:
    """Return ``{field name: value}`` for the concrete fields (foreign keys as primary keys)."""
    values = {}
    for field in instance._meta.concrete_fields:
        if field.primary_key or field.name in SKIPPED_FIELDS:
            continue
        if fields is not None and field.name not in fields and field.attname not in fields:
            continue
        values[field.name] = serialise(normalised(field, field.value_from_object(instance)))
    return values


def normalised(field: models.Field, value: Any) -> Any:
    """Return the value as the database gives it back: 1000000 and "1000000.00" are one amount."""
    if value is None or field.is_relation:
        return value
    try:
        value = field.to_python(value)
    except ValidationError:  # an invalid value is recorded as given
        return value
    if isinstance(field, models.DecimalField) and field.decimal_places is not None:
        return value.quantize(decimal.Decimal(1).scaleb(-field.decimal_places))
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """Return ``{field: [before, after]}`` for the fields whose value differs.

    A missing side counts as empty; a field empty on both sides is left out.
    """
    changes = {}
    for name in {**before, **after}:
        old, new = before.get(name), after.get(name)
        if old != new and not (old in (None, "") and new in (None, "")):
            changes[name] = [old, new]
    return dict(sorted(changes.items()))


def neutral_label(model: type[models.Model], pk: Any) -> str:
    """Name a record without its content: "person #42" never reveals who it is."""
    with translation.override(None):  # stored: the same words whatever the user's language
        return f"{model._meta.verbose_name} #{pk}"


def is_sensitive(instance: models.Model, before: dict[str, Any] | None = None) -> bool:
    """Return True when the record holds a protected identity now or did before the change."""
    if not getattr(type(instance), "protected_identity_fields", ()):
        return False
    return bool(getattr(instance, "is_protected", False) or (before or {}).get("is_protected"))


def record(
    *,
    action: str,
    obj: models.Model | None = None,
    actor=None,
    detail: str | Mapping[str, Any] = "",
    changes: dict | None = None,
    model: type[models.Model] | None = None,
    object_id: Any = None,
    sensitive: bool = False,
    using: str | None = None,
) -> AuditEvent:
    """Append one event; the actor is the current one (request user or system) unless given.

    ``action`` is one of ``Action`` or another short snake_case verb (the accounts app records
    "password_changed", "two_factor_enabled"...). ``actor`` may be a user (e.g. the user signing
    in, before the request knows them) or a string for a system actor ("system: nightly
    export"). ``obj`` or ``model`` and ``object_id`` name the record concerned, if any.
    ``detail`` is text, or a mapping written as "key=value, ...".
    """
    if not ACTION_PATTERN.fullmatch(str(action)):
        raise ValueError(f"not an audit action: {action!r}")
    action = str(action)
    if isinstance(detail, Mapping):
        detail = ", ".join(f"{key}={value}" for key, value in detail.items())
    current = context.current()
    if actor is None:
        user, label = current.user, current.name
    elif isinstance(actor, str):
        user, label = None, actor
    else:
        user, label = actor, actor.get_username()
    if obj is not None:
        model, object_id = type(obj), obj.pk
    event = AuditEvent(
        actor=user,
        actor_label=label[:200],
        action=action,
        model=model._meta.label_lower if model is not None else "",
        object_id="" if object_id is None else str(object_id),
        object_repr=neutral_label(model, object_id) if model is not None else "",
        object_version=getattr(obj, "version", None) if obj is not None else None,
        changes=changes or {},
        detail=detail[:DETAIL_MAX],
        sensitive=sensitive,
        request_id=current.request_id,
        ip_address=current.ip_address or None,
    )
    event.save(using=using or (obj._state.db if obj is not None else None))
    return event


def latest_change(obj: models.Model) -> AuditEvent | None:
    """Return the newest event that changed this record (not a view or an export)."""
    changing = [Action.CREATE, Action.UPDATE, Action.DELETE, Action.RESTORE]
    return AuditEvent.objects.for_object(obj).filter(action__in=changing).first()


def changes_since(obj: models.Model, version: int) -> list[AuditEvent]:
    """Return the events that changed this record after ``version``, oldest first."""
    events = AuditEvent.objects.for_object(obj).filter(object_version__gt=version)
    return list(events.exclude(action=Action.VIEW).order_by("at", "pk"))
