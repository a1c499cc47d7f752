"""One row per export: what was asked for, how far it got, and its one-time download."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Private files live under MEDIA_ROOT, which is never served (there is no MEDIA_URL).
EXPORT_FOLDER = "exports"


def export_folder() -> Path:
    """Return the private folder of export files (read at run time: tests move MEDIA_ROOT)."""
    return Path(settings.MEDIA_ROOT) / EXPORT_FOLDER


class Format(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class Profile(models.TextChoices):
    REDACTED = "redacted", _("Redacted")
    FULL = "full", _("Full")


class ExportJobQuerySet(models.QuerySet):
    def of(self, user):
        return self.filter(user=user)

    def expired(self, *, now: dt.datetime):
        """Return the ready jobs whose link has run out: their files are to be deleted."""
        return self.filter(status=ExportJob.Status.READY, expires_at__lte=now)


class ExportJob(models.Model):
    """An export a user asked for: streamed at once, or built in the background.

    A background export ends as a file in the private folder, downloadable once by the user
    who asked, through a link carrying ``token``, until ``expires_at``.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Being prepared")
        READY = "ready", _("Ready to download")
        DOWNLOADED = "downloaded", _("Downloaded")
        EXPIRED = "expired", _("Link expired")
        FAILED = "failed", _("Failed")
        SENT = "sent", _("Sent at once")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="export_jobs",
    )
    list_name = models.CharField(_("list"), max_length=20)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    profile = models.CharField(_("profile"), max_length=8, choices=Profile.choices)
    query = models.TextField(_("filter"), blank=True, help_text=_("The list's query string."))
    language = models.CharField(_("language"), max_length=10, blank=True)
    background = models.BooleanField(_("in the background"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("rows to write"), default=0)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    token = models.CharField(_("download token"), max_length=64, blank=True, editable=False)
    file_name = models.CharField(_("file"), max_length=100, blank=True, editable=False)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("link expires"), null=True, blank=True)
    downloaded_at = models.DateTimeField(_("downloaded"), null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="export_user_recent"),
            models.Index(
                fields=["expires_at"],
                condition=models.Q(status="ready"),
                name="export_ready_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.list_name}.{self.format} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("exports:job", args=[self.pk])

    @property
    def path(self) -> Path | None:
        return export_folder() / self.file_name if self.file_name else None

    @property
    def percent(self) -> int:
        if self.status in (self.Status.READY, self.Status.DOWNLOADED, self.Status.SENT):
            return 100
        if not self.total_rows:
            return 0
        return min(100, self.rows_done * 100 // self.total_rows)

    @property
    def is_finished(self) -> bool:
        return self.status not in (self.Status.QUEUED, self.Status.RUNNING)

    def is_stale(self, *, now: dt.datetime | None = None) -> bool:
        """Return True for a job whose process stopped without saying so (a restart)."""
        if self.is_finished:
            return False
        last = self.heartbeat_at or self.created_at
        limit = dt.timedelta(seconds=settings.EXPORT_STALE_SECONDS)
        return (now or timezone.now()) - last > limit

    def is_downloadable(self, *, now: dt.datetime | None = None) -> bool:
        return (
            self.status == self.Status.READY
            and self.expires_at is not None
            and self.expires_at > (now or timezone.now())
        )

    def download_url(self) -> str:
        return reverse("exports:download", args=[self.pk, self.token])
