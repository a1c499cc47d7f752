"""An import: the uploaded file, its check row by row, and whether it was written."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A running step updates the job at least this often; longer silence means it stopped.
STALLED_AFTER = dt.timedelta(minutes=10)


def upload_path(instance: ImportJob, filename: str) -> str:
    """Store under a random name: the original name (which may name a person) stays in the row."""
    return f"imports/{uuid.uuid4().hex}.{instance.file_format}"


class ImportJobQuerySet(models.QuerySet):
    def owned_by(self, user):
        """Return the user's own imports: nobody else sees what someone uploaded."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(created_by=user)


class ImportJob(models.Model):
    """One uploaded file of one kind, checked in the background, written once confirmed."""

    class Kind(models.TextChoices):
        PERSONS = "persons", _("People")
        CASES = "cases", _("Cases")
        DETENTIONS = "detentions", _("Detentions (a prisoner list)")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be checked")
        CHECKING = "checking", _("Checking")
        REFUSED = "refused", _("File refused")
        INVALID = "invalid", _("Rows with errors")
        READY = "ready", _("Checked: waiting for your confirmation")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Not imported")
        CANCELLED = "cancelled", _("Cancelled")

    RUNNING = (Status.QUEUED, Status.CHECKING, Status.IMPORTING)
    # Nothing more will happen to these: their file is deleted.
    FINISHED = (Status.REFUSED, Status.INVALID, Status.DONE, Status.FAILED, Status.CANCELLED)

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file_format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    status = models.CharField(
        _("status"), max_length=9, choices=Status.choices, default=Status.QUEUED
    )
    original_name = models.CharField(_("file name"), max_length=200)
    upload = models.FileField(_("file"), upload_to=upload_path, max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    language = models.CharField(_("language"), max_length=10, default="en")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    # The heartbeat of the running step (progress is written at least every few hundred rows).
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Which run holds the job: a run that lost it (a redelivered task took over) stops.
    runner = models.CharField(_("runner"), max_length=32, blank=True)
    total_rows = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(_("rows done"), default=0)
    error_rows = models.PositiveIntegerField(_("rows with errors"), default=0)
    warning_rows = models.PositiveIntegerField(_("rows with warnings"), default=0)
    # {"create": {"person": 3, ...}, "update": {...}}: planned after the check, done after import.
    planned = models.JSONField(_("planned"), default=dict, blank=True)
    written = models.JSONField(_("written"), default=dict, blank=True)
    # What is wrong with the file as a whole, or why the import stopped: translated sentences.
    problems = models.JSONField(_("problems"), default=list, blank=True)
    notes = models.JSONField(_("notes"), default=list, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["created_by", "-created_at"], name="import_by_user")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"

    def get_absolute_url(self) -> str:
        return reverse("imports:job", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def is_stalled(self) -> bool:
        """Return True when a running step has not reported for a long time (server restart)."""
        return self.is_running and timezone.now() - self.updated_at > STALLED_AFTER

    @property
    def percent(self) -> int | None:
        if not self.total_rows:
            return None
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def shows_rows(self) -> bool:
        """Return True when the row-by-row report is worth showing."""
        return self.status in (
            self.Status.INVALID,
            self.Status.READY,
            self.Status.IMPORTING,
            self.Status.DONE,
            self.Status.FAILED,
        )


class ImportRowQuerySet(models.QuerySet):
    def with_errors(self):
        return self.filter(has_errors=True)

    def with_warnings(self):
        return self.filter(has_warnings=True)


class ImportRow(models.Model):
    """What one row of the file would do (or did), and what is wrong with it."""

    job = models.ForeignKey(
        ImportJob, verbose_name=_("import"), on_delete=models.CASCADE, related_name="rows"
    )
    number = models.PositiveIntegerField(_("row"))
    # [{"verb": "create", "text": "..."}, ...]: what the row writes, in the uploader's language.
    actions = models.JSONField(_("actions"), default=list, blank=True)
    # [{"column": "sex", "message": "..."}]
    errors = models.JSONField(_("errors"), default=list, blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    has_errors = models.BooleanField(_("has errors"), default=False)
    has_warnings = models.BooleanField(_("has warnings"), default=False)

    objects = ImportRowQuerySet.as_manager()

    class Meta:
        ordering = ["job", "number"]
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="importrow_one_per_number")
        ]
        indexes = [
            models.Index(fields=["job", "has_errors", "number"], name="importrow_errors"),
            models.Index(fields=["job", "has_warnings", "number"], name="importrow_warnings"),
        ]

    def __str__(self) -> str:
        return _("Row %(number)s") % {"number": self.number}
