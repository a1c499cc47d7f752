"""Legal clocks of detentions and appeals, read from the database in a fixed number of queries.

``cases.rules`` does the arithmetic for one rule; this module gathers, for many detentions at
once, what that arithmetic needs: the offence class from the person's charges in the case, the
age band from the birth date, the extension orders, the sentence and the earlier detentions of
the same case, and the rule in force on the day the detention began. Whatever the number of
detentions it reads at most: the extension orders (unless prefetched), the charges, the
outcomes and the other detentions of the same cases (only when a sentence is among them), the
people (unless selected) and the rule table (once, and only when a clock needs it).

Decisions recorded here so they are visible:

- The offence class is that of the most serious charge still standing (dropped and acquitted
  charges are ignored): any felony makes a felony; otherwise any charge of unknown class, or no
  charge at all, makes the class unknown; then misdemeanour, then petty offence.
- An unknown class never gets one deadline: both candidate clocks (felony, misdemeanour) are
  shown and the page asks for the article. ``deadlines()`` gives the earliest candidate of each
  date, so reminders come early. The state stays ``offence_class_unknown`` unless every
  candidate agrees on something worse (past both legal maxima is unlawful whatever the class).
- A sentence runs from the day the sentence detention began, less the credited days of earlier
  pretrial detention and police custody in the same case (``settings.PRETRIAL_CREDIT``, 1.0 by
  default: every day counts; the credit is unverified, DOMAIN.md section 3.4). With full credit
  and no gap this is the start of the deprivation of liberty in the case, as DOMAIN.md section
  8.2 says; subtracting the credit from that earlier start as well would count it twice.
- Clemency eligibility follows the decree in force on the day computed for (eligibility is
  judged when a petition is made); every other rule is the one in force on the start day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.dates import Precision, normalise
from cases.models import (
    AgeBand,
    Charge,
    Confidence,
    Detention,
    DetentionExtension,
    Instance,
    LegalRule,
    Measure,
    OffenceClass,
    Person,
    TrialOutcome,
)
from cases.rules import (
    STATE_URGENCY,
    ClockState,
    CustodyClock,
    PretrialClock,
    ReleaseDates,
    Rule,
    appeal_deadline,
    best_rule,
    police_custody_clock,
    pretrial_clock,
    pretrial_clock_unknown_class,
    release_dates,
)

CHILD_AGE = 14
RELEASE_DUE_DAYS = 30
APPEAL_SOON_DAYS = 7
CLOCKED_KINDS = (Detention.Kind.POLICE_CUSTODY, Detention.Kind.PRETRIAL, Detention.Kind.SENTENCE)
CREDITED_KINDS = (Detention.Kind.POLICE_CUSTODY, Detention.Kind.PRETRIAL)
NOT_COUNTED = (Charge.Outcome.DROPPED, Charge.Outcome.ACQUITTED)
CANDIDATE_CLASSES = (OffenceClass.FELONY, OffenceClass.MISDEMEANOUR)

# States of a sentence, and of a detention without a legal clock, beside ClockState's.
RELEASE_OVERDUE = "release_overdue"
RELEASE_DUE = "release_due"
SERVING = "serving"
NO_CLOCK = "no_clock"

STATE_LABELS = {
    ClockState.NOT_ALLOWED: gettext_lazy("Not allowed by law"),
    ClockState.BEYOND_LEGAL_MAXIMUM: gettext_lazy("Beyond the legal maximum"),
    RELEASE_OVERDUE: gettext_lazy("Release overdue"),
    ClockState.EXPIRED_WITHOUT_EXTENSION: gettext_lazy("Expired without extension"),
    ClockState.CLASS_UNKNOWN: gettext_lazy("Offence class unknown"),
    ClockState.REVIEW_DUE: gettext_lazy("Review due"),
    RELEASE_DUE: gettext_lazy("Release due"),
    ClockState.WITHIN_PERIOD: gettext_lazy("Within the period"),
    SERVING: gettext_lazy("Serving a sentence"),
    NO_CLOCK: gettext_lazy("No legal clock"),
    ClockState.ENDED: gettext_lazy("Ended"),
}
URGENCY = {
    **STATE_URGENCY,
    RELEASE_OVERDUE: STATE_URGENCY[ClockState.BEYOND_LEGAL_MAXIMUM],
    RELEASE_DUE: STATE_URGENCY[ClockState.REVIEW_DUE],
    SERVING: STATE_URGENCY[ClockState.WITHIN_PERIOD],
    NO_CLOCK: STATE_URGENCY[ClockState.ENDED],
}
OVERDUE_STATES = frozenset(
    {
        ClockState.NOT_ALLOWED,
        ClockState.BEYOND_LEGAL_MAXIMUM,
        ClockState.EXPIRED_WITHOUT_EXTENSION,
        RELEASE_OVERDUE,
    }
)
WARNING_STATES = frozenset({ClockState.CLASS_UNKNOWN, ClockState.REVIEW_DUE, RELEASE_DUE})
DEADLINE_NAMES = ("authorised_end", "legal_maximum", "custody_limit", "expected_release")
DATE_LABELS = {
    "authorised_end": gettext_lazy("Authorised end"),
    "legal_maximum": gettext_lazy("Legal maximum"),
    "penalty_cap": gettext_lazy("Half the minimum penalty (shown, not applied)"),
    "custody_limit": gettext_lazy("Police custody limit"),
    "expected_release": gettext_lazy("Expected release"),
    "reduction_eligible": gettext_lazy("Eligible for a sentence reduction"),
    "pardon_eligible": gettext_lazy("Eligible for a pardon"),
}
APPEAL_STATE_LABELS = {
    "open": gettext_lazy("Open"),
    "filed": gettext_lazy("Appeal filed"),
    "expired": gettext_lazy("Expired, no appeal recorded"),
}


def severity_of(state: str) -> str:
    """Return the badge class of a state: danger, warn, ok or nothing."""
    if state in OVERDUE_STATES:
        return "danger"
    if state in WARNING_STATES:
        return "warn"
    if state in (ClockState.WITHIN_PERIOD, SERVING):
        return "ok"
    return ""


def confidence_label(rule: Rule | None) -> str:
    """Return "High", "Medium" or "Unverified" for a rule, in the user's language."""
    if rule is None or rule.confidence not in Confidence.values:
        return ""
    return str(Confidence(rule.confidence).label)


