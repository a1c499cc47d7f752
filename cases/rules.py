"""Legal clocks: rule lookups and deadline arithmetic.

The arithmetic is pure: every function takes the day to compute for and a ``Rule`` (a frozen copy
of a ``LegalRule`` row), so it is tested without a database. Months are calendar months
(``relativedelta``), never 30-day months. A deadline is the day by which the person must be
released or the detention extended: the detention is past it from the next day on.

One judgement call, recorded here so it is visible: the misdemeanour rule's extra cap ("no more
than half the minimum penalty", ICJ, medium confidence) would put incitement (art. 494, minimum 6
months) at 3 months, below the 4-month initial period of art. 209 itself. The two cannot both be
right, so the cap is computed and shown as ``penalty_cap`` beside the clock, but the state follows
the article's own periods (high confidence).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from dateutil.relativedelta import relativedelta
from django.db.models.signals import post_delete, post_save

DEFAULT_REVIEW_DAYS = 30
CUSTODY_WARNING_HOURS = 36


@dataclass(frozen=True)
class Rule:
    """The figures of one legal rule, with where they come from."""

    measure: str
    article: str
    confidence: str
    source: str = ""
    offence_class: str = "any"
    age_band: str = "any"
    period_months: int = 0
    period_days: int = 0
    period_hours: int = 0
    extension_months: int = 0
    extension_hours: int = 0
    max_extensions: int = 0
    cap_months: int | None = None
    cap_hours: int | None = None
    cap_share_of_min_penalty: Fraction | None = None
    share: Fraction | None = None
    allowed: bool = True
    pk: int | None = None

    @classmethod
    def from_model(cls, row) -> Rule:
        share = None
        if row.share_numerator is not None and row.share_denominator:
            share = Fraction(row.share_numerator, row.share_denominator)
        cap_share = None
        if row.cap_share_of_min_penalty is not None:
            cap_share = Fraction(row.cap_share_of_min_penalty)
        return cls(
            measure=row.measure,
            article=row.article,
            confidence=row.confidence,
            source=row.source,
            offence_class=row.offence_class,
            age_band=row.age_band,
            period_months=row.period_months,
            period_days=row.period_days,
            period_hours=row.period_hours,
            extension_months=row.extension_months,
            extension_hours=row.extension_hours,
            max_extensions=row.max_extensions,
            cap_months=row.cap_months,
            cap_hours=row.cap_hours,
            cap_share_of_min_penalty=cap_share,
            share=share,
            allowed=row.allowed,
            pk=row.pk,
        )

    @property
    def is_unverified(self) -> bool:
        return self.confidence == "unverified"


def add_months(day: dt.date, months: int = 0, days: int = 0) -> dt.date:
    return day + relativedelta(months=months, days=days)


class ClockState(StrEnum):
    WITHIN_PERIOD = "within_period"
    REVIEW_DUE = "review_due"
    EXPIRED_WITHOUT_EXTENSION = "expired_without_extension"
    BEYOND_LEGAL_MAXIMUM = "beyond_legal_maximum"
    CLASS_UNKNOWN = "offence_class_unknown"
    NOT_ALLOWED = "not_allowed"
    ENDED = "ended"


# Most urgent first: the dashboard sorts by this.
STATE_URGENCY = {
    ClockState.NOT_ALLOWED: 0,
    ClockState.BEYOND_LEGAL_MAXIMUM: 1,
    ClockState.EXPIRED_WITHOUT_EXTENSION: 2,
    ClockState.CLASS_UNKNOWN: 3,
    ClockState.REVIEW_DUE: 4,
    ClockState.WITHIN_PERIOD: 5,
    ClockState.ENDED: 6,
}


@dataclass(frozen=True)
class PretrialClock:
    start: dt.date
    today: dt.date
    state: ClockState
    rule: Rule | None
    days_detained: int
    authorised_end: dt.date | None = None
    legal_maximum: dt.date | None = None
    penalty_cap: dt.date | None = None
    extensions_granted: int = 0
    extension_allowed: bool = False
    alternatives: tuple[PretrialClock, ...] = field(default=())

    @property
    def days_left(self) -> int | None:
        if self.authorised_end is None:
            return None
        return (self.authorised_end - self.today).days

    @property
    def days_to_maximum(self) -> int | None:
        if self.legal_maximum is None:
            return None
        return (self.legal_maximum - self.today).days

    @property
    def next_deadline(self) -> dt.date | None:
        """The nearest date that matters: the authorised end, else the legal maximum."""
        dates = [d for d in (self.authorised_end, self.legal_maximum) if d is not None]
        if self.alternatives:
            dates += [a.next_deadline for a in self.alternatives if a.next_deadline]
        return min(dates) if dates else None

    @property
    def urgency(self) -> int:
        return STATE_URGENCY[self.state]


def pretrial_clock(
    *,
    start: dt.date,
    today: dt.date,
    rule: Rule,
    extensions_months: Sequence[int] = (),
    ended_on: dt.date | None = None,
    min_penalty_months: int | None = None,
    review_days: int = DEFAULT_REVIEW_DAYS,
) -> PretrialClock:
    """Compute a pretrial detention's clock on ``today`` under one rule."""
    until = min(today, ended_on) if ended_on else today
    days_detained = max((until - start).days, 0)
    if not rule.allowed:
        state = ClockState.ENDED if ended_on and ended_on <= today else ClockState.NOT_ALLOWED
        return PretrialClock(start, today, state, rule, days_detained)

    granted = list(extensions_months)
    legal_maximum = add_months(start, rule.cap_months) if rule.cap_months is not None else None
    authorised_end = add_months(start, rule.period_months + sum(granted), rule.period_days)
    if legal_maximum is not None:
        authorised_end = min(authorised_end, legal_maximum)
    penalty_cap = None
    if rule.cap_share_of_min_penalty is not None and min_penalty_months:
        cap = min_penalty_months * rule.cap_share_of_min_penalty
        whole = math.floor(cap)
        penalty_cap = add_months(start, whole)
        if cap != whole:  # a part of a month: that share of the following month's days
            month_days = (add_months(penalty_cap, 1) - penalty_cap).days
            penalty_cap += dt.timedelta(days=math.floor((cap - whole) * month_days))

    if ended_on and ended_on <= today:
        state = ClockState.ENDED
    elif legal_maximum is not None and today > legal_maximum:
        state = ClockState.BEYOND_LEGAL_MAXIMUM
    elif today > authorised_end:
        state = ClockState.EXPIRED_WITHOUT_EXTENSION
    elif (authorised_end - today).days <= review_days:
        state = ClockState.REVIEW_DUE
    else:
        state = ClockState.WITHIN_PERIOD
    extension_allowed = len(granted) < rule.max_extensions and (
        legal_maximum is None or authorised_end < legal_maximum
    )
    return PretrialClock(
        start=start,
        today=today,
        state=state,
        rule=rule,
        days_detained=days_detained,
        authorised_end=authorised_end,
        legal_maximum=legal_maximum,
        penalty_cap=penalty_cap,
        extensions_granted=len(granted),
        extension_allowed=extension_allowed,
    )


