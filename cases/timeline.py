"""The timeline of one case, built on the fly from its records; never stored.

Each source (detentions with their extension orders, charges, hearings, trial outcomes,
follow-ups) is read with one query, whatever the number of events, and turned into frozen
``TimelineEntry`` rows, which are merged and sorted. The legal deadlines (authorised end and
legal maximum of a detention, police custody limit, expected release, appeal deadline) are the
one derived source: ``cases.clocks`` computes them from the records the other sources read
(``CaseRecords``) and the rule table, which costs no query when the process's copy of it is
current (``cases.rules.rule_table``): six queries in all, the rule table a seventh at most, and
one more to make sure the user may see the case when the caller has not (``build_timeline``).
Their SQL is compiled once per process (``monitoring.prepared``), and the entries are written as
HTML in Python (``render_entries``): at 200 events, Django's compiling and template lookups cost
more than the queries.

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
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cached_property

from django.db import models
from django.db.models import F, FilteredRelation, Q
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import add_truncation_text
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cases.clocks import (
    CREDITED_KINDS,
    AppealClock,
    DetentionClock,
    Loaded,
    RuleBook,
    appeal_clocks,
    build_clock,
    confidence_label,
)
from cases.dates import FuzzyDate, Precision, format_date
from cases.links import PkUrls, esc
from cases.models import (
    Case,
    CaseParty,
    Charge,
    Detention,
    DetentionExtension,
    FollowUp,
    Hearing,
    Instance,
    TrialOutcome,
    format_months,
)
from cases.models.cases import choice_label
from cases.rules import ClockState, fingerprint_of, rule_table
from monitoring.prepared import Prepared

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
        time = self.at.time() if self.at else dt.time.min  # local: on_datetime
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


# The sources' queries, each for one case, compiled once per process (``monitoring.prepared``).
EXTENSION_COLUMNS = [f.name for f in DetentionExtension._meta.concrete_fields]


def detentions_of(case_id):
    """Detentions with their person, facility and live extension orders: a LEFT JOIN gives a
    row per order (one for a detention without any), each carrying the order's columns."""
    live = FilteredRelation("extensions", condition=Q(extensions__deleted_at__isnull=True))
    return (
        Detention.objects.filter(case_id=case_id)
        .select_related("person", "facility")
        .alias(live_extension=live)
        .annotate(**{f"x_{name}": F(f"live_extension__{name}") for name in EXTENSION_COLUMNS})
        # By the order's own columns: "live_extension" alone would sort by its Meta.ordering,
        # which joins the detention a second time.
        .order_by(*Detention._meta.ordering, "live_extension__ordered_on", "live_extension__id")
    )


DETENTIONS = Prepared(detentions_of)
# Ordered within the tables read: Meta.ordering would join the case and sort by the person's
# name, which the timeline sorts anyway.
CHARGES = Prepared(
    lambda case_id: (
        Charge.objects.filter(party__case_id=case_id)
        .select_related("offence", "party__person", "party__organisation")
        .order_by("party_id", "offence__article", "pk")
    )
)
OUTCOMES = Prepared(
    lambda case_id: (
        TrialOutcome.objects.filter(party__case_id=case_id)
        .select_related("party__person", "party__organisation", "court")
        .order_by("party_id", "verdict_on", "pk")
    )
)
# A case has hundreds of hearings: tuples of the few columns shown (a model instance each
# costs more than the rest of the entry).
HEARINGS = Prepared(
    lambda case_id: (
        Hearing.objects.filter(case_id=case_id)
        .order_by()
        .values_list(
            "pk",
            "status",
            "kind",
            "held_at",
            "scheduled_at",
            "time_known",
            "court__name",
            "outcome",
        )
    )
)
FOLLOWUPS = Prepared(lambda case_id: FollowUp.objects.filter(case_id=case_id))


def observations_of(case_id):
    from observations.models import Observation, Verdict  # observations builds on cases

    return (
        Observation.objects.of_case(case_id)
        .submitted()
        .select_related("hearing", "observer")
        .annotate(
            violated=models.Count("answers", filter=models.Q(answers__verdict=Verdict.VIOLATED)),
            respected=models.Count("answers", filter=models.Q(answers__verdict=Verdict.RESPECTED)),
        )
    )


OBSERVATIONS = Prepared(observations_of)