class RuleBook:
    """The rule table, read once (on first use); the rule in force for a measure on a day."""

    def __init__(self, rows: Iterable[LegalRule] | None = None):
        if rows is not None:
            self.__dict__["rows"] = list(rows)

    @cached_property
    def rows(self) -> list[LegalRule]:
        return list(LegalRule.objects.all())

    def in_force(self, measure: str, *, on: dt.date) -> list[LegalRule]:
        return [
            row
            for row in self.rows
            if row.measure == measure
            and row.effective_from <= on
            and (row.effective_until is None or row.effective_until >= on)
        ]

    def rule(
        self, measure: str, *, on: dt.date, offence_class: str = "any", age_band: str = "any"
    ) -> Rule | None:
        """Return the rule in force on a day, the most specific match first."""
        return best_rule(
            self.in_force(measure, on=on), offence_class=offence_class, age_band=age_band
        )


@dataclass(frozen=True)
class ClockDate:
    """One computed date as a page shows it: what it is, when, and the rule behind it."""

    name: str
    day: dt.date
    today: dt.date
    rule: Rule | None = None
    moment: dt.datetime | None = None  # police custody runs in hours
    condition: str = ""  # "felony" when the class is unknown and this is one candidate
    note: str = ""

    @property
    def label(self) -> str:
        return str(DATE_LABELS[self.name])

    @property
    def condition_label(self) -> str:
        return str(OffenceClass(self.condition).label) if self.condition else ""

    @property
    def days_left(self) -> int:
        return (self.day - self.today).days

    @property
    def days_ago(self) -> int:
        return max(-self.days_left, 0)

    @property
    def passed(self) -> bool:
        return self.day < self.today

    @property
    def is_deadline(self) -> bool:
        return self.name in DEADLINE_NAMES

    @property
    def confidence_label(self) -> str:
        return confidence_label(self.rule)

    @property
    def unverified(self) -> bool:
        return self.rule is not None and self.rule.is_unverified


