"""The audit trail: one append-only row per change, view, export or sign-in."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")
    RESTORE = "restore", _("restored")
    VIEW = "view", _("viewed")
    EXPORT = "export", _("exported")
    LOGIN = "login", _("signed in")
    LOGOUT = "logout", _("signed out")
    LOGIN_FAILED = "login_failed", _("failed to sign in")
    ACCOUNT = "account", _("account changed")


class AppendOnlyError(Exception):
    """Raised by any attempt to change or remove an audit event."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events are append-only")

    def delete(self):
        raise AppendOnlyError("audit events are append-only")

    def for_object(self, obj: models.Model):
        return self.filter(model=obj._meta.label_lower, object_id=str(obj.pk))

    def for_record(self, model: str, object_id: str):
        return self.filter(model=model, object_id=object_id)


class AuditEvent(models.Model):
    """Who did what to which record, when, and each field's value before and after.

    ``model`` and ``object_id`` name the record as text (``cases.person``, ``"42"``), so an event
    outlives its record and its model. ``object_repr`` is neutral ("person #42"): never a name,
    a case reference or a title, which may reveal a protected identity. ``changes`` maps a field
    to ``[before, after]`` (dates as ISO strings, decimals as strings, foreign keys as primary
    keys, many-to-many fields as sorted lists of primary keys). ``sensitive`` marks an event whose
    values hold a protected identity: screens mask them for whoever may not see it.
    """

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        # Users are deactivated, never deleted: a user with a trail cannot be removed.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(
        _("actor"), max_length=200, help_text=_("A username, or “system: <command or task>”.")
    )
    # Not a choices field: new actions (from the accounts app) need no migration.
    action = models.CharField(_("action"), max_length=32, db_index=True)
    model = models.CharField(_("record type"), max_length=100, blank=True)
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    object_version = models.PositiveIntegerField(_("version after"), null=True, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    sensitive = models.BooleanField(_("holds a protected identity"), default=False)
    request_id = models.CharField(_("request"), max_length=32, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["model", "object_id", "-at"], name="audit_record"),
            models.Index(fields=["actor", "-at"], name="audit_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        """Insert the event; refuse to overwrite one (the trail is append-only)."""
        if not self._state.adding:
            raise AppendOnlyError("audit events are append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events are append-only")

    @property
    def action_label(self) -> str:
        try:
            return str(Action(self.action).label)
        except ValueError:
            return self.action