class CaseRecords:
    """The records of one case that several sources share, each read once, on first use.

    Every query reads the records of this one case by its key, with SQL compiled once per
    process (``monitoring.prepared``): the case itself is one the user may see
    (``build_timeline`` makes sure of it), and a record is shown when its case may be seen.
    """

    def __init__(self, case: Case, user):
        self.case = case
        self.user = user
        self.urls = PkUrls()

    def detail_url(self, name: str, pk: int) -> str:
        """``reverse(name, args=[pk])``, reversed once per name (``cases.links``)."""
        return self.urls(name, pk)

    @property
    def detentions(self) -> list[Detention]:
        """Detentions with their person and facility."""
        return self.detentions_and_extensions[0]

    @property
    def extensions(self) -> dict[int, list[DetentionExtension]]:
        """Each detention's extension orders (deleted ones left out), oldest first."""
        return self.detentions_and_extensions[1]

    @cached_property
    def detentions_and_extensions(
        self,
    ) -> tuple[list[Detention], dict[int, list[DetentionExtension]]]:
        """Read the detentions and their extension orders in one query: a LEFT JOIN gives a
        row per live order (one for a detention without any) carrying the order's columns,
        turned back into ``DetentionExtension`` rows, where a prefetch costs a query more."""
        names = EXTENSION_COLUMNS
        pk_at = names.index(DetentionExtension._meta.pk.name)
        rows = DETENTIONS(self.case.pk)
        detentions: dict[int, Detention] = {}
        extensions: dict[int, list[DetentionExtension]] = {}
        for row in rows:
            values = [row.__dict__.pop(f"x_{name}") for name in names]
            detentions.setdefault(row.pk, row)  # the detention's first row
            orders = extensions.setdefault(row.pk, [])
            if values[pk_at] is not None:  # NULL: the detention has no order
                orders.append(DetentionExtension.from_db(Detention.objects.db, None, values))
        return list(detentions.values()), extensions

    @cached_property
    def charges(self) -> list[Charge]:
        return CHARGES(self.case.pk)

    @cached_property
    def outcomes(self) -> list[TrialOutcome]:
        return OUTCOMES(self.case.pk)

    def clock_inputs(self) -> Loaded:
        """What ``cases.clocks`` needs for the case's detentions, from the records read here.

        ``clocks.load`` would read the extensions, charges, sentences and sibling detentions
        again; here they are all in hand: the extensions are prefetched, the charges and
        outcomes are the case's, and every detention of the case is in the batch, so the
        siblings a sentence is credited with are among them.
        """
        detentions = self.detentions
        charges: dict[tuple[int, int], list[Charge]] = defaultdict(list)
        for charge in self.charges:
            charges[(charge.party.person_id, charge.party.case_id)].append(charge)
        sentenced = {d.person_id for d in detentions if d.kind == Detention.Kind.SENTENCE}
        outcomes: dict[tuple[int, int], list[TrialOutcome]] = defaultdict(list)
        siblings: dict[tuple[int, int], list[Detention]] = defaultdict(list)
        if sentenced:
            for outcome in self.outcomes:
                custodial = outcome.life_sentence or (outcome.sentence_months or 0) > 0
                if custodial and outcome.party.person_id in sentenced:
                    outcomes[(outcome.party.person_id, outcome.party.case_id)].append(outcome)
            for detention in detentions:
                if detention.person_id in sentenced and detention.kind in CREDITED_KINDS:
                    siblings[(detention.person_id, detention.case_id)].append(detention)
        return Loaded(
            extensions=self.extensions,
            charges=charges,
            outcomes=outcomes,
            siblings=siblings,
            people={d.person_id: d.person for d in detentions},
        )


def build_timeline(
    case: Case,
    *,
    user,
    kinds: Iterable[str] | None = None,
    now: dt.datetime | None = None,
    visible: bool = False,
) -> list[TimelineEntry]:
    """Return the case's events the user may see, of the chosen kinds, in order.

    The sources read the case's records by its key. ``visible=True`` says the caller read
    the case through ``Case.objects.visible_to(user)`` (the timeline page does); otherwise
    one query makes sure of it, and a case the user may not see has no events for them.
    """
    if not visible and not Case.objects.visible_to(user).filter(pk=case.pk).exists():
        return []
    now = now or timezone.now()
    chosen = set(kinds) if kinds else set(Kind.values)
    records = CaseRecords(case, user)
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
        for entry in source(records, now=now)
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