@dataclass(frozen=True)
class DetentionClock:
    """A detention's legal clock on a day: its state, its deadlines and the rules behind them."""

    detention: Detention
    today: dt.date
    kind: str
    offence_class: str
    age_band: str
    state: str
    urgency: int
    days_detained: int
    notes: tuple[str, ...] = ()
    pretrial: PretrialClock | None = None
    custody: CustodyClock | None = None
    release: ReleaseDates | None = None
    release_overdue: bool = False
    next_deadline: dt.date | None = None
    beyond_limit_since: dt.date | None = None
    rules_used: tuple[Rule, ...] = ()
    dates: tuple[ClockDate, ...] = ()
    sentence: TrialOutcome | None = None
    served_from: dt.date | None = None  # sentence start less the credited pretrial days
    pretrial_credit_days: int = 0
    pretrial_credit: float = 1.0
    unknown_charges: tuple[Charge, ...] = field(default=(), compare=False)

    def deadlines(self, *, running_only: bool = True) -> list[tuple[str, dt.date]]:
        """Return the named deadlines (earliest candidate of each when the class is unknown)."""
        if running_only and not self.is_running:
            return []
        earliest: dict[str, dt.date] = {}
        for item in self.dates:
            if item.is_deadline and (item.name not in earliest or item.day < earliest[item.name]):
                earliest[item.name] = item.day
        return [(name, earliest[name]) for name in DEADLINE_NAMES if name in earliest]

    @property
    def is_running(self) -> bool:
        return self.state not in (ClockState.ENDED, NO_CLOCK)

    @property
    def is_overdue(self) -> bool:
        return self.state in OVERDUE_STATES

    @property
    def class_unknown(self) -> bool:
        return self.offence_class == OffenceClass.UNKNOWN

    @property
    def asks_for_article(self) -> bool:
        """Return True when a pretrial clock cannot pick its rule until the class is known."""
        return self.class_unknown and self.kind == Detention.Kind.PRETRIAL and self.is_running

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def severity(self) -> str:
        return severity_of(self.state)

    @property
    def offence_class_label(self) -> str:
        return str(OffenceClass(self.offence_class).label)

    @property
    def age_band_label(self) -> str:
        return str(AgeBand(self.age_band).label)

    @property
    def next_date(self) -> ClockDate | None:
        """Return the shown date behind ``next_deadline``, for its rule."""
        for item in sorted(self.dates, key=lambda item: item.day):
            if item.is_deadline and item.day == self.next_deadline:
                return item
        return None


@dataclass(frozen=True)
class AppealClock:
    """The appeal deadline of one verdict, and whether an appeal was filed."""

    outcome: TrialOutcome
    today: dt.date
    deadline: dt.date | None
    rule: Rule | None
    days_left: int | None
    filed: bool
    state: str  # "open", "filed" or "expired"
    approximate: bool = False  # the verdict date is not a single day: earliest day used
    filed_in_time: bool | None = None  # None when unknown (vague filing date, no rule)

    @property
    def state_label(self) -> str:
        return str(APPEAL_STATE_LABELS[self.state])

    @property
    def severity(self) -> str:
        if self.state == "expired":
            return "warn"
        if (
            self.state == "open"
            and self.days_left is not None
            and self.days_left <= APPEAL_SOON_DAYS
        ):
            return "warn"
        return "ok" if self.state == "filed" and self.filed_in_time is not False else ""

    @property
    def confidence_label(self) -> str:
        return confidence_label(self.rule)

    @property
    def unverified(self) -> bool:
        return self.rule is not None and self.rule.is_unverified


# Derived facts -----------------------------------------------------------------------------


def offence_class_of(charges: Iterable[Charge]) -> str:
    """Return the class of the most serious charge still standing ("unknown" when none)."""
    classes = {
        charge.offence.offence_class for charge in charges if charge.outcome not in NOT_COUNTED
    }
    if OffenceClass.FELONY in classes:
        return OffenceClass.FELONY
    if not classes or OffenceClass.UNKNOWN in classes:
        return OffenceClass.UNKNOWN
    if OffenceClass.MISDEMEANOUR in classes:
        return OffenceClass.MISDEMEANOUR
    return OffenceClass.PETTY


