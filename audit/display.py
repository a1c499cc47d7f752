"""Show audit events to people: field labels, readable values, names they may see.

Values are stored as JSON (primary keys, ISO dates, choice codes); here they become "Pretrial
detention", "3 March 2023", the court's name. Related records are looked up once per model
for a whole page, so a page costs the same for 1 or 50 events. A protected identity's fields
are masked for whoever may not see protected identities.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .models import Action, AuditEvent

PROTECTED_PERMISSION = "cases.view_protected_identity"
HISTORY_PERMISSION = "cases.manage_all_cases"
MASK = "••••••"


def model_of(label: str) -> type[models.Model] | None:
    """Return the model named ``app_label.model_name``, or None when there is none (any more)."""
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def record_label(obj: models.Model, user) -> str:
    """Name a record as this user may see it (pseudonyms for protected identities)."""
    if isinstance(obj, get_user_model()):
        return obj.get_full_name() or obj.get_username()
    label_for = getattr(obj, "label_for", None)
    return label_for(user) if label_for else str(obj)


def record_labels(model: type[models.Model], pks: Iterable[Any], user) -> dict[str, str]:
    """Return ``{str(pk): label}`` for these records, deleted ones included, in one query."""
    pks = {pk for pk in pks if pk not in (None, "")}
    if not pks:
        return {}
    rows = model._base_manager.all()
    if related := getattr(model, "label_related", ()):
        rows = rows.select_related(*related)
    return {str(obj.pk): record_label(obj, user) for obj in rows.filter(pk__in=pks)}


def history_url(model_label: str, object_id: str) -> str:
    app_label, _sep, model_name = model_label.partition(".")
    try:
        return reverse("audit:history", args=[app_label, model_name, object_id])
    except NoReverseMatch:
        return ""


def may_see_history(user) -> bool:
    return user.is_authenticated and user.has_perm(HISTORY_PERMISSION)


@dataclass(frozen=True)
class Change:
    """One field of one event: its label and its value before and after, as shown."""

    field: str
    before: str
    after: str


@dataclass
class ShownEvent:
    event: AuditEvent
    changes: list[Change] = field(default_factory=list)

    @property
    def model_name(self) -> str:
        model = model_of(self.event.model) if self.event.model else None
        return str(capfirst(model._meta.verbose_name)) if model else self.event.model

    @property
    def history_url(self) -> str:
        if not (self.event.model and self.event.object_id):
            return ""
        return history_url(self.event.model, self.event.object_id)


class ValueFormatter:
    """Turn stored values into text, resolving related records in one query per model."""

    def __init__(self, events: list[AuditEvent], user):
        self.user = user
        self.labels: dict[type[models.Model], dict[str, str]] = {}
        self.masked_records = self._masked_records(events)
        wanted: dict[type[models.Model], set] = defaultdict(set)
        for event in events:
            model = model_of(event.model) if event.model else None
            for name, pair in event.changes.items():
                target = self._related_model(model, name)
                if target is None:
                    continue
                for value in pair:
                    wanted[target].update(value if isinstance(value, list) else [value])
        for target, pks in wanted.items():
            self.labels[target] = record_labels(target, pks, user)

    def _masked_records(self, events: list[AuditEvent]) -> set[tuple[str, str]]:
        """Return the records whose identity fields this user may not see, on this page."""
        if self.user.has_perm(PROTECTED_PERMISSION):
            return set()
        masked = {(e.model, e.object_id) for e in events if e.sensitive}
        candidates: dict[str, set[str]] = defaultdict(set)
        for event in events:
            model = model_of(event.model) if event.model else None
            if model is not None and getattr(model, "protected_identity_fields", ()):
                candidates[event.model].add(event.object_id)
        for label, ids in candidates.items():
            # Protected now: earlier events, written before the protection, are masked too.
            protected = model_of(label)._base_manager.filter(pk__in=ids, is_protected=True)
            masked |= {(label, str(pk)) for pk in protected.values_list("pk", flat=True)}
        return masked

    @staticmethod
    def _related_model(model, name: str) -> type[models.Model] | None:
        if model is None:
            return None
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:  # a field since removed: shown as stored
            return None
        if model_field.is_relation and (model_field.many_to_one or model_field.many_to_many):
            return model_field.related_model
        if model_field.is_relation and model_field.one_to_one and model_field.concrete:
            return model_field.related_model
        return None

    def label(self, model, name: str) -> str:
        try:
            return str(capfirst(model._meta.get_field(name).verbose_name))
        except FieldDoesNotExist:
            return name

    def value(self, model, name: str, value: Any) -> str:
        if value in (None, "", []):
            return "—"
        if model is None:
            return str(value)
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return str(value)
        target = self._related_model(model, name)
        if target is not None:
            labels = self.labels.get(target, {})
            values = value if isinstance(value, list) else [value]
            return ", ".join(
                labels.get(str(v))
                or _("%(model)s #%(pk)s (removed)") % {"model": target._meta.verbose_name, "pk": v}
                for v in values
            )
        if getattr(model_field, "flatchoices", None):
            return str(dict(model_field.flatchoices).get(value, value))
        if isinstance(model_field, models.BooleanField):
            return _("yes") if value else _("no")
        if isinstance(model_field, models.DateTimeField):
            return format_datetime(value)
        if isinstance(model_field, models.DateField):
            return format_date(value)
        return str(value)

    def changes(self, event: AuditEvent) -> list[Change]:
        model = model_of(event.model) if event.model else None
        hidden = set()
        if (event.model, event.object_id) in self.masked_records:
            hidden = set(getattr(model, "protected_identity_fields", ()))
        shown = []
        for name, (before, after) in event.changes.items():
            if name in hidden:
                shown.append(Change(self.label(model, name), MASK, MASK))
                continue
            shown.append(
                Change(
                    self.label(model, name),
                    self.value(model, name, before),
                    self.value(model, name, after),
                )
            )
        return shown


def format_date(value: str) -> str:
    try:
        return formats.date_format(dt.date.fromisoformat(value), "DATE_FORMAT")
    except (TypeError, ValueError):
        return str(value)


def format_datetime(value: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "DATETIME_FORMAT")


def show_events(events: Iterable[AuditEvent], user) -> list[ShownEvent]:
    """Return the events with their changes ready to show, in a fixed number of queries."""
    events = list(events)
    formatter = ValueFormatter(events, user)
    return [ShownEvent(event, formatter.changes(event)) for event in events]


@dataclass(frozen=True)
class Conflict:
    """What the person whose edit was refused is shown: who changed what since they opened it."""

    message: str
    events: list[ShownEvent]
    history_url: str


def describe_conflict(record: models.Model, *, based_on: int, user, label: str) -> Conflict:
    """Explain that ``record`` changed after version ``based_on``: by whom, when, and how."""
    from .trail import changes_since, latest_change

    events = changes_since(record, based_on)
    latest = events[-1] if events else latest_change(record)
    if latest is not None:
        message = _(
            "“%(record)s” was changed by %(actor)s on %(when)s, after you opened this form. "
            "Nothing you entered has been saved: it is kept below. Compare it with the "
            "current values, then save again."
        ) % {
            "record": label,
            "actor": latest.actor_label,
            "when": formats.date_format(timezone.localtime(latest.at), "DATETIME_FORMAT"),
        }
    else:
        message = _(
            "“%(record)s” was changed by someone else after you opened this form. Nothing you "
            "entered has been saved: it is kept below. Compare it with the current values, "
            "then save again."
        ) % {"record": label}
    shown = show_events([e for e in events if e.action != Action.VIEW], user)
    url = ""
    if may_see_history(user):
        url = history_url(record._meta.label_lower, str(record.pk))
    return Conflict(message=message, events=shown, history_url=url)
