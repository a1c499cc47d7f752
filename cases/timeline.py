"""The timeline of one case, built on the fly from its records; never stored.

Each source (detentions with their extension orders, charges, hearings, trial outcomes,
follow-ups) is read with one query, whatever the number of events, and turned into frozen
``TimelineEntry`` rows, which are merged and sorted. The legal deadlines (authorised end and
legal maximum of a detention, police custody limit, expected release, appeal deadline) are the
one derived source: they come from ``cases.clocks``, which reads what the clocks need in a
fixed number of queries (at most seven; five when nobody in the case is serving a sentence).

Order: entries are sorted by the earliest day they may have happened on. On the same earliest
day, an approximate entry ("March 2023", "between 5 August and 10 December 2022") comes before
the exact ones, the way a month heading comes before the days in it; then the usual sequence
of a case (arrest, detention, charge, extension, hearing, verdict, appeal, release, follow-up);
then the time of day when known. So a detention that began "March 2023" comes before a hearing
on 15 March 2023, and also before one on 1 March 2023. One exception: the end of a detention
comes after everything else of its earliest day, so a release "between 3 September 2017 and
3 March 2023" never precedes the arrest of 3 September 2017. Entries without any date come last.

An approximate date is shown as the source gives it, never as its first day, and flagged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import IntEnum

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cases.clocks import (
    AppealClock,
    DetentionClock,
    RuleBook,
    appeal_clocks,
    confidence_label,
    detention_clocks,
)
from cases.dates import FuzzyDate, Precision
from cases.models import (
    Case,
    CaseParty,
    Charge,
    Detention,
    FollowUp,
    Hearing,
    TrialOutcome,
    format_months,
)
from cases.rules import ClockState

DETAIL_WORDS = 30


class Kind(models.TextChoices):
    """What the timeline can be filtered by (``?kind=hearing&kind=detention``)."""

    DETENTION = "detention", gettext_lazy("Arrests and detentions")
    CHARGE = "charge", gettext_lazy("Charges")
    HEARING = "hearing", gettext_lazy("Hearings")
    OBSERVATION = "observation", gettext_lazy("Fair-trial observations")
    OUTCOME = "outcome", gettext_lazy("Verdicts and appeals")
    FOLLOWUP = "followup", gettext_lazy("Follow-ups")
    DEADLINE = "deadline", gettext_lazy("Legal deadlines")


class Event(IntEnum):
    """The finer kind of an entry; its value is its place among entries of the same day."""

    ARREST = 0
    DETENTION_START = 1
    CHARGE = 2
    EXTENSION = 3
    HEARING = 4
    OBSERVATION = 5  # what a monitor saw at a hearing: right after the hearing itself
    VERDICT = 6
    APPEAL = 7
    DETENTION_END = 8
    FOLLOWUP = 9
    DEADLINE = 10  # the last day allowed: after whatever else happened that day


@dataclass(frozen=True)
class TimelineEntry:
    day: dt.date | None  # the earliest possible day, the sort key; None when undated
    kind: str
    event: Event
    title: str
    when: str  # the date as shown: "March 2023", "3 March 2023, 08:30"
    approximate: bool = False
    precision_label: str = ""
    detail: str = ""
    url: str = ""
    is_future: bool = False
    at: dt.datetime | None = field(default=None, compare=False)
    pk: int = 0
    severity: str = ""  # a deadline's badge: "danger" when passed while detained, "warn"...
    rule_label: str = ""  # a deadline's rule: "CCPC art. 209 · High"
    unverified: bool = False  # a deadline set by a rule of unverified confidence

    @property
    def sort_key(self) -> tuple:
        time = timezone.localtime(self.at).time() if self.at else dt.time.min
        return (
            self.day is None,
            self.day or dt.date.max,
            # An end never comes before a start of the same day, however vague its date.
            self.event == Event.DETENTION_END,
            not self.approximate,
            self.event,
            time,
            self.pk,
        )

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label


def parse_kinds(values: Iterable[str]) -> set[str]:
    """Return the known kinds among ``values``: all of them when none is known."""
    chosen = {value for value in values if value in Kind.values}
    return chosen or set(Kind.values)


def build_timeline(
    case: Case, *, user, kinds: Iterable[str] | None = None, now: dt.datetime | None = None
) -> list[TimelineEntry]:
    """Return the case's events the user may see, of the chosen kinds, in order."""
    now = now or timezone.now()
    chosen = set(kinds) if kinds else set(Kind.values)
    sources = {
        Kind.DETENTION: detention_entries,
        Kind.CHARGE: charge_entries,
        Kind.HEARING: hearing_entries,
        Kind.OBSERVATION: observation_entries,
        Kind.OUTCOME: outcome_entries,
        Kind.FOLLOWUP: followup_entries,
        Kind.DEADLINE: deadline_entries,
    }
    entries = [
        entry
        for kind, source in sources.items()
        if kind in chosen
        for entry in source(case, user=user, now=now)
    ]
    return sorted(entries, key=lambda entry: entry.sort_key)


