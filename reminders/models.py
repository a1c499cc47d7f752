"""The reminder outbox, in-app notifications, delivery preferences and calendar feeds.

The database is the source of truth. Each reminder is a row keyed by (kind, record, deadline,
offset, recipient), so planning it twice is a no-op; a pass claims due rows and queues their
delivery; delivery re-reads the row and stops if it was already sent.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .kinds import Kind


class RecordType(models.TextChoices):
    HEARING = "hearing", _("Hearing")
    DETENTION = "detention", _("Detention")
    OUTCOME = "outcome", _("Trial outcome")
    FOLLOWUP = "followup", _("Follow-up")


class ReminderQuerySet(models.QuerySet):
    def due(self, *, now):
        """Return pending reminders due by ``now``, oldest first (the dispatcher's query)."""
        return self.filter(status=Reminder.Status.PENDING, due_at__lte=now).order_by("due_at")

    def stuck(self, *, before):
        """Return reminders claimed before ``before`` and still not delivered."""
        return self.filter(status=Reminder.Status.CLAIMED, claimed_at__lt=before).order_by(
            "claimed_at"
        )

    def for_record(self, record_type: str, record_id: int):
        return self.filter(record_type=record_type, record_id=record_id)

    def pending(self):
        return self.filter(status=Reminder.Status.PENDING)


class Reminder(models.Model):
    """One reminder for one recipient: an outbox row."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CLAIMED = "claimed", _("Being sent")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped (too late)")
        SUPERSEDED = "superseded", _("Superseded")

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    record_type = models.CharField(_("record type"), max_length=10, choices=RecordType.choices)
    record_id = models.BigIntegerField(_("record"))
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
    )
    deadline = models.DateTimeField(_("deadline"))
    offset_days = models.SmallIntegerField(
        _("days before the deadline"), help_text=_("Negative: days after it.")
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    status_note = models.CharField(_("why"), max_length=200, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    emailed = models.BooleanField(_("e-mailed"), default=False)
    attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)
    created_at = models.DateTimeField(_("planned at"), default=timezone.now)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "record_type", "record_id", "deadline", "offset_days", "recipient"],
                name="reminder_once",
            ),
            models.CheckConstraint(
                condition=~Q(status="claimed") | Q(claimed_at__isnull=False),
                name="reminder_claimed_has_time",
                violation_error_message=_("A claimed reminder records when it was claimed."),
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="reminder_sent_has_time",
                violation_error_message=_("A sent reminder records when it was sent."),
            ),
        ]
        indexes = [
            # The dispatcher's query: only pending rows are indexed, so its cost follows the
            # rows waiting, not the history of everything ever sent.
            models.Index(
                fields=["due_at"], name="reminder_due_pending", condition=Q(status="pending")
            ),
            models.Index(
                fields=["claimed_at"], name="reminder_claimed", condition=Q(status="claimed")
            ),
            models.Index(fields=["record_type", "record_id", "status"], name="reminder_record"),
            models.Index(fields=["recipient", "-due_at"], name="reminder_recipient"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient} ({self.due_at:%Y-%m-%d %H:%M})"

    def domain_errors(self) -> dict:
        errors = {}
        if self.status == self.Status.CLAIMED and not self.claimed_at:
            errors["claimed_at"] = _("A claimed reminder records when it was claimed.")
        if self.status == self.Status.SENT and not self.sent_at:
            errors["sent_at"] = _("A sent reminder records when it was sent.")
        return errors

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = self.domain_errors()
        if errors:
            raise ValidationError(errors)


class PassRun(models.Model):
    """One reminder pass: when it ran and what it did (the next pass reads the last one)."""

    started_at = models.DateTimeField(_("started at"), db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    stats = models.JSONField(_("what it did"), default=dict, blank=True)

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"
        verbose_name = _("reminder pass")
        verbose_name_plural = _("reminder passes")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def last_started(cls):
        """Return when the last finished pass started, or None before the first one."""
        return (
            cls.objects.filter(finished_at__isnull=False)
            .order_by("-started_at")
            .values_list("started_at", flat=True)
            .first()
        )


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A message in a user's in-app inbox."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    reminder = models.OneToOneField(
        Reminder,
        verbose_name=_("reminder"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notification",
    )
    kind = models.CharField(_("kind"), max_length=24)
    title = models.CharField(_("title"), max_length=250)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["user"], name="notification_unread", condition=Q(read_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def mark_read(self) -> None:
        if self.read_at is None:
            self.read_at = timezone.now()
            self.save(update_fields=["read_at"])


class ReminderPreference(models.Model):
    """What one user receives and how: kinds muted, e-mail on or off, daily digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="reminder_preference",
    )
    muted_kinds = models.JSONField(_("kinds not wanted"), default=list, blank=True)
    email = models.BooleanField(_("also by e-mail"), default=True)
    daily_digest = models.BooleanField(
        _("daily digest"),
        default=False,
        help_text=_("One e-mail a day instead of one per reminder (in-app notices still arrive)."),
    )

    class Meta:
        verbose_name = _("reminder preference")
        verbose_name_plural = _("reminder preferences")

    def __str__(self) -> str:
        return str(self.user)

    def wants(self, kind: str) -> bool:
        return kind not in (self.muted_kinds or [])

    def clean(self):
        from django.core.exceptions import ValidationError

        unknown = set(self.muted_kinds or []) - set(Kind.values)
        if unknown:
            raise ValidationError({"muted_kinds": _("Unknown reminder kind.")})


class Digest(models.Model):
    """One daily digest e-mail for one user and day: the key makes it once a day."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="digests",
    )
    day = models.DateField(_("day"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    reminders = models.PositiveIntegerField(_("reminders in it"), default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("digest")
        verbose_name_plural = _("digests")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_once_a_day")]

    def __str__(self) -> str:
        return f"{self.user} {self.day}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeed(models.Model):
    """A private calendar URL: only the token's hash is stored, so it can be revoked, not read."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)

    @classmethod
    def issue(cls, user) -> str:
        """Create or replace the user's feed and return its new secret token (shown once)."""
        token = secrets.token_urlsafe(32)
        cls.objects.update_or_create(user=user, defaults={"token_hash": hash_token(token)})
        return token

    @classmethod
    def for_token(cls, token: str) -> CalendarFeed | None:
        return (
            cls.objects.select_related("user")
            .filter(token_hash=hash_token(token), user__is_active=True)
            .first()
        )