def age_band_of(person: Person, day: dt.date) -> tuple[str, tuple[str, ...]]:
    """Return the age band on a day ("adult", "minor", "child") and notes on any doubt."""
    when = {"date": date_format(day, "DATE_FORMAT")}
    if person.birth_on is None:
        return AgeBand.ADULT, (_("Birth date not recorded: the adult limits are used."),)
    minor = person.is_minor_on(day)
    if minor is None:
        note = _(
            "The birth date does not settle whether the person was under 18 on %(date)s: "
            "the adult limits are used."
        )
        return AgeBand.ADULT, (note % when,)
    if not minor:
        return AgeBand.ADULT, ()
    earliest, latest = normalise(person.birth_on, person.birth_precision, person.birth_until)
    child_until = day - relativedelta(years=CHILD_AGE)
    if earliest > child_until:
        return AgeBand.CHILD, ()
    if latest is None or latest > child_until:
        note = _("The person may have been under 14 on %(date)s: the limits for minors are used.")
        return AgeBand.MINOR, (note % when,)
    return AgeBand.MINOR, ()


def min_penalty_of(charges: Iterable[Charge], offence_class: str) -> int | None:
    """Return the highest known minimum penalty among the standing charges of a class."""
    minima = [
        charge.offence.min_penalty_months
        for charge in charges
        if charge.outcome not in NOT_COUNTED
        and charge.offence.offence_class == offence_class
        and charge.offence.min_penalty_months
    ]
    return max(minima) if minima else None


def days_in(intervals: Iterable[tuple[dt.date, dt.date]]) -> int:
    """Return the number of days covered by intervals [start, end), overlaps counted once."""
    total, reached = 0, None
    for start, end in sorted(intervals):
        if reached is not None:
            start = max(start, reached)
        if end > start:
            total += (end - start).days
            reached = end
    return total


def latest_sentence(outcomes: Iterable[TrialOutcome]) -> TrialOutcome | None:
    """Return the latest outcome with a custodial sentence (life, or months not suspended)."""
    rank = {Instance.FIRST: 0, Instance.APPEAL: 1, Instance.SUPREME: 2}
    custodial = [o for o in outcomes if o.life_sentence or (o.custodial_months or 0) > 0]
    if not custodial:
        return None
    return max(
        custodial, key=lambda o: (rank.get(o.instance, 0), o.verdict_on or dt.date.min, o.pk)
    )


def end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


# Loading -----------------------------------------------------------------------------------


@dataclass
class Loaded:
    """What the clocks of a batch of detentions need, read in a fixed number of queries."""

    extensions: dict[int, list[DetentionExtension]]
    charges: dict[tuple[int, int], list[Charge]]
    outcomes: dict[tuple[int, int], list[TrialOutcome]]
    siblings: dict[tuple[int, int], list[Detention]]
    people: dict[int, Person]


