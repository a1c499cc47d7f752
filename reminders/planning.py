"""Plan reminders: turn hearings, detentions, verdicts and follow-ups into outbox rows.

Each planner has two halves: ``candidates(now)`` selects, with an indexed range query, the
records whose reminders may be due soon, and ``plan(records, now)`` says which reminders those
records call for. The pass inserts what is planned (a duplicate key is ignored, so planning twice
changes nothing) and supersedes the pending reminders of the same records that are no longer
called for (a hearing moved, a detention extended or ended). Delivery asks ``plan`` again for a
reminder's record just before sending, so a change made through any path (form, admin, shell)
is caught even when the record has left the planning window.

Planning never creates a reminder whose event has already passed: those were never due while
the app was running. Reminders planned before a downtime whose event passed during it are
skipped and reported by the dispatcher instead.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import CharField, F, OuterRef, Q, StringAgg, Subquery, Value
from django.db.models.functions import Cast
from django.utils import timezone

from cases.models import (
    Case,
    CaseParty,
    Charge,
    Detention,
    DetentionExtension,
    FollowUp,
    Hearing,
    LegalRule,
    Person,
    TrialOutcome,
)

from .kinds import AUDIENCES, Audience, Kind, day_time, offsets
from .models import RecordType, Reminder, ReminderPreference

REPORT_MISSING_LOOKBACK = dt.timedelta(days=30)
FOLLOWUP_LOOKBACK = dt.timedelta(days=30)
APPEAL_LOOKBACK_DAYS = 62
# The longest downtime after which missed reminders are still planned (to be reported).
CATCH_UP_LIMIT = dt.timedelta(days=90)


def lower_bound(now: dt.datetime, since: dt.datetime | None, lookback: dt.timedelta):
    """Return how far back a planner looks: its lookback, or back to the last pass."""
    start = now - lookback
    if since is not None:
        start = min(start, max(since, now - CATCH_UP_LIMIT))
    return start


@dataclass(frozen=True)
class Planned:
    """One reminder as a planner wants it; its key is what makes it unique."""

    kind: str
    record_type: str
    record_id: int
    case_id: int | None
    deadline: dt.datetime
    offset_days: int
    recipient_id: int

    @property
    def due_at(self) -> dt.datetime:
        return self.deadline - dt.timedelta(days=self.offset_days)

    @property
    def key(self) -> tuple:
        return (
            self.kind,
            self.record_type,
            self.record_id,
            self.deadline,
            self.offset_days,
            self.recipient_id,
        )

    def as_row(self, *, now: dt.datetime) -> Reminder:
        return Reminder(
            kind=self.kind,
            record_type=self.record_type,
            record_id=self.record_id,
            case_id=self.case_id,
            deadline=self.deadline,
            offset_days=self.offset_days,
            recipient_id=self.recipient_id,
            due_at=self.due_at,
            created_at=now,
        )


def reminder_key(row: Reminder) -> tuple:
    return (
        row.kind,
        row.record_type,
        row.record_id,
        row.deadline,
        row.offset_days,
        row.recipient_id,
    )


def at_day_time(day: dt.date) -> dt.datetime:
    """Return the moment a date-only deadline falls due: the configured hour, local time."""
    return timezone.make_aware(dt.datetime.combine(day, day_time()))


class Audiences:
    """Who receives what: supervisors, their clearances, and everyone's muted kinds (3 queries)."""

    def __init__(self) -> None:
        users = get_user_model().objects.filter(is_active=True)
        manage = Permission.objects.filter(
            content_type__app_label="cases", codename="manage_all_cases"
        )
        restricted = Permission.objects.filter(
            content_type__app_label="cases", codename="view_restricted_case"
        )
        supervisors = users.filter(
            Q(is_superuser=True)
            | Q(groups__permissions__in=manage)
            | Q(user_permissions__in=manage)
        ).values_list("pk", flat=True)
        self.supervisors = sorted(set(supervisors))
        cleared = users.filter(
            Q(is_superuser=True)
            | Q(groups__permissions__in=restricted)
            | Q(user_permissions__in=restricted)
        ).values_list("pk", flat=True)
        self.cleared = set(cleared)
        self.muted = {
            user_id: set(kinds or [])
            for user_id, kinds in ReminderPreference.objects.filter(
                user__is_active=True
            ).values_list("user_id", "muted_kinds")
        }
        self.active = set(users.values_list("pk", flat=True))

    def recipients(
        self,
        kind: str,
        *,
        case: Case | None,
        monitors: Iterable[int] = (),
        owner: int | None = None,
    ) -> list[int]:
        """Return the users a reminder of ``kind`` about ``case`` goes to, muted ones left out."""
        wanted: set[int] = set()
        for audience in AUDIENCES[kind]:
            if audience == Audience.MONITORS:
                wanted.update(monitors)
            elif audience == Audience.SUPERVISORS:
                supervisors = self.supervisors
                if case is not None and case.is_restricted:
                    supervisors = [pk for pk in supervisors if pk in self.cleared]
                wanted.update(supervisors)
            elif audience == Audience.OWNER and owner is not None:
                wanted.add(owner)
        return sorted(
            pk for pk in wanted if pk in self.active and kind not in self.muted.get(pk, ())
        )