# Dates as shown -------------------------------------------------------------------------


def on_fuzzy(value: FuzzyDate | None) -> dict:
    """Return the date fields of an entry for a fuzzy date (or for no date)."""
    if value is None:
        return {"day": None, "when": _("Date unknown")}
    return {
        "day": value.on,
        "when": str(value),
        "approximate": not value.is_exact,
        "precision_label": str(Precision(value.precision).label),
    }


def on_datetime(value: dt.datetime, *, time_known: bool = True) -> dict:
    """Return the date fields of an entry for a moment, with its time when it is known."""
    local = timezone.localtime(value)
    shown = date_format(local, "DATETIME_FORMAT" if time_known else "DATE_FORMAT")
    return {"day": local.date(), "when": shown, "at": value if time_known else None}


def on_day(value: dt.date) -> dict:
    return {"day": value, "when": date_format(value, "DATE_FORMAT")}


def party_name(party: CaseParty | None, user) -> str:
    """Return the name of a party as this user may see it."""
    if party is None:
        return ""
    if party.person_id:
        return party.person.label_for(user)
    return str(party.organisation)


def length_label(months: int, days: int, hours: int) -> str:
    parts = []
    if months:
        parts.append(ngettext("%(n)d month", "%(n)d months", months) % {"n": months})
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    return " ".join(parts)


def short(text: str) -> str:
    return Truncator(text).words(DETAIL_WORDS)


# Sources: one query each -----------------------------------------------------------------


def detention_entries(case: Case, *, user, now: dt.datetime) -> Iterator[TimelineEntry]:
    """Yield arrests, detention starts, extension orders and releases."""
    detentions = (
        Detention.objects.visible_to(user)
        .filter(case=case)
        .select_related("person", "facility")
        .prefetch_related("extensions")
    )
    for detention in detentions:
        who = detention.person.label_for(user)
        kind = detention.get_kind_display()
        common = {"kind": Kind.DETENTION, "url": detention.get_absolute_url(), "pk": detention.pk}
        if detention.arrested_at:
            yield TimelineEntry(
                event=Event.ARREST,
                title=_("%(person)s arrested") % {"person": who},
                **on_datetime(detention.arrested_at),
                **common,
            )
        yield TimelineEntry(
            event=Event.DETENTION_START,
            title=_("%(kind)s began: %(person)s") % {"kind": kind, "person": who},
            detail=str(detention.facility or ""),
            **on_fuzzy(detention.started),
            **common,
        )
        for extension in detention.extensions.all():
            length = length_label(extension.months, extension.days, extension.hours)
            yield TimelineEntry(
                event=Event.EXTENSION,
                title=_("%(kind)s of %(person)s extended by %(length)s")
                % {"kind": kind, "person": who, "length": length},
                detail=", ".join(filter(None, [extension.ordered_by, extension.document])),
                **on_day(extension.ordered_on),
                **common,
            )
        if detention.ended_on:
            yield TimelineEntry(
                event=Event.DETENTION_END,
                title=_("%(kind)s ended: %(person)s") % {"kind": kind, "person": who},
                detail=detention.get_end_reason_display(),
                **on_fuzzy(detention.ended),
                **common,
            )


def charge_entries(case: Case, *, user, now: dt.datetime) -> Iterator[TimelineEntry]:
    """Yield one entry per charge against a defendant of the case."""
    charges = (
        Charge.objects.visible_to(user)
        .filter(party__case=case)
        .select_related("offence", "party__person", "party__organisation")
    )
    for charge in charges:
        yield TimelineEntry(
            kind=Kind.CHARGE,
            event=Event.CHARGE,
            title=_("%(person)s charged with %(offence)s")
            % {"person": party_name(charge.party, user), "offence": charge.offence},
            detail=_("Outcome: %(outcome)s") % {"outcome": charge.get_outcome_display()},
            url=charge.get_absolute_url(),
            pk=charge.pk,
            **on_fuzzy(charge.charged),
        )


HEARING_TITLES = {
    Hearing.Status.SCHEDULED: gettext_lazy("%(kind)s hearing scheduled"),
    Hearing.Status.HELD: gettext_lazy("%(kind)s hearing held"),
    Hearing.Status.ADJOURNED: gettext_lazy("%(kind)s hearing adjourned"),
    Hearing.Status.CANCELLED: gettext_lazy("%(kind)s hearing cancelled"),
}


