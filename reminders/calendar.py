"""A user's private calendar feed: hearings and deadlines as RFC 5545 text.

A calendar is synced to phones and to third-party servers, so the feed is written for that
audience: hearing kinds, court names, a case number and a link into the app (which asks for a
login). Never a person's name, never a case title or reference (the seed's references carry
defendants' names, e.g. ``UN23-P30-SOKHA``), and nothing of a restricted case beyond
"Restricted case hearing" / "Restricted case deadline" and the link.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from accounts.language import saved_language
from cases.models import Case, Hearing

from .kinds import Kind
from .models import RecordType, Reminder

CRLF = "\r\n"
MAX_OCTETS = 75
PAST = dt.timedelta(days=30)
FUTURE = dt.timedelta(days=365)
HEARING_LENGTH = dt.timedelta(hours=2)
# Both hearing kinds take the hearing's time as their deadline: the hearing's own event shows
# it, and an all-day "report missing" on the hearing day would only repeat it.
KINDS_SHOWN_AS_HEARINGS = frozenset({Kind.HEARING_UPCOMING, Kind.HEARING_REPORT_MISSING})
RECORD_URL_NAMES = {
    RecordType.HEARING: "cases:hearing-detail",
    RecordType.DETENTION: "cases:detention-detail",
    RecordType.OUTCOME: "cases:outcome-detail",
    RecordType.FOLLOWUP: "cases:followup-detail",
}
# Control characters are not allowed in TEXT values (RFC 5545 3.3.11), tab excepted.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Event:
    """One VEVENT: ``start`` is a date for an all-day event, an aware datetime otherwise."""

    uid: str
    summary: str
    start: dt.date | dt.datetime
    end: dt.date | dt.datetime
    url: str
    location: str = ""

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, dt.datetime)


def escape_text(value: str) -> str:
    """Return ``value`` escaped as an RFC 5545 TEXT value."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    limit = MAX_OCTETS
    for char in line:
        octets = len(char.encode())
        if size + octets > limit:
            parts.append("".join(current))
            current, size = [], 0
            limit = MAX_OCTETS - 1  # a continuation line starts with one space
        current.append(char)
        size += octets
    parts.append("".join(current))
    return (CRLF + " ").join(parts)


def utc_stamp(moment: dt.datetime) -> str:
    """Return an RFC 5545 UTC date-time, e.g. 20261204T013000Z."""
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def date_stamp(day: dt.date) -> str:
    """Return an RFC 5545 date, e.g. 20261204."""
    return day.strftime("%Y%m%d")


def case_label(case_id: int | None) -> str:
    """Name a case in the feed by its number: references may carry a defendant's name."""
    return _("case %(number)s") % {"number": case_id} if case_id else ""


def hearings_for(user, *, now: dt.datetime) -> QuerySet[Hearing]:
    """Return the user's hearings for the feed: attended, or of a case they monitor."""
    monitors_case = Case.monitors.through.objects.filter(case=OuterRef("case_id"), user=user)
    return (
        Hearing.objects.visible_to(user)
        .filter(Q(monitor=user) | Exists(monitors_case))
        .filter(
            status__in=[Hearing.Status.SCHEDULED, Hearing.Status.HELD],
            scheduled_at__gte=now - PAST,
            scheduled_at__lte=now + FUTURE,
        )
        .select_related("case", "court", "case__court")
        .order_by("scheduled_at", "pk")
    )


def deadlines_for(user, *, now: dt.datetime) -> QuerySet[Reminder, dict]:
    """Return the user's distinct reminder deadlines as dicts (one row per offset collapsed)."""
    visible = Case.objects.visible_to(user).values("pk")
    return (
        Reminder.objects.filter(recipient=user)
        .exclude(status=Reminder.Status.SUPERSEDED)
        .exclude(kind__in=KINDS_SHOWN_AS_HEARINGS)
        .filter(Q(case__isnull=True) | Q(case__in=visible))
        .filter(deadline__gte=now - PAST, deadline__lte=now + FUTURE)
        .values("kind", "record_type", "record_id", "deadline", "case_id", "case__confidentiality")
        .order_by("deadline", "kind", "record_type", "record_id")
        .distinct()
    )