def case_monitors(case: Case | None) -> list[int]:
    """Return the ids of a case's monitors: read with the candidates (``with_case_facts``) or
    from a ``prefetch_related("monitors")`` cache."""
    if case is None:
        return []
    if (ids := getattr(case, "planning_monitor_ids", None)) is not None:
        return ids
    return [user.pk for user in case.monitors.all()]


# What a planner needs of a record's case: its id, its confidentiality and its monitors. The
# candidate queries read them per row through the primary key and the monitors' case index
# (a subquery each), never by joining the case tables: a join of a few thousand candidates
# makes PostgreSQL hash the whole of cases, parties and monitor links (a sequential scan of
# each, growing with the table, not with the rows due).
def with_case_facts(queryset, *, via_party: bool = False):
    """Annotate each row with its case's id, confidentiality and monitors (comma-separated);
    ``via_party``: the rows (verdicts) reach their case through ``party_id``."""
    if via_party:
        parties = CaseParty.all_objects.filter(pk=OuterRef("party_id"))
        queryset = queryset.annotate(
            planning_case_id=Subquery(parties.order_by().values("case_id")[:1])
        )
    else:
        queryset = queryset.annotate(planning_case_id=F("case_id"))
    case_ref = OuterRef("planning_case_id")
    links = Case.monitors.through.objects.filter(case_id=case_ref)
    return queryset.annotate(
        planning_confidentiality=Subquery(
            Case.all_objects.filter(pk=case_ref).order_by().values("confidentiality")[:1]
        ),
        planning_monitors=Subquery(
            links.order_by()
            .values("case_id")
            .annotate(ids=StringAgg(Cast("user_id", CharField()), Value(",")))
            .values("ids")
        ),
    )


def attach_cases(records: Sequence, *, via_party: bool = False) -> None:
    """Give each record annotated by ``with_case_facts`` its case (one object per case, with
    its id and confidentiality loaded, the rest deferred, and its monitors' ids); records
    loaded otherwise (``select_related``) are left as they are."""
    cases: dict[int, Case] = {}
    for record in records:
        if not hasattr(record, "planning_confidentiality"):
            continue
        pk = record.planning_case_id
        case = cases.get(pk) if pk is not None else None
        if pk is not None and case is None:
            case = Case.from_db(
                record._state.db, ["id", "confidentiality"], [pk, record.planning_confidentiality]
            )
            monitors = record.planning_monitors
            case.planning_monitor_ids = [int(u) for u in monitors.split(",")] if monitors else []
            cases[pk] = case
        if via_party:
            party = CaseParty.from_db(record._state.db, ["id", "case_id"], [record.party_id, pk])
            party.case = case
            record.party = party
        else:
            record.case = case


def _fan_out(
    kind: str,
    *,
    record_type: str,
    record_id: int,
    case: Case | None,
    deadline: dt.datetime,
    recipients: Sequence[int],
    offset_list: Iterable[int],
) -> list[Planned]:
    return [
        Planned(kind, record_type, record_id, case.pk if case else None, deadline, off, user)
        for off in offset_list
        for user in recipients
    ]