def on_datetime(value: dt.datetime, *, time_known: bool = True, tz=None) -> dict:
    """Return the date fields of an entry for a moment (in local time), with its time when
    it is known. ``tz``: the current time zone, when the caller has it in hand."""
    local = value.astimezone(tz or timezone.get_current_timezone())
    shown = format_date(local, "DATETIME_FORMAT" if time_known else "DATE_FORMAT")
    return {"day": local.date(), "when": shown, "at": local if time_known else None}


def on_day(value: dt.date) -> dict:
    return {"day": value, "when": format_date(value, "DATE_FORMAT")}


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
    """``Truncator(text).words(DETAIL_WORDS)``, without its lazy wrapper and translation
    lookup for the hundreds of texts that need no cut."""
    words = text.split()
    if len(words) <= DETAIL_WORDS:
        return " ".join(words)
    return add_truncation_text(" ".join(words[:DETAIL_WORDS]))


# Sources: one query each, the records two sources share read once -----------------------


def detention_entries(records: CaseRecords, *, now: dt.datetime) -> Iterator[TimelineEntry]:
    """Yield arrests, detention starts, extension orders and releases."""
    user = records.user
    for detention in records.detentions:
        who = detention.person.label_for(user)
        kind = choice_label(Detention.Kind, detention.kind)
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
        for extension in records.extensions[detention.pk]:
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
                detail=choice_label(Detention.EndReason, detention.end_reason),
                **on_fuzzy(detention.ended),
                **common,
            )


