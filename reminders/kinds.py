"""Reminder kinds, who receives them, and their offsets (from settings, with defaults)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    HEARING_UPCOMING = "hearing_upcoming", _("Hearing coming up")
    HEARING_REPORT_MISSING = "hearing_report_missing", _("Hearing report missing")
    PRETRIAL_REVIEW = "pretrial_review", _("Pretrial detention review due")
    BEYOND_LIMIT = "beyond_limit", _("Detention beyond its legal limit")
    APPEAL_DEADLINE = "appeal_deadline", _("Appeal deadline")
    RELEASE_DUE = "release_due", _("Release due")
    RELEASE_OVERDUE = "release_overdue", _("Release overdue")
    FOLLOWUP_DUE = "followup_due", _("Follow-up due")
    FOLLOWUP_OVERDUE = "followup_overdue", _("Follow-up overdue")


class Audience(models.TextChoices):
    """Who a kind goes to: the case's monitors, supervisors, or a record's owner."""

    MONITORS = "monitors", _("Assigned monitors")
    SUPERVISORS = "supervisors", _("Supervisors")
    OWNER = "owner", _("Owner of the record")


# Offsets before the deadline, in days; 0 is on the day, a negative offset is days after it.
DEFAULT_OFFSETS_DAYS: dict[str, tuple[int, ...]] = {
    Kind.HEARING_UPCOMING: (7, 1),
    Kind.HEARING_REPORT_MISSING: (-1,),
    Kind.PRETRIAL_REVIEW: (30, 14, 7),
    Kind.BEYOND_LIMIT: (0,),
    Kind.APPEAL_DEADLINE: (7, 2),
    Kind.RELEASE_DUE: (30, 7),
    Kind.RELEASE_OVERDUE: (0,),
    Kind.FOLLOWUP_DUE: (2,),
    Kind.FOLLOWUP_OVERDUE: (-1,),
}

AUDIENCES: dict[str, tuple[str, ...]] = {
    Kind.HEARING_UPCOMING: (Audience.MONITORS,),
    Kind.HEARING_REPORT_MISSING: (Audience.MONITORS,),
    Kind.PRETRIAL_REVIEW: (Audience.SUPERVISORS, Audience.MONITORS),
    Kind.BEYOND_LIMIT: (Audience.SUPERVISORS, Audience.MONITORS),
    Kind.APPEAL_DEADLINE: (Audience.MONITORS, Audience.SUPERVISORS),
    Kind.RELEASE_DUE: (Audience.SUPERVISORS, Audience.MONITORS),
    Kind.RELEASE_OVERDUE: (Audience.SUPERVISORS, Audience.MONITORS),
    Kind.FOLLOWUP_DUE: (Audience.OWNER,),
    Kind.FOLLOWUP_OVERDUE: (Audience.OWNER, Audience.SUPERVISORS),
}

# Kinds repeated every day until what they report is resolved.
DAILY_KINDS = frozenset({Kind.BEYOND_LIMIT, Kind.RELEASE_OVERDUE})


def offsets(kind: str) -> tuple[dt.timedelta, ...]:
    """Return the offsets of a kind, largest first (``REMINDER_OFFSETS_DAYS`` overrides)."""
    configured = getattr(settings, "REMINDER_OFFSETS_DAYS", {}) or {}
    days = configured.get(str(kind), DEFAULT_OFFSETS_DAYS[kind])
    return tuple(dt.timedelta(days=d) for d in sorted(set(days), reverse=True))


def day_time() -> dt.time:
    """Return the local time of day at which date-only reminders fall due."""
    return dt.time(getattr(settings, "REMINDER_DAY_HOUR", 8), 0)