def _offset_days(kind: str) -> list[int]:
    return [delta.days for delta in offsets(kind)]


def _longest_offset(kind: str) -> dt.timedelta:
    return max(offsets(kind), default=dt.timedelta(0))


# Hearings -----------------------------------------------------------------------------------


def hearing_candidates(now: dt.datetime, since: dt.datetime | None):
    upcoming_until = now + _longest_offset(Kind.HEARING_UPCOMING) + dt.timedelta(days=1)
    # Every status, so that a hearing just cancelled or logged supersedes its reminders now.
    hearings = Hearing.objects.filter(
        status__in=Hearing.Status.values,
        scheduled_at__gte=lower_bound(now, since, REPORT_MISSING_LOOKBACK),
        scheduled_at__lte=upcoming_until,
    )
    return with_case_facts(hearings).order_by()


def plan_hearings(hearings: Iterable[Hearing], now: dt.datetime, audiences: Audiences):
    """Return the reminders of scheduled hearings: coming up, then report missing."""
    hearings = list(hearings)
    attach_cases(hearings)
    planned: list[Planned] = []
    for hearing in hearings:
        if hearing.status != Hearing.Status.SCHEDULED:
            continue
        monitors = set(case_monitors(hearing.case))
        if hearing.monitor_id:
            monitors.add(hearing.monitor_id)
        for kind in (Kind.HEARING_UPCOMING, Kind.HEARING_REPORT_MISSING):
            planned += _fan_out(
                kind,
                record_type=RecordType.HEARING,
                record_id=hearing.pk,
                case=hearing.case,
                deadline=hearing.scheduled_at,
                recipients=audiences.recipients(kind, case=hearing.case, monitors=monitors),
                offset_list=_offset_days(kind),
            )
    return planned


def load_hearings(ids: Iterable[int]):
    return (
        Hearing.objects.filter(pk__in=list(ids))
        .select_related("case")
        .prefetch_related("case__monitors")
    )


# Follow-ups ---------------------------------------------------------------------------------


def followup_candidates(now: dt.datetime, since: dt.datetime | None):
    today = timezone.localdate(now)
    until = today + _longest_offset(Kind.FOLLOWUP_DUE) + dt.timedelta(days=1)
    start = timezone.localdate(lower_bound(now, since, FOLLOWUP_LOOKBACK))
    return FollowUp.objects.filter(
        status__in=FollowUp.Status.values, due_on__gte=start, due_on__lte=until
    ).select_related("case")


def plan_followups(followups: Iterable[FollowUp], now: dt.datetime, audiences: Audiences):
    """Return the reminders of open follow-ups with a due date: due soon, then overdue."""
    planned: list[Planned] = []
    for followup in followups:
        if followup.status != FollowUp.Status.OPEN or followup.due_on is None:
            continue
        deadline = at_day_time(followup.due_on)
        for kind in (Kind.FOLLOWUP_DUE, Kind.FOLLOWUP_OVERDUE):
            planned += _fan_out(
                kind,
                record_type=RecordType.FOLLOWUP,
                record_id=followup.pk,
                case=followup.case,
                deadline=deadline,
                recipients=audiences.recipients(kind, case=followup.case, owner=followup.owner_id),
                offset_list=_offset_days(kind),
            )
    return planned


def load_followups(ids: Iterable[int]):
    return FollowUp.objects.filter(pk__in=list(ids)).select_related("case")


# Appeals ------------------------------------------------------------------------------------


APPEALABLE_INSTANCES = ("first", "appeal")


def appeal_candidates(now: dt.datetime, since: dt.datetime | None):
    today = timezone.localdate(now)
    start = lower_bound(now, since, dt.timedelta(days=APPEAL_LOOKBACK_DAYS))
    outcomes = TrialOutcome.objects.filter(
        verdict_on__gte=timezone.localdate(start) - dt.timedelta(days=31),
        verdict_on__lte=today,
        instance__in=APPEALABLE_INSTANCES,
    )
    return with_case_facts(outcomes, via_party=True).order_by()