def pretrial_clock_unknown_class(
    *,
    start: dt.date,
    today: dt.date,
    candidates: Iterable[Rule],
    extensions_months: Sequence[int] = (),
    ended_on: dt.date | None = None,
    review_days: int = DEFAULT_REVIEW_DAYS,
) -> PretrialClock:
    """When the offence class is unknown, never pick one: show each possible clock."""
    alternatives = tuple(
        pretrial_clock(
            start=start,
            today=today,
            rule=rule,
            extensions_months=extensions_months,
            ended_on=ended_on,
            review_days=review_days,
        )
        for rule in candidates
    )
    until = min(today, ended_on) if ended_on else today
    state = ClockState.ENDED if ended_on and ended_on <= today else ClockState.CLASS_UNKNOWN
    return PretrialClock(
        start=start,
        today=today,
        state=state,
        rule=None,
        days_detained=max((until - start).days, 0),
        alternatives=alternatives,
    )


@dataclass(frozen=True)
class CustodyClock:
    arrival: dt.datetime
    now: dt.datetime
    rule: Rule
    limit: dt.datetime
    hours_held: float
    warning: bool
    overdue: bool
    extension_missing_document: bool = False


def police_custody_clock(
    *,
    arrival: dt.datetime,
    now: dt.datetime,
    rule: Rule,
    extension_hours_granted: int = 0,
    extension_has_document: bool = True,
) -> CustodyClock:
    """Police custody runs in hours from arrival at the police unit (CCPC art. 96)."""
    allowed_extension = min(extension_hours_granted, rule.extension_hours * rule.max_extensions)
    limit = arrival + dt.timedelta(hours=rule.period_hours + allowed_extension)
    hours_held = (now - arrival).total_seconds() / 3600
    return CustodyClock(
        arrival=arrival,
        now=now,
        rule=rule,
        limit=limit,
        hours_held=hours_held,
        warning=hours_held >= CUSTODY_WARNING_HOURS and now <= limit,
        overdue=now > limit,
        extension_missing_document=bool(extension_hours_granted) and not extension_has_document,
    )


def appeal_deadline(*, verdict_on: dt.date, rule: Rule) -> dt.date:
    return add_months(verdict_on, rule.period_months, rule.period_days)


def share_of_sentence(*, start: dt.date, months: int, share: Fraction) -> dt.date:
    """Return the day a share of a sentence of ``months`` has been served (rounded up)."""
    total_days = (add_months(start, months) - start).days
    return start + dt.timedelta(days=math.ceil(total_days * share))


@dataclass(frozen=True)
class ReleaseDates:
    expected_release: dt.date | None
    reduction_eligible: dt.date | None
    pardon_eligible: dt.date | None
    reduction_rule: Rule | None = None
    pardon_rule: Rule | None = None


