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
from django.utils.translation import gettext_lazy, ngettext

from .kinds import DAILY_KINDS, Kind
from .models import Reminder
from .planning import PLANNERS

URGENT_KINDS = {Kind.BEYOND_LIMIT, Kind.RELEASE_OVERDUE, Kind.HEARING_REPORT_MISSING}


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    url: str
    urgent: bool
    email_subject: str
    email_body: str


def load_record(reminder: Reminder):
    """Return the record a reminder is about (None once deleted), as its planner loads it."""
    _candidates, _plan, load = PLANNERS[reminder.record_type]
    return load([reminder.record_id]).first()


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


# (title, detail) per kind; placeholders: when, date, case (reference), person (as the
# recipient may see them). A detail of None is the record's own kind (follow-ups).
TEXTS = {
    Kind.HEARING_UPCOMING: (
        gettext_lazy("Hearing %(when)s: %(case)s"),
        gettext_lazy("%(kind)s on %(date)s at %(court)s."),
    ),
    Kind.HEARING_REPORT_MISSING: (
        gettext_lazy("No report yet for the hearing of %(date)s: %(case)s"),
        gettext_lazy("Record what happened at the hearing, or that it did not take place."),
    ),
    Kind.PRETRIAL_REVIEW: (
        gettext_lazy("Pretrial detention deadline %(when)s: %(case)s"),
        gettext_lazy("%(person)s: the detention must be reviewed, extended or ended by %(date)s."),
    ),
    Kind.BEYOND_LIMIT: (
        gettext_lazy("Detained beyond the legal limit: %(case)s"),
        gettext_lazy("%(person)s has been held without a lawful basis since %(date)s."),
    ),
    Kind.APPEAL_DEADLINE: (
        gettext_lazy("Appeal deadline %(when)s: %(case)s"),
        gettext_lazy("%(person)s: an appeal must be filed by %(date)s."),
    ),
    Kind.RELEASE_DUE: (
        gettext_lazy("Release due %(when)s: %(case)s"),
        gettext_lazy("%(person)s is expected to be released on %(date)s: check the register."),
    ),
    Kind.RELEASE_OVERDUE: (
        gettext_lazy("Release overdue: %(case)s"),
        gettext_lazy("%(person)s is still recorded as detained after the sentence ended."),
    ),
    Kind.FOLLOWUP_DUE: (gettext_lazy("Follow-up due %(when)s: %(case)s"), None),
    Kind.FOLLOWUP_OVERDUE: (gettext_lazy("Follow-up overdue since %(date)s: %(case)s"), None),
}


def _person(record, user) -> str:
    """Return the person a detention or verdict is about, as ``user`` may see them."""
    if hasattr(record, "party"):
        return record.party.label_for(user)
    if hasattr(record, "person") and record.person is not None:
        return record.person.label_for(user)
    return ""


def compose(reminder: Reminder, record) -> Message:
    """Return the texts of a reminder about ``record`` for its recipient."""
    case = reminder.case
    kind = reminder.kind
    url = record.get_absolute_url() if record is not None else ""
    hearing = kind == Kind.HEARING_UPCOMING
    params = {
        "when": _offset_phrase(reminder),
        "date": _when(reminder, with_time=hearing and record.time_known),
        "case": case.reference if case is not None else _("no case"),
        "person": _person(record, reminder.recipient),
    }
    if hearing:
        params["kind"] = record.get_kind_display()
        params["court"] = (
            record.court or (case.court if case else None) or _("a court not recorded")
        )
    title_text, detail_text = TEXTS[kind]
    title = str(title_text) % params
    detail = str(detail_text) % params if detail_text else str(record.get_kind_display())
    link = settings.SITE_URL.rstrip("/") + url if url else settings.SITE_URL
    safe_case = _("case #%(pk)s") % {"pk": case.pk} if case is not None else _("no case")
    safe_title = f"{Kind(kind).label} ({_offset_phrase(reminder)}), {safe_case}"
    email_body = "\n".join(
        [
            safe_title,
            _("Date: %(date)s") % {"date": _when(reminder, with_time=hearing)},
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