def load(detentions: Sequence[Detention]) -> Loaded:
    """Read the extension orders, charges, sentences and people of these detentions."""
    ids = [d.pk for d in detentions]
    extensions: dict[int, list[DetentionExtension]] = defaultdict(list)
    missing = [d.pk for d in detentions if "extensions" not in prefetched(d)]
    for detention in detentions:
        if detention.pk not in missing:
            extensions[detention.pk] = list(detention.extensions.all())
    if missing:
        for extension in DetentionExtension.objects.filter(detention__in=missing).order_by(
            "ordered_on", "pk"
        ):
            extensions[extension.detention_id].append(extension)

    in_cases = [d for d in detentions if d.case_id]
    person_ids = {d.person_id for d in in_cases}
    case_ids = {d.case_id for d in in_cases}
    charges: dict[tuple[int, int], list[Charge]] = defaultdict(list)
    if in_cases:
        rows = Charge.objects.filter(
            party__person__in=person_ids, party__case__in=case_ids
        ).select_related("offence", "party")
        for charge in rows:
            charges[(charge.party.person_id, charge.party.case_id)].append(charge)

    outcomes: dict[tuple[int, int], list[TrialOutcome]] = defaultdict(list)
    siblings: dict[tuple[int, int], list[Detention]] = defaultdict(list)
    sentenced = [d for d in in_cases if d.kind == Detention.Kind.SENTENCE]
    if sentenced:
        people = {d.person_id for d in sentenced}
        cases = {d.case_id for d in sentenced}
        custodial = Q(life_sentence=True) | Q(sentence_months__gt=0)
        for outcome in TrialOutcome.objects.filter(
            custodial, party__person__in=people, party__case__in=cases
        ).select_related("party"):
            outcomes[(outcome.party.person_id, outcome.party.case_id)].append(outcome)
        for other in Detention.objects.filter(
            person__in=people, case__in=cases, kind__in=CREDITED_KINDS
        ).exclude(pk__in=ids):
            siblings[(other.person_id, other.case_id)].append(other)
        # Detentions of the batch are siblings too, without a second read.
        for detention in in_cases:
            if detention.kind in CREDITED_KINDS:
                siblings[(detention.person_id, detention.case_id)].append(detention)

    uncached = {d.person_id for d in detentions if not Detention.person.is_cached(d)}
    people = Person.objects.in_bulk(uncached) if uncached else {}
    for detention in detentions:
        if Detention.person.is_cached(detention):
            people[detention.person_id] = detention.person
    return Loaded(extensions, charges, outcomes, siblings, people)


def prefetched(obj) -> dict:
    return getattr(obj, "_prefetched_objects_cache", {})


# Public API --------------------------------------------------------------------------------


def detention_clocks(
    detentions: Iterable[Detention],
    *,
    today: dt.date,
    now: dt.datetime | None = None,
    rules: RuleBook | None = None,
) -> dict[int, DetentionClock]:
    """Return the clock of each detention on ``today``, by detention pk, in a fixed number of
    queries (select ``person`` and prefetch ``extensions`` to save two of them)."""
    detentions = list(detentions)
    if not detentions:
        return {}
    rules = rules or RuleBook()
    if now is None:
        now = timezone.now()
        if timezone.localdate(now) != today:
            now = end_of_day(today)
    loaded = load(detentions)
    return {
        detention.pk: build_clock(detention, today=today, now=now, rules=rules, loaded=loaded)
        for detention in detentions
    }


def detention_clock(
    detention: Detention,
    *,
    today: dt.date,
    now: dt.datetime | None = None,
    rules: RuleBook | None = None,
) -> DetentionClock:
    """Return the clock of one detention on ``today``."""
    return detention_clocks([detention], today=today, now=now, rules=rules)[detention.pk]


def appeal_clocks(
    outcomes: Iterable[TrialOutcome], *, today: dt.date, rules: RuleBook | None = None
) -> dict[int, AppealClock]:
    """Return the appeal clock of each dated first-instance or appeal verdict, by outcome pk."""
    rules = rules or RuleBook()
    clocks = {}
    for outcome in outcomes:
        if outcome.instance not in (Instance.FIRST, Instance.APPEAL) or not outcome.verdict_on:
            continue
        clocks[outcome.pk] = build_appeal_clock(outcome, today=today, rules=rules)
    return clocks


# Building one clock ------------------------------------------------------------------------


def build_appeal_clock(outcome: TrialOutcome, *, today: dt.date, rules: RuleBook) -> AppealClock:
    rule = rules.rule(Measure.APPEAL, on=outcome.verdict_on)
    deadline = appeal_deadline(verdict_on=outcome.verdict_on, rule=rule) if rule else None
    filed = outcome.appeal_filed_on is not None
    in_time = None
    if filed and deadline is not None:
        _first, last = normalise(
            outcome.appeal_filed_on, outcome.appeal_filed_precision, outcome.appeal_filed_until
        )
        if last is not None and last <= deadline:
            in_time = True
        elif outcome.appeal_filed_on > deadline:
            in_time = False
    if filed:
        state = "filed"
    elif deadline is not None and today > deadline:
        state = "expired"
    else:
        state = "open"
    return AppealClock(
        outcome=outcome,
        today=today,
        deadline=deadline,
        rule=rule,
        days_left=(deadline - today).days if deadline else None,
        filed=filed,
        state=state,
        approximate=outcome.verdict_precision != Precision.DAY,
        filed_in_time=in_time,
    )