def plan_appeals(outcomes: Iterable[TrialOutcome], now: dt.datetime, audiences: Audiences):
    """Return the reminders of verdicts still open to appeal."""
    from cases.clocks import appeal_clocks

    outcomes = list(outcomes)
    attach_cases(outcomes, via_party=True)
    outcomes = [
        o
        for o in outcomes
        if o.instance in APPEALABLE_INSTANCES and o.verdict_on and not o.appeal_filed_on
    ]
    clocks = appeal_clocks(outcomes, today=timezone.localdate(now))
    planned: list[Planned] = []
    for outcome in outcomes:
        clock = clocks.get(outcome.pk)
        if clock is None or clock.deadline is None:
            continue
        case = outcome.party.case
        kind = Kind.APPEAL_DEADLINE
        planned += _fan_out(
            kind,
            record_type=RecordType.OUTCOME,
            record_id=outcome.pk,
            case=case,
            deadline=at_day_time(clock.deadline),
            recipients=audiences.recipients(kind, case=case, monitors=case_monitors(case)),
            offset_list=_offset_days(kind),
        )
    return planned


def load_outcomes(ids: Iterable[int]):
    return (
        TrialOutcome.objects.filter(pk__in=list(ids))
        .select_related("party__case", "party__person")
        .prefetch_related("party__case__monitors")
    )


# Detentions ---------------------------------------------------------------------------------

RECENTLY_ENDED = dt.timedelta(days=31)
# Up to this many detentions changed since the previous pass are fetched by a list of ids.
CHANGED_AS_LIST = 5000
CLOCKED_KINDS = (
    Detention.Kind.PRETRIAL,
    Detention.Kind.POLICE_CUSTODY,
    Detention.Kind.SENTENCE,
)


def detention_candidates(now: dt.datetime, since: dt.datetime | None):
    """Select the detentions to plan: all clocked ones once a day, else only those changed.

    Clocks move by days, so the first pass of each local day plans every current detention
    (and those ended in the last month, so a release supersedes what it makes moot). Later
    passes that day plan only what changed since the previous pass: the detention itself, its
    extension orders, the person (birth date), their charges or sentences in the case, and
    police custody (counted in hours). The dispatcher re-checks every reminder against its
    record before sending, so a change this misses can delay a reminder, not send a wrong one.
    """
    today = timezone.localdate(now)
    clocked = Detention.objects.filter(kind__in=CLOCKED_KINDS, started_on__lte=today).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=today - RECENTLY_ENDED)
    )
    if not _plans_all_detentions(now, since):
        # Read first: a handful of ids, which the planner then fetches by primary key (as a
        # subquery, the estimate of open police custody, far off, makes it scan every
        # current detention instead). After a bulk edit (an import), the subquery.
        changed = [row["pk"] for row in changed_detentions(since)]
        if len(changed) > CHANGED_AS_LIST:
            changed = changed_detentions(since)
        clocked = clocked.filter(pk__in=changed)
    # The person (birth date, for the age band) is not joined here: the first pass of the day
    # selects a large share of the detentions, and a join then makes PostgreSQL hash the whole
    # people table. The planner reads each batch's people by primary key (attach_people).
    return with_case_facts(clocked).order_by()


def changed_detentions(since: dt.datetime):
    """Return the ids of the detentions whose clock may have changed since ``since``: each
    source of a change read through its own ``updated_at`` index (a union of small lookups,
    not an OR over joins, which no index serves). Deleted rows count: a deletion is a change.
    A person's changed charge or sentence selects the person's detentions in every case (a few
    more to plan, never one missed)."""
    parties = CaseParty.all_objects.filter(
        pk__in=Charge.all_objects.filter(updated_at__gte=since)
        .order_by()
        .values("party_id")
        .union(TrialOutcome.all_objects.filter(updated_at__gte=since).order_by().values("party_id"))
    )
    people = (
        Person.all_objects.filter(updated_at__gte=since)
        .order_by()
        .values("pk")
        .union(parties.order_by().values("person_id"))
    )
    return (
        Detention.all_objects.filter(updated_at__gte=since)
        .order_by()
        .values("pk")
        .union(
            DetentionExtension.all_objects.filter(updated_at__gte=since)
            .order_by()
            .values("detention_id"),
            Detention.all_objects.filter(person_id__in=people).order_by().values("pk"),
            Detention.all_objects.filter(kind=Detention.Kind.POLICE_CUSTODY, ended_on__isnull=True)
            .order_by()
            .values("pk"),
        )
        .order_by()
    )