def hearing_event(hearing: Hearing, *, host: str, base_url: str) -> Event:
    """Return the event of one hearing, saying nothing of it when its case is restricted."""
    if hearing.time_known:
        start: dt.date | dt.datetime = hearing.scheduled_at
        end: dt.date | dt.datetime = hearing.scheduled_at + HEARING_LENGTH
    else:
        start = timezone.localdate(hearing.scheduled_at)
        end = start + dt.timedelta(days=1)
    url = base_url + hearing.get_absolute_url()
    uid = f"hearing-{hearing.pk}@{host}"
    if hearing.case.is_restricted:
        return Event(uid=uid, summary=_("Restricted case hearing"), start=start, end=end, url=url)
    court = hearing.court or hearing.case.court
    summary = _("Hearing: %(case)s (%(kind)s)") % {
        "case": case_label(hearing.case_id),
        "kind": hearing.get_kind_display(),
    }
    return Event(
        uid=uid,
        summary=summary,
        start=start,
        end=end,
        url=url,
        location=court.name if court else "",
    )


def deadline_event(row: dict, *, host: str, base_url: str) -> Event:
    """Return the all-day event of one deadline row of ``deadlines_for``."""
    day = timezone.localdate(row["deadline"])
    key = f"{row['kind']}-{row['record_type']}-{row['record_id']}-{date_stamp(day)}"
    url_name = RECORD_URL_NAMES.get(row["record_type"])
    url = base_url + (reverse(url_name, args=[row["record_id"]]) if url_name else "/")
    if row["case__confidentiality"] == Case.Confidentiality.RESTRICTED:
        # Even the UID would tell the kind of deadline: make it opaque, but stable.
        opaque = salted_hmac("reminders.calendar.uid", key, algorithm="sha256").hexdigest()[:32]
        summary = _("Restricted case deadline")
        uid = f"deadline-{opaque}@{host}"
    else:
        label = Kind(row["kind"]).label if row["kind"] in Kind.values else row["kind"]
        case = case_label(row["case_id"])
        summary = f"{label}: {case}" if case else str(label)
        uid = f"deadline-{key}@{host}"
    return Event(uid=uid, summary=summary, start=day, end=day + dt.timedelta(days=1), url=url)


def events_for(user, *, host: str, base_url: str, now: dt.datetime) -> list[Event]:
    """Return the user's hearings and deadlines, one event per UID, in date order."""
    events: dict[str, Event] = {}
    for hearing in hearings_for(user, now=now):
        event = hearing_event(hearing, host=host, base_url=base_url)
        events[event.uid] = event
    for row in deadlines_for(user, now=now):
        event = deadline_event(row, host=host, base_url=base_url)
        events.setdefault(event.uid, event)
    return list(events.values())


def event_lines(event: Event, *, stamp: str) -> list[str]:
    """Return the unfolded content lines of one VEVENT."""
    if event.all_day:
        times = [
            f"DTSTART;VALUE=DATE:{date_stamp(event.start)}",
            f"DTEND;VALUE=DATE:{date_stamp(event.end)}",
            "TRANSP:TRANSPARENT",
        ]
    else:
        times = [f"DTSTART:{utc_stamp(event.start)}", f"DTEND:{utc_stamp(event.end)}"]
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{stamp}",
        *times,
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    description = _("Open in Case monitoring: %(url)s") % {"url": event.url}
    lines += [
        f"DESCRIPTION:{escape_text(description)}",
        f"URL:{event.url}",
        "END:VEVENT",
    ]
    return lines


def render_calendar(events: Iterable[Event], *, now: dt.datetime) -> str:
    """Return a VCALENDAR of ``events`` with CRLF line endings and folded lines."""
    stamp = utc_stamp(now)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Case monitoring//Reminders//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(_('Case monitoring'))}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    for event in events:
        lines += event_lines(event, stamp=stamp)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)


def build_feed(user, *, base_url: str, now: dt.datetime | None = None) -> str:
    """Return the user's calendar feed; ``base_url`` is the app's origin, e.g. https://x.org."""
    now = now or timezone.now()
    base_url = base_url.rstrip("/")
    host = urlsplit(base_url).hostname or "localhost"
    # Fetched by a calendar app, not a browser: in the language the user saved.
    with translation.override(saved_language(user) or settings.LANGUAGE_CODE):
        return render_calendar(events_for(user, host=host, base_url=base_url, now=now), now=now)