@dataclass
class Draft:
    """The parts of a clock as they are worked out, before it is frozen."""

    state: str
    days_detained: int
    notes: list[str] = field(default_factory=list)
    dates: list[ClockDate] = field(default_factory=list)
    rules_used: list[Rule] = field(default_factory=list)
    beyond_limit_since: dt.date | None = None
    extra: dict = field(default_factory=dict)


def build_clock(
    detention: Detention, *, today: dt.date, now: dt.datetime, rules: RuleBook, loaded: Loaded
) -> DetentionClock:
    key = (detention.person_id, detention.case_id)
    charges = loaded.charges.get(key, []) if detention.case_id else []
    offence_class = offence_class_of(charges)
    person = loaded.people[detention.person_id]
    age_band, age_notes = age_band_of(person, detention.started_on)
    ended = detention.ended_on is not None and detention.ended_on <= today
    until = detention.ended_on if ended else today
    days = max((until - detention.started_on).days, 0)

    if detention.kind == Detention.Kind.PRETRIAL:
        draft = pretrial_draft(
            detention,
            today=today,
            rules=rules,
            offence_class=offence_class,
            age_band=age_band,
            charges=charges,
            extensions=loaded.extensions.get(detention.pk, []),
        )
    elif detention.kind == Detention.Kind.POLICE_CUSTODY:
        draft = custody_draft(
            detention,
            today=today,
            now=now,
            rules=rules,
            offence_class=offence_class,
            extensions=loaded.extensions.get(detention.pk, []),
        )
    elif detention.kind == Detention.Kind.SENTENCE:
        draft = sentence_draft(
            detention,
            today=today,
            rules=rules,
            outcomes=loaded.outcomes.get(key, []),
            siblings=loaded.siblings.get(key, []),
        )
    else:
        draft = Draft(state=NO_CLOCK, days_detained=days)
    if ended:
        draft.state = ClockState.ENDED
        draft.beyond_limit_since = None
    draft.days_detained = days

    notes = list(age_notes) if detention.kind in CREDITED_KINDS else []
    if detention.case_id is None and detention.kind in CLOCKED_KINDS:
        notes.append(_("Not linked to a case: no charges, so the offence class is unknown."))
    if detention.started_precision != Precision.DAY and detention.kind in CLOCKED_KINDS:
        notes.append(_("The start date is approximate: the clock counts from its earliest day."))
    notes += draft.notes

    upcoming = [item.day for item in draft.dates if item.is_deadline and item.day >= today]
    running = draft.state not in (ClockState.ENDED, NO_CLOCK)
    return DetentionClock(
        detention=detention,
        today=today,
        kind=detention.kind,
        offence_class=offence_class,
        age_band=age_band,
        state=draft.state,
        urgency=URGENCY[draft.state],
        days_detained=draft.days_detained,
        notes=tuple(notes),
        next_deadline=min(upcoming) if running and upcoming else None,
        beyond_limit_since=draft.beyond_limit_since,
        rules_used=tuple(dict.fromkeys(draft.rules_used)),
        dates=tuple(draft.dates),
        unknown_charges=tuple(
            c
            for c in charges
            if c.outcome not in NOT_COUNTED and c.offence.offence_class == OffenceClass.UNKNOWN
        ),
        **draft.extra,
    )


