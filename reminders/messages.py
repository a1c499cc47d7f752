"""What a reminder says: in the app (names as the recipient may see them) and by e-mail.

An e-mail leaves our servers, so it carries the kind, the date, the case's number and a link,
never a person's name, and not the case reference either (references such as
``UN23-P30-SOKHA`` often contain a defendant's name): the details are behind the login.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .kinds import DAILY_KINDS, Kind
from .models import RecordType, Reminder
from .planning import load_detentions, load_followups, load_hearings, load_outcomes

URGENT_KINDS = {Kind.BEYOND_LIMIT, Kind.RELEASE_OVERDUE, Kind.HEARING_REPORT_MISSING}

LOADERS = {
    RecordType.HEARING: load_hearings,
    RecordType.FOLLOWUP: load_followups,
    RecordType.OUTCOME: load_outcomes,
    RecordType.DETENTION: load_detentions,
}


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    url: str
    urgent: bool
    email_subject: str
    email_body: str


def load_record(reminder: Reminder):
    return LOADERS[reminder.record_type]([reminder.record_id]).first()


def _when(reminder: Reminder, *, with_time: bool) -> str:
    local = timezone.localtime(reminder.deadline)
    return date_format(local, "DATETIME_FORMAT" if with_time else "DATE_FORMAT")


def _offset_phrase(reminder: Reminder) -> str:
    days = reminder.offset_days
    if reminder.kind in DAILY_KINDS:
        return _("day %(n)d") % {"n": 1 - days}
    if days > 0:
        return ngettext("in %(n)d day", "in %(n)d days", days) % {"n": days}
    if days == 0:
        return _("today")
    return ngettext("%(n)d day ago", "%(n)d days ago", -days) % {"n": -days}


def compose(reminder: Reminder, record) -> Message:
    """Return the texts of a reminder about ``record`` for its recipient."""
    user = reminder.recipient
    case = reminder.case
    reference = case.reference if case is not None else _("no case")
    kind = reminder.kind
    detail = ""
    url = record.get_absolute_url() if record is not None else ""
    if kind == Kind.HEARING_UPCOMING:
        title = _("Hearing %(when)s: %(case)s") % {
            "when": _offset_phrase(reminder),
            "case": reference,
        }
        detail = _("%(kind)s on %(date)s at %(court)s.") % {
            "kind": record.get_kind_display(),
            "date": _when(reminder, with_time=record.time_known),
            "court": record.court or (case.court if case else None) or _("a court not recorded"),
        }
    elif kind == Kind.HEARING_REPORT_MISSING:
        title = _("No report yet for the hearing of %(date)s: %(case)s") % {
            "date": _when(reminder, with_time=False),
            "case": reference,
        }
        detail = _("Record what happened at the hearing, or that it did not take place.")
    elif kind == Kind.PRETRIAL_REVIEW:
        title = _("Pretrial detention deadline %(when)s: %(case)s") % {
            "when": _offset_phrase(reminder),
            "case": reference,
        }
        detail = _("%(person)s: the detention must be reviewed, extended or ended by %(date)s.") % {
            "person": record.person.label_for(user),
            "date": _when(reminder, with_time=False),
        }
    elif kind == Kind.BEYOND_LIMIT:
        title = _("Detained beyond the legal limit: %(case)s") % {"case": reference}
        detail = _("%(person)s has been held without a lawful basis since %(date)s.") % {
            "person": record.person.label_for(user),
            "date": _when(reminder, with_time=False),
        }
    elif kind == Kind.APPEAL_DEADLINE:
        title = _("Appeal deadline %(when)s: %(case)s") % {
            "when": _offset_phrase(reminder),
            "case": reference,
        }
        detail = _("%(person)s: an appeal must be filed by %(date)s.") % {
            "person": record.party.label_for(user),
            "date": _when(reminder, with_time=False),
        }
    elif kind == Kind.RELEASE_DUE:
        title = _("Release due %(when)s: %(case)s") % {
            "when": _offset_phrase(reminder),
            "case": reference,
        }
        detail = _("%(person)s is expected to be released on %(date)s: check the register.") % {
            "person": record.person.label_for(user),
            "date": _when(reminder, with_time=False),
        }
    elif kind == Kind.RELEASE_OVERDUE:
        title = _("Release overdue: %(case)s") % {"case": reference}
        detail = _("%(person)s is still recorded as detained after the sentence ended.") % {
            "person": record.person.label_for(user)
        }
    elif kind == Kind.FOLLOWUP_DUE:
        title = _("Follow-up due %(when)s: %(case)s") % {
            "when": _offset_phrase(reminder),
            "case": reference,
        }
        detail = str(record.get_kind_display())
    else:  # FOLLOWUP_OVERDUE
        title = _("Follow-up overdue since %(date)s: %(case)s") % {
            "date": _when(reminder, with_time=False),
            "case": reference,
        }
        detail = str(record.get_kind_display())
    link = settings.SITE_URL.rstrip("/") + url if url else settings.SITE_URL
    safe_case = _("case #%(pk)s") % {"pk": case.pk} if case is not None else _("no case")
    safe_title = f"{Kind(kind).label} ({_offset_phrase(reminder)}), {safe_case}"
    email_body = "\n".join(
        [
            safe_title,
            _("Date: %(date)s") % {"date": _when(reminder, with_time=kind in HEARING_KINDS)},
            "",
            _("Open the app for the details: %(link)s") % {"link": link},
            "",
            _("You receive this because of your reminder settings: %(link)s")
            % {"link": settings.SITE_URL.rstrip("/") + "/notifications/settings/"},
        ]
    )
    return Message(
        title=title,
        body=detail,
        url=url,
        urgent=kind in URGENT_KINDS,
        email_subject=f"[{_('Case monitoring')}] " + safe_title,
        email_body=email_body,
    )


HEARING_KINDS = {Kind.HEARING_UPCOMING}