def release_dates(
    *,
    start: dt.date,
    custodial_months: int | None,
    life: bool = False,
    pretrial_credit_days: int = 0,
    reductions_months: int = 0,
    reduction_rule: Rule | None = None,
    pardon_rule: Rule | None = None,
    life_rule: Rule | None = None,
) -> ReleaseDates:
    """Expected release = start + length - pretrial credit - reductions; eligibility dates."""
    if life:
        eligible = add_months(start, life_rule.period_months) if life_rule is not None else None
        return ReleaseDates(None, eligible, None, life_rule, None)
    if not custodial_months:
        return ReleaseDates(None, None, None)
    release = add_months(start, custodial_months - reductions_months) - dt.timedelta(
        days=pretrial_credit_days
    )
    reduction = (
        share_of_sentence(start=start, months=custodial_months, share=reduction_rule.share)
        if reduction_rule is not None and reduction_rule.share
        else None
    )
    pardon = (
        share_of_sentence(start=start, months=custodial_months, share=pardon_rule.share)
        if pardon_rule is not None and pardon_rule.share
        else None
    )
    return ReleaseDates(release, reduction, pardon, reduction_rule, pardon_rule)


def find_rule(
    *, measure: str, on: dt.date, offence_class: str = "any", age_band: str = "any"
) -> Rule | None:
    """Return the rule in force on a day, the most specific match first (class, then age)."""
    from cases.models import LegalRule

    rows = list(LegalRule.objects.in_force(on=on).filter(measure=measure))
    return best_rule(rows, offence_class=offence_class, age_band=age_band)


def best_rule(rows, *, offence_class: str, age_band: str) -> Rule | None:
    """Pick from rule rows (already in force): exact class and age band beat "any"."""
    best, best_score = None, -1
    for row in rows:
        if row.offence_class not in (offence_class, "any") or row.age_band not in (age_band, "any"):
            continue
        score = (2 if row.offence_class == offence_class else 0) + (
            1 if row.age_band == age_band else 0
        )
        newer = (
            best is not None and score == best_score and row.effective_from > best.effective_from
        )
        if score > best_score or newer:
            best, best_score = row, score
    return Rule.from_model(best) if best is not None else None


# The rule table, kept by each process --------------------------------------------------------
#
# The table is small and read by every page that shows a clock. A process keeps the rows it
# last read with the table's fingerprint (``table_fingerprint``): a page reads the fingerprint
# inside a query it makes anyway (the case's) and reads the rows again only when it changed.
# Every change moves it: a new or deleted row changes the count (and a new one the highest id
# and the latest update), and an edit adds one to the row's ``version`` (``Versioned``) and
# moves its ``updated_at``. So a rule edited in the admin applies at once in every process,
# with no shared cache and no query more. A save or delete in this process also forgets the
# rows (``forget_rule_table``): a change made and rolled back inside a transaction, as tests do,
# then leaves nothing behind.

_TABLE: tuple[tuple, list] | None = None  # (fingerprint, rows): replaced whole, never changed


def table_fingerprint() -> dict:
    """Return annotations for any query that name the rule table's state:
    ``rules_count``, ``rules_versions``, ``rules_latest``, ``rules_last_id``."""
    from django.db.models import Count, Max, Subquery, Sum, Value

    from cases.models import LegalRule

    def aggregate(function):
        table = LegalRule.objects.order_by().annotate(one=Value(1)).values("one")
        return Subquery(table.annotate(result=function).values("result"))

    return {
        "rules_count": aggregate(Count("pk")),
        "rules_versions": aggregate(Sum("version")),
        "rules_latest": aggregate(Max("updated_at")),
        "rules_last_id": aggregate(Max("pk")),
    }


def fingerprint_of(row) -> tuple | None:
    """Return the fingerprint a row was annotated with (``table_fingerprint``), else None."""
    try:
        return (row.rules_count, row.rules_versions, row.rules_latest, row.rules_last_id)
    except AttributeError:
        return None


def rule_table(fingerprint: tuple | None) -> list:
    """Return the ``LegalRule`` rows (read-only: shared by the process's requests).

    The rows kept when ``fingerprint`` is the one they were read under, else read now (and
    kept, unless there is no fingerprint to check them against next time)."""
    global _TABLE
    from cases.models import LegalRule

    table = _TABLE
    if fingerprint is not None and table is not None and table[0] == fingerprint:
        return table[1]
    rows = list(LegalRule.objects.all())
    if fingerprint is not None:
        _TABLE = (fingerprint, rows)
    return rows


def forget_rule_table(**kwargs) -> None:
    """Forget the rows this process keeps (connected to LegalRule's save and delete)."""
    global _TABLE
    _TABLE = None


post_save.connect(forget_rule_table, sender="cases.LegalRule", dispatch_uid="rules.forget.save")
post_delete.connect(forget_rule_table, sender="cases.LegalRule", dispatch_uid="rules.forget.del")