def pretrial_draft(
    detention: Detention,
    *,
    today: dt.date,
    rules: RuleBook,
    offence_class: str,
    age_band: str,
    charges: list[Charge],
    extensions: list[DetentionExtension],
) -> Draft:
    start = detention.started_on
    months = [extension.months for extension in extensions if extension.months]
    notes = []
    if any(extension.days or extension.hours for extension in extensions):
        notes.append(_("Extensions given in days or hours are not counted by the pretrial clock."))
    common = {"start": start, "today": today, "extensions_months": months}
    common["ended_on"] = detention.ended_on

    if offence_class == OffenceClass.UNKNOWN:
        candidates = {}
        for candidate in CANDIDATE_CLASSES:
            rule = rules.rule(
                Measure.PRETRIAL, on=start, offence_class=candidate, age_band=age_band
            )
            if rule is not None:
                candidates.setdefault(rule.pk, (candidate, rule))
        if len(candidates) == 1:  # one rule whatever the class (a child): no doubt left
            (_candidate, rule), *_rest = candidates.values()
            return known_pretrial(rule, common, notes, today=today, start=start)
        if not candidates:
            return Draft(ClockState.CLASS_UNKNOWN, 0, [*notes, no_rule_note(start)])
        clock = pretrial_clock_unknown_class(
            candidates=[rule for _candidate, rule in candidates.values()], **common
        )
        return unknown_pretrial(clock, [c for c, _rule in candidates.values()], notes)

    if offence_class == OffenceClass.PETTY:
        notes.append(_("Pretrial detention needs an offence carrying at least one year."))
    rule = rules.rule(Measure.PRETRIAL, on=start, offence_class=offence_class, age_band=age_band)
    if rule is None:
        return Draft(NO_CLOCK, 0, [*notes, no_rule_note(start)])
    common["min_penalty_months"] = min_penalty_of(charges, offence_class)
    return known_pretrial(rule, common, notes, today=today, start=start)


def no_rule_note(start: dt.date) -> str:
    return _("No pretrial rule was in force on %(date)s: see the rule table.") % {
        "date": date_format(start, "DATE_FORMAT")
    }


def known_pretrial(rule: Rule, common: dict, notes: list[str], *, today, start) -> Draft:
    clock = pretrial_clock(rule=rule, **common)
    draft = Draft(clock.state, clock.days_detained, notes, rules_used=[rule])
    draft.extra["pretrial"] = clock
    if not rule.allowed:
        draft.beyond_limit_since = start
        return draft
    draft.dates = pretrial_dates(clock, today=today)
    if clock.penalty_cap is not None:
        draft.dates.append(ClockDate("penalty_cap", clock.penalty_cap, today, rule))
    if clock.state in (ClockState.EXPIRED_WITHOUT_EXTENSION, ClockState.BEYOND_LEGAL_MAXIMUM):
        draft.beyond_limit_since = clock.authorised_end + dt.timedelta(days=1)
    return draft


def pretrial_dates(clock: PretrialClock, *, today: dt.date, condition: str = "") -> list:
    dates = [ClockDate("authorised_end", clock.authorised_end, today, clock.rule, None, condition)]
    if clock.legal_maximum is not None:
        dates.append(
            ClockDate("legal_maximum", clock.legal_maximum, today, clock.rule, None, condition)
        )
    return dates


def unknown_pretrial(clock: PretrialClock, classes: list[str], notes: list[str]) -> Draft:
    draft = Draft(clock.state, clock.days_detained, notes)
    draft.extra["pretrial"] = clock
    for candidate, alternative in zip(classes, clock.alternatives, strict=True):
        draft.rules_used.append(alternative.rule)
        if alternative.rule.allowed:
            draft.dates += pretrial_dates(alternative, today=clock.today, condition=candidate)
    # Whatever the class, the least severe candidate holds: escalate when even it is overdue.
    certain = max(clock.alternatives, key=lambda alternative: alternative.urgency)
    if clock.state != ClockState.ENDED and certain.urgency < URGENCY[ClockState.CLASS_UNKNOWN]:
        draft.state = certain.state
        if certain.authorised_end is not None:
            draft.beyond_limit_since = certain.authorised_end + dt.timedelta(days=1)
        else:
            draft.beyond_limit_since = clock.start
    return draft