def hearing_entries(case: Case, *, user, now: dt.datetime) -> Iterator[TimelineEntry]:
    """Yield hearings held, adjourned or cancelled, and those still to come."""
    hearings = Hearing.objects.visible_to(user).filter(case=case).select_related("court")
    for hearing in hearings:
        moment = hearing.held_at or hearing.scheduled_at
        time_known = hearing.time_known or hearing.held_at is not None
        detail = [str(hearing.court or "")]
        if hearing.outcome:
            detail.append(short(hearing.outcome))
        yield TimelineEntry(
            kind=Kind.HEARING,
            event=Event.HEARING,
            title=HEARING_TITLES[hearing.status] % {"kind": hearing.get_kind_display()},
            detail=" · ".join(filter(None, detail)),
            url=hearing.get_absolute_url(),
            is_future=hearing.status == Hearing.Status.SCHEDULED and moment > now,
            pk=hearing.pk,
            **on_datetime(moment, time_known=time_known),
        )


def observation_entries(case: Case, *, user, now: dt.datetime) -> Iterator[TimelineEntry]:
    """Yield submitted fair-trial observations; one with a violation is flagged."""
    # Imported here: observations builds on cases, not the other way round.
    from observations.models import Observation, Verdict

    if not user.has_perm("observations.view_observation"):
        return
    observations = (
        Observation.objects.of_case(case)
        .submitted()
        .select_related("hearing", "observer")
        .annotate(
            violated=models.Count("answers", filter=models.Q(answers__verdict=Verdict.VIOLATED)),
            respected=models.Count("answers", filter=models.Q(answers__verdict=Verdict.RESPECTED)),
        )
    )
    for observation in observations:
        hearing = observation.hearing
        moment = hearing.held_at or hearing.scheduled_at
        observer = observation.observer.get_full_name() or observation.observer.get_username()
        if observation.violated:
            title = ngettext(
                "Hearing observed: %(count)s right violated",
                "Hearing observed: %(count)s rights violated",
                observation.violated,
            ) % {"count": observation.violated}
        else:
            title = _("Hearing observed: no violation recorded")
        detail = _("By %(observer)s · %(respected)s respected, %(violated)s violated") % {
            "observer": observer,
            "respected": observation.respected,
            "violated": observation.violated,
        }
        yield TimelineEntry(
            kind=Kind.OBSERVATION,
            event=Event.OBSERVATION,
            title=title,
            detail=detail,
            url=observation.get_absolute_url(),
            severity="danger" if observation.violated else "",
            pk=observation.pk,
            **on_datetime(moment, time_known=hearing.time_known or hearing.held_at is not None),
        )


def outcome_entries(case: Case, *, user, now: dt.datetime) -> Iterator[TimelineEntry]:
    """Yield verdicts and the appeals filed against them."""
    outcomes = (
        TrialOutcome.objects.visible_to(user)
        .filter(party__case=case)
        .select_related("party__person", "party__organisation", "court")
    )
    for outcome in outcomes:
        who = party_name(outcome.party, user)
        common = {"kind": Kind.OUTCOME, "url": outcome.get_absolute_url(), "pk": outcome.pk}
        yield TimelineEntry(
            event=Event.VERDICT,
            title=_("Verdict (%(instance)s) for %(person)s: %(verdict)s")
            % {
                "instance": outcome.get_instance_display(),
                "person": who,
                "verdict": outcome.get_verdict_display(),
            },
            detail=sentence_label(outcome),
            **on_fuzzy(outcome.verdict_date),
            **common,
        )
        if outcome.appeal_filed_on:
            by = outcome.get_appealed_by_display()
            yield TimelineEntry(
                event=Event.APPEAL,
                title=_("Appeal filed against the verdict for %(person)s") % {"person": who},
                detail=_("Filed by: %(by)s") % {"by": by} if by else "",
                **on_fuzzy(outcome.appeal_filed),
                **common,
            )


def sentence_label(outcome: TrialOutcome) -> str:
    parts = []
    if outcome.life_sentence:
        parts.append(_("Life sentence"))
    elif outcome.sentence_months is not None:
        parts.append(_("Sentence: %(term)s") % {"term": format_months(outcome.sentence_months)})
        if outcome.suspended_months:
            parts.append(
                _("of which %(term)s suspended") % {"term": format_months(outcome.suspended_months)}
            )
    if outcome.in_absentia:
        parts.append(_("in absentia"))
    return ", ".join(parts)