def _plans_all_detentions(now: dt.datetime, since: dt.datetime | None) -> bool:
    if since is None or timezone.localdate(since) != timezone.localdate(now):
        return True
    # A change of the rule table changes every clock.
    return LegalRule.objects.filter(updated_at__gte=since).exists()


def attach_people(detentions: Sequence[Detention]) -> None:
    """Give the detentions of one batch their people in one query by primary key (an index
    lookup per id; deleted people included, as a join would), unless already loaded."""
    wanted = {d.person_id for d in detentions if not Detention.person.is_cached(d)}
    if not wanted:
        return
    people = Person._base_manager.in_bulk(wanted)
    for detention in detentions:
        if not Detention.person.is_cached(detention):
            Detention.person.field.set_cached_value(detention, people[detention.person_id])


def plan_detentions(detentions: Iterable[Detention], now: dt.datetime, audiences: Audiences):
    """Return the reminders of current detentions: reviews, limits passed, releases."""
    from cases.clocks import detention_clocks

    today = timezone.localdate(now)
    detentions = list(detentions)
    attach_cases(detentions)
    attach_people(detentions)
    detentions = [d for d in detentions if d.kind in CLOCKED_KINDS and d.is_current(today)]
    clocks = detention_clocks(detentions, today=today, now=now)
    planned: list[Planned] = []
    for detention in detentions:
        clock = clocks.get(detention.pk)
        if clock is None:
            continue
        case = detention.case
        monitors = case_monitors(case)

        def fan(kind, deadline_day, offset_list, *, detention=detention, case=case, mon=monitors):
            return _fan_out(
                kind,
                record_type=RecordType.DETENTION,
                record_id=detention.pk,
                case=case,
                deadline=at_day_time(deadline_day),
                recipients=audiences.recipients(kind, case=case, monitors=mon),
                offset_list=offset_list,
            )

        named = dict(clock.deadlines())
        since = clock.beyond_limit_since
        if clock.release_overdue and since is not None:
            # Daily until resolved: today's repeat only, keyed by how many days late it is.
            planned += fan(Kind.RELEASE_OVERDUE, since, [-(today - since).days])
        elif since is not None:
            planned += fan(Kind.BEYOND_LIMIT, since, [-(today - since).days])
        if since is None:
            for name in ("authorised_end", "legal_maximum"):
                day = named.get(name)
                if day is not None:
                    planned += fan(Kind.PRETRIAL_REVIEW, day, _offset_days(Kind.PRETRIAL_REVIEW))
            release = named.get("expected_release")
            if release is not None:
                planned += fan(Kind.RELEASE_DUE, release, _offset_days(Kind.RELEASE_DUE))
    # The authorised end and the legal maximum can fall on the same day: one reminder.
    return list(dict.fromkeys(planned))


def load_detentions(ids: Iterable[int]):
    return (
        Detention.objects.filter(pk__in=list(ids))
        .select_related("case", "person")
        .prefetch_related("case__monitors")
    )


PLANNERS = {
    RecordType.HEARING: (hearing_candidates, plan_hearings, load_hearings),
    RecordType.FOLLOWUP: (followup_candidates, plan_followups, load_followups),
    RecordType.OUTCOME: (appeal_candidates, plan_appeals, load_outcomes),
    RecordType.DETENTION: (detention_candidates, plan_detentions, load_detentions),
}


@dataclass
class PlanReport:
    planned: int = 0
    created: int = 0
    superseded: int = 0


def plan_records(
    record_type: str, records: Iterable, *, now: dt.datetime, audiences: Audiences
) -> list[Planned]:
    _candidates, planner, _load = PLANNERS[record_type]
    return planner(records, now, audiences)