def custody_draft(
    detention: Detention,
    *,
    today: dt.date,
    now: dt.datetime,
    rules: RuleBook,
    offence_class: str,
    extensions: list[DetentionExtension],
) -> Draft:
    notes = []
    arrival = detention.custody_arrival_at or detention.arrested_at
    if detention.custody_arrival_at is None:
        if arrival is not None:
            notes.append(_("Arrival at the police unit not recorded: counted from the arrest."))
        else:
            notes.append(
                _("Neither arrest nor arrival time is recorded: counted from the start day.")
            )
            arrival = timezone.make_aware(dt.datetime.combine(detention.started_on, dt.time.min))
    by_class = offence_class if offence_class != OffenceClass.UNKNOWN else "any"
    if offence_class == OffenceClass.UNKNOWN:
        notes.append(_("Offence class unknown: an extension to 72 hours applies only to felonies."))
    rule = rules.rule(Measure.POLICE_CUSTODY, on=detention.started_on, offence_class=by_class)
    if rule is None:
        return Draft(NO_CLOCK, 0, [*notes, no_rule_note(detention.started_on)])
    granted = [e for e in extensions if e.hours or e.days]
    hours = sum(e.hours + 24 * e.days for e in granted)
    if detention.ended_on is not None and detention.ended_on <= today:
        now = min(now, end_of_day(detention.ended_on))
    clock = police_custody_clock(
        arrival=arrival,
        now=now,
        rule=rule,
        extension_hours_granted=hours,
        extension_has_document=all(e.document for e in granted),
    )
    if clock.extension_missing_document:
        notes.append(_("An extension is recorded without the prosecutor's written permission."))
    limit_day = timezone.localdate(clock.limit)
    if clock.overdue:
        state = ClockState.BEYOND_LEGAL_MAXIMUM
    elif clock.warning:
        state = ClockState.REVIEW_DUE
    else:
        state = ClockState.WITHIN_PERIOD
    draft = Draft(state, 0, notes, rules_used=[rule])
    draft.dates = [ClockDate("custody_limit", limit_day, today, rule, clock.limit)]
    draft.extra["custody"] = clock
    if clock.overdue:
        draft.beyond_limit_since = limit_day
    return draft


def sentence_draft(
    detention: Detention,
    *,
    today: dt.date,
    rules: RuleBook,
    outcomes: list[TrialOutcome],
    siblings: list[Detention],
) -> Draft:
    sentence = latest_sentence(outcomes)
    if sentence is None:
        note = _("No custodial sentence is recorded for this person in this case: no release date.")
        return Draft(SERVING, 0, [note])
    start = detention.started_on
    credit = float(getattr(settings, "PRETRIAL_CREDIT", 1.0))
    earlier = days_in(
        (other.started_on, min(other.ended_on or start, start))
        for other in siblings
        if other.pk != detention.pk and other.started_on < start
    )
    credit_days = round(earlier * credit)
    served_from = start - dt.timedelta(days=credit_days)
    reduction = rules.rule(Measure.SENTENCE_REDUCTION, on=today)
    pardon = rules.rule(Measure.PARDON, on=today)
    life = rules.rule(Measure.LIFE_REDUCTION, on=today)
    release = release_dates(
        start=served_from,
        custodial_months=sentence.custodial_months,
        life=sentence.life_sentence,
        reduction_rule=reduction,
        pardon_rule=pardon,
        life_rule=life,
    )
    draft = Draft(SERVING, 0)
    draft.extra.update(
        release=release,
        sentence=sentence,
        served_from=served_from,
        pretrial_credit_days=credit_days,
        pretrial_credit=credit,
    )
    if release.reduction_eligible:
        draft.dates.append(
            ClockDate(
                "reduction_eligible", release.reduction_eligible, today, release.reduction_rule
            )
        )
    if release.pardon_eligible:
        draft.dates.append(
            ClockDate("pardon_eligible", release.pardon_eligible, today, release.pardon_rule)
        )
    draft.rules_used = [r for r in (release.reduction_rule, release.pardon_rule) if r]
    expected = release.expected_release
    if expected is None:
        return draft
    credit_note = _("Credit for pretrial detention: %(days)s days (setting PRETRIAL_CREDIT).") % {
        "days": credit_days
    }
    draft.dates.insert(0, ClockDate("expected_release", expected, today, note=credit_note))
    if today > expected:
        draft.state = RELEASE_OVERDUE
        draft.beyond_limit_since = expected + dt.timedelta(days=1)
        draft.extra["release_overdue"] = detention.ended_on is None or detention.ended_on > today
    elif (expected - today).days <= RELEASE_DUE_DAYS:
        draft.state = RELEASE_DUE
    return draft