def charge_entries(records: CaseRecords, *, now: dt.datetime) -> Iterator[TimelineEntry]:
    """Yield one entry per charge against a defendant of the case."""
    user = records.user
    for charge in records.charges:
        yield TimelineEntry(
            kind=Kind.CHARGE,
            event=Event.CHARGE,
            title=_("%(person)s charged with %(offence)s")
            % {"person": party_name(charge.party, user), "offence": charge.offence},
            detail=_("Outcome: %(outcome)s")
            % {"outcome": choice_label(Charge.Outcome, charge.outcome)},
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


def hearing_entries(records: CaseRecords, *, now: dt.datetime) -> Iterator[TimelineEntry]:
    """Yield hearings held, adjourned or cancelled, and those still to come."""
    # A case has hundreds of hearings: read as tuples of the few columns shown (a model
    # instance each costs more than the rest of the entry), their titles made once per kind.
    hearings = HEARINGS(records.case.pk)
    titles: dict[tuple[str, str], str] = {}
    tz = timezone.get_current_timezone()
    for pk, status, kind, held_at, scheduled_at, time_known, court, outcome in hearings:
        key = (status, kind)
        if key not in titles:
            titles[key] = HEARING_TITLES[status] % {"kind": choice_label(Hearing.Kind, kind)}
        moment = held_at or scheduled_at
        detail = [court or ""]
        if outcome:
            detail.append(short(outcome))
        yield TimelineEntry(
            kind=Kind.HEARING,
            event=Event.HEARING,
            title=titles[key],
            detail=" · ".join(filter(None, detail)),
            url=records.detail_url("cases:hearing-detail", pk),
            is_future=status == Hearing.Status.SCHEDULED and moment > now,
            pk=pk,
            **on_datetime(moment, time_known=time_known or held_at is not None, tz=tz),
        )


def observation_entries(records: CaseRecords, *, now: dt.datetime) -> Iterator[TimelineEntry]:
    """Yield submitted fair-trial observations; one with a violation is flagged."""
    # Imported here: observations builds on cases, not the other way round.

    if not records.user.has_perm("observations.view_observation"):
        return
    observations = OBSERVATIONS(records.case.pk)
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


def outcome_entries(records: CaseRecords, *, now: dt.datetime) -> Iterator[TimelineEntry]:
    """Yield verdicts and the appeals filed against them."""
    user = records.user
    for outcome in records.outcomes:
        who = party_name(outcome.party, user)
        common = {"kind": Kind.OUTCOME, "url": outcome.get_absolute_url(), "pk": outcome.pk}
        yield TimelineEntry(
            event=Event.VERDICT,
            title=_("Verdict (%(instance)s) for %(person)s: %(verdict)s")
            % {
                "instance": choice_label(Instance, outcome.instance),
                "person": who,
                "verdict": choice_label(TrialOutcome.Verdict, outcome.verdict),
            },
            detail=sentence_label(outcome),
            **on_fuzzy(outcome.verdict_date),
            **common,
        )
        if outcome.appeal_filed_on:
            by = choice_label(TrialOutcome.AppealedBy, outcome.appealed_by)
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


def followup_entries(records: CaseRecords, *, now: dt.datetime) -> Iterator[TimelineEntry]:
    """Yield follow-ups done, and those due."""
    today = timezone.localdate(now)
    for followup in FOLLOWUPS(records.case.pk):
        kind = choice_label(FollowUp.Kind, followup.kind)
        common = {
            "kind": Kind.FOLLOWUP,
            "event": Event.FOLLOWUP,
            "detail": short(followup.description),
            "url": records.detail_url("cases:followup-detail", followup.pk),
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


class KeptRuleBook(RuleBook):
    """The rule table from the process's copy (``cases.rules.rule_table``), on first use."""

    def __init__(self, fingerprint: tuple | None):
        self.fingerprint = fingerprint

    @cached_property
    def rows(self) -> list:
        return rule_table(self.fingerprint)


def deadline_entries(records: CaseRecords, *, now: dt.datetime) -> Iterator[TimelineEntry]:
    """Yield the deadlines of running detentions, those reached while detained, and appeals.

    The clocks are built from the records the other sources read (``clock_inputs``) and the
    rule table (``cases.rules.rule_table``: no query when the case carries its fingerprint).
    """
    user = records.user
    today = timezone.localdate(now)
    # The process's copy of the rule table, when the case came with the table's fingerprint
    # (``case_timeline``): no query; else the table is read once here.
    rules = KeptRuleBook(fingerprint_of(records.case))
    if records.detentions:
        loaded = records.clock_inputs()
        for detention in records.detentions:
            clock = build_clock(detention, today=today, now=now, rules=rules, loaded=loaded)
            yield from detention_deadlines(clock, user=user, today=today)
    for appeal in appeal_clocks(records.outcomes, today=today, rules=rules).values():
        if appeal.deadline is not None:
            yield appeal_entry(appeal, user=user, today=today)


def detention_deadlines(clock: DetentionClock, *, user, today: dt.date) -> Iterator[TimelineEntry]:
    """Yield the deadlines of one detention's clock, each with its rule."""
    detention = clock.detention
    names = {
        "kind": choice_label(Detention.Kind, detention.kind).lower(),
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
        % {
            "instance": choice_label(Instance, outcome.instance),
            "person": party_name(outcome.party, user),
        },
        detail=detail,
        url=outcome.get_absolute_url(),
        is_future=appeal.deadline >= today,
        pk=outcome.pk,
        severity=appeal.severity if appeal.severity != "ok" else "",
        rule_label=rule_label(appeal.rule),
        unverified=appeal.unverified,
        **on_day(appeal.deadline),
    )


# The page --------------------------------------------------------------------------------


def render_entries(entries: Iterable[TimelineEntry]) -> str:
    """Return the ``<li>`` of each entry, escaped, for ``cases/case_timeline.html``.

    Built here rather than in a template loop: a case has hundreds of entries, and the
    template engine's lookups cost more than the rest of the page (about 8 ms for 200).
    The markup is the template's; its words are translated once per page.
    """
    approximate = esc(_("approximate"))
    to_come = esc(_("to come"))
    unverified = esc(_("unverified limit"))
    rule_text = _("Rule: %(rule)s")
    labels: dict[str, str] = {}
    html = []
    for entry in entries:
        classes = [entry.kind]
        if entry.is_future:
            classes.append("future")
        if entry.severity:
            classes.append(entry.severity)
        if entry.kind not in labels:
            labels[entry.kind] = esc(entry.kind_label)
        html.append(f'<li class="{esc(" ".join(classes))}">')
        html.append(f'<div><span class="when">{esc(entry.when)}</span>')
        if entry.approximate:
            label = esc(entry.precision_label)
            html.append(f' <span class="approx" title="{label}">{approximate}</span>')
        if entry.is_future:
            html.append(f' <span class="badge">{to_come}</span>')
        html.append(f' <span class="kind">{labels[entry.kind]}</span></div>')
        title = esc(entry.title)
        if entry.url:
            title = f'<a href="{esc(entry.url)}">{title}</a>'
        html.append(f"<div>{title}</div>")
        if entry.detail:
            html.append(f"<div><small>{esc(entry.detail)}</small></div>")
        if entry.rule_label:
            rule = esc(rule_text % {"rule": entry.rule_label})
            html.append(f'<div class="clock-rule"><small>{rule}</small>')
            if entry.unverified:
                html.append(f' <span class="badge warn">{unverified}</span>')
            html.append("</div>")
        html.append("</li>\n")
    return mark_safe("".join(html))  # every value above is escaped