def sync_reminders(
    *,
    now: dt.datetime,
    since: dt.datetime | None = None,
    audiences: Audiences | None = None,
    batch: int = 2000,
) -> PlanReport:
    """Plan every record in its window; insert new reminders, supersede the ones not wanted.

    ``since`` is when the previous pass ran: a reminder that fell due after it and whose event
    is already over was missed during a downtime, so it is inserted (to be skipped and
    reported); one that fell due before it was never due while its record existed as it is.
    """
    audiences = audiences or Audiences()
    report = PlanReport()
    for record_type, (candidates, planner, _load) in PLANNERS.items():
        records = list(candidates(now, since))
        for start in range(0, len(records), batch):
            chunk = records[start : start + batch]
            wanted = planner(chunk, now, audiences)
            report.planned += len(wanted)
            report.created += _insert(wanted, now=now, since=since)
            report.superseded += supersede_unwanted(
                record_type, [r.pk for r in chunk], wanted, now=now
            )
    return report


def plan_ahead() -> dt.timedelta:
    """Return how far ahead of their due time reminders are written to the outbox.

    The pass runs every minute, so writing further ahead would only fill the table (and the
    per-pass existence checks) with rows that are weeks from due.
    """
    return dt.timedelta(hours=getattr(settings, "REMINDER_PLAN_AHEAD_HOURS", 48))


def _insert(wanted: list[Planned], *, now: dt.datetime, since: dt.datetime | None) -> int:
    """Insert the reminders not planned yet that fall due soon; return how many were new."""
    horizon = now + plan_ahead()
    fresh = [
        p
        for p in wanted
        if p.due_at <= horizon
        and (
            p.deadline >= now
            or p.offset_days <= 0
            or (since is not None and since < p.due_at <= now)
        )
    ]
    if not fresh:
        return 0
    existing = _existing_keys(fresh)
    rows = [p.as_row(now=now) for p in fresh if p.key not in existing]
    # A concurrent pass may insert the same keys in between: the unique key absorbs it.
    Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return len(rows)


def _existing_keys(planned: list[Planned]) -> set[tuple]:
    by_type: dict[str, set[int]] = defaultdict(set)
    for p in planned:
        by_type[p.record_type].add(p.record_id)
    deadlines = {p.deadline for p in planned}
    keys: set[tuple] = set()
    for record_type, ids in by_type.items():
        rows = Reminder.objects.filter(
            record_type=record_type, record_id__in=ids, deadline__in=deadlines
        )
        keys.update(reminder_key(row) for row in rows.only(*KEY_FIELDS))
    return keys


KEY_FIELDS = ("kind", "record_type", "record_id", "deadline", "offset_days", "recipient_id")


def supersede_unwanted(
    record_type: str, record_ids: list[int], wanted: list[Planned], *, now: dt.datetime
) -> int:
    """Mark superseded the pending reminders of these records that no plan calls for now."""
    if not record_ids:
        return 0
    wanted_keys = {p.key for p in wanted}
    pending = Reminder.objects.pending().filter(record_type=record_type, record_id__in=record_ids)
    stale_ids = [
        row.pk
        for row in pending.only("pk", *KEY_FIELDS)
        if reminder_key(row) not in wanted_keys and not _event_passed(row, now=now)
    ]
    if not stale_ids:
        return 0
    return Reminder.objects.filter(pk__in=stale_ids, status=Reminder.Status.PENDING).update(
        status=Reminder.Status.SUPERSEDED, status_note="the record changed"
    )


def _event_passed(row: Reminder, *, now: dt.datetime) -> bool:
    """Return True for a before-the-event reminder whose event is over (skipped, not superseded).

    Those are left for the dispatcher, which skips and reports them.
    """
    return row.offset_days > 0 and row.deadline < now


def wanted_keys_for(rows: Sequence[Reminder], *, now: dt.datetime, audiences: Audiences) -> set:
    """Return the keys that the current records still call for, for these reminders' records."""
    by_type: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        by_type[row.record_type].add(row.record_id)
    keys: set[tuple] = set()
    for record_type, ids in by_type.items():
        _candidates, planner, load = PLANNERS[record_type]
        keys.update(p.key for p in planner(list(load(ids)), now, audiences))
    return keys