def followup_entries(case: Case, *, user, now: dt.datetime) -> Iterator[TimelineEntry]:
    """Yield follow-ups done, and those due."""
    today = timezone.localdate(now)
    for followup in FollowUp.objects.visible_to(user).filter(case=case):
        kind = followup.get_kind_display()
        common = {
            "kind": Kind.FOLLOWUP,
            "event": Event.FOLLOWUP,
            "detail": short(followup.description),
            "url": followup.get_absolute_url(),
            "pk": followup.pk,
        }
        if followup.done_on:
            yield TimelineEntry(title=kind, **on_fuzzy(followup.done), **common)
        elif followup.due_on:
            overdue = followup.due_on < today
            title = _("%(kind)s overdue") if overdue else _("%(kind)s due")
            yield TimelineEntry(
                title=title % {"kind": kind},
                is_future=not overdue,
                **on_day(followup.due_on),
                **common,
            )
        else:
            yield TimelineEntry(
                title=_("%(kind)s (open)") % {"kind": kind}, **on_fuzzy(None), **common
            )


# Legal deadlines: derived from the records through cases.clocks -------------------------

DEADLINE_TITLES = {
    "authorised_end": gettext_lazy("Authorised end of the %(kind)s of %(person)s"),
    "legal_maximum": gettext_lazy("Legal maximum of the %(kind)s of %(person)s"),
    "custody_limit": gettext_lazy("Police custody limit for %(person)s"),
    "expected_release": gettext_lazy("Expected release of %(person)s"),
}
IF_CLASS = gettext_lazy("%(title)s, if the offence is a %(class)s")


def rule_label(rule) -> str:
    """Return "CCPC art. 209 · confidence: High" for a rule."""
    if rule is None:
        return ""
    return _("%(article)s · confidence: %(confidence)s") % {
        "article": rule.article,
        "confidence": confidence_label(rule),
    }


def deadline_entries(case: Case, *, user, now: dt.datetime) -> Iterator[TimelineEntry]:
    """Yield the deadlines of running detentions, those reached while detained, and appeals."""
    today = timezone.localdate(now)
    rules = RuleBook()
    detentions = (
        Detention.objects.visible_to(user)
        .filter(case=case)
        .select_related("person")
        .prefetch_related("extensions")
    )
    for clock in detention_clocks(detentions, today=today, now=now, rules=rules).values():
        yield from detention_deadlines(clock, user=user, today=today)
    outcomes = (
        TrialOutcome.objects.visible_to(user)
        .filter(party__case=case)
        .select_related("party__person", "party__organisation")
    )
    for appeal in appeal_clocks(outcomes, today=today, rules=rules).values():
        if appeal.deadline is not None:
            yield appeal_entry(appeal, user=user, today=today)


def detention_deadlines(clock: DetentionClock, *, user, today: dt.date) -> Iterator[TimelineEntry]:
    """Yield the deadlines of one detention's clock, each with its rule."""
    detention = clock.detention
    names = {
        "kind": detention.get_kind_display().lower(),
        "person": detention.person.label_for(user),
    }
    last_day = detention.ended_on if clock.state == ClockState.ENDED else today
    for item in clock.dates:
        passed = item.day < last_day
        # A detention that has ended shows only the deadlines it went past.
        if not item.is_deadline or (clock.state == ClockState.ENDED and not passed):
            continue
        title = DEADLINE_TITLES[item.name] % names
        if item.condition:
            title = IF_CLASS % {"title": title, "class": item.condition_label.lower()}
        severity = "danger" if passed else ("warn" if clock.severity == "warn" else "")
        details = [_("Passed while detained") if passed else "", item.note]
        when = on_datetime(item.moment) if item.moment else on_day(item.day)
        yield TimelineEntry(
            kind=Kind.DEADLINE,
            event=Event.DEADLINE,
            title=title,
            detail=" · ".join(filter(None, details)),
            url=detention.get_absolute_url(),
            is_future=item.day >= today,
            pk=detention.pk,
            severity=severity,
            rule_label=rule_label(item.rule),
            unverified=item.unverified,
            **when,
        )


def appeal_entry(appeal: AppealClock, *, user, today: dt.date) -> TimelineEntry:
    """Return the appeal deadline of a verdict, and whether an appeal was filed in time."""
    outcome = appeal.outcome
    if appeal.filed:
        detail = _("Appeal filed %(date)s") % {"date": outcome.appeal_filed}
        if appeal.filed_in_time is False:
            detail = _("%(detail)s, after the deadline") % {"detail": detail}
    else:
        detail = str(appeal.state_label)
    return TimelineEntry(
        kind=Kind.DEADLINE,
        event=Event.DEADLINE,
        title=_("Appeal deadline (%(instance)s) for %(person)s")
        % {"instance": outcome.get_instance_display(), "person": party_name(outcome.party, user)},
        detail=detail,
        url=outcome.get_absolute_url(),
        is_future=appeal.deadline >= today,
        pk=outcome.pk,
        severity=appeal.severity if appeal.severity != "ok" else "",
        rule_label=rule_label(appeal.rule),
        unverified=appeal.unverified,
        **on_day(appeal.deadline),
    )
