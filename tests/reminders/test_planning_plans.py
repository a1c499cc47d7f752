"""The pass chooses its work by index: cost follows the rows due, not the size of the tables.

The planners' candidate queries read each record's case facts (confidentiality, monitors) per
row by primary key instead of joining the case tables, and a later pass of the day selects the
detentions changed since the previous one through the ``updated_at`` indexes (a union of small
lookups) rather than an OR over joins. On PostgreSQL, ``EXPLAIN ANALYZE`` of every selection
query, beside 400 detentions, cases and persons that are not due, must show no sequential scan
of a records table and few rows read (bench/national.py measures the same at national scale).
"""

import datetime as dt
import json

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case, CaseParty, Detention, Hearing, Person, Sex
from reminders import planning
from reminders.planning import PLANNERS, Audiences, plan_records
from tests.factories import (
    make_case,
    make_charge,
    make_detention,
    make_extension,
    make_hearing,
    make_outcome,
    make_party,
)

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(dt.datetime(2026, 12, 1, 8, 0))  # the records are written
SINCE = T0 + dt.timedelta(minutes=30)  # the previous pass
EDIT = SINCE + dt.timedelta(minutes=10)  # edits since
NOW = SINCE + dt.timedelta(minutes=20)  # this pass, the same day
NOISE = 400
# Tables that grow with the records: reaching one of them by a full scan follows its size.
BIG_TABLES = {
    "cases_case",
    "cases_case_monitors",
    "cases_caseparty",
    "cases_charge",
    "cases_detention",
    "cases_detentionextension",
    "cases_followup",
    "cases_hearing",
    "cases_person",
    "cases_trialoutcome",
    "reminders_reminder",
}


@pytest.fixture
def records(monitor, other_monitor, supervisor):
    """One record of each source of change, each changed after SINCE, and some unchanged."""
    with time_machine.travel(T0, tick=False):
        open_case = make_case(monitors=[monitor, other_monitor])
        secret = make_case(restricted=True, monitors=[monitor])
        started = dt.date(2026, 10, 1)
        found = {
            name: make_detention(started_on=started)
            for name in ("itself", "extended", "person", "charged", "sentenced", "unchanged")
        }
        found["custody"] = make_detention(
            kind=Detention.Kind.POLICE_CUSTODY,
            started_on=dt.date(2026, 12, 1),
            arrested_at=T0 - dt.timedelta(hours=2),
        )
        found["in_secret"] = make_detention(case=secret, started_on=started)
        charge = make_charge(party=CaseParty.objects.get(person=found["charged"].person_id))
        sentenced_party = CaseParty.objects.get(person=found["sentenced"].person_id)
        outcome = make_outcome(party=sentenced_party, verdict_on=dt.date(2026, 11, 20))
        appeal = make_outcome(party=make_party(case=secret), verdict_on=dt.date(2026, 11, 25))
        hearings = [
            make_hearing(case=case, scheduled_at=T0 + dt.timedelta(days=days))
            for case in (open_case, secret)
            for days in (2, 6)
        ]
    with time_machine.travel(EDIT, tick=False):
        found["itself"].save()
        make_extension(detention=found["extended"], ordered_on=dt.date(2026, 11, 30), months=2)
        Person.objects.get(pk=found["person"].person_id).save()
        charge.save()
        outcome.save()
    return {
        "detentions": found,
        "hearings": hearings,
        "outcomes": [outcome, appeal],
        "cases": (open_case, secret),
    }


@pytest.fixture
def noise(records):
    """Records that are not due: current detentions unchanged since T0, hearings long past."""
    with time_machine.travel(T0, tick=False):
        cases = Case.objects.bulk_create(
            Case(
                reference=f"NOISE-{n:05d}",
                title=f"Noise {n}",
                category=Case.Category.POLITICAL_EXPRESSION,
                opened_on=dt.date(2020, 1, 1),
            )
            for n in range(NOISE)
        )
        people = Person.objects.bulk_create(
            Person(name=f"Noise {n}", sex=Sex.UNKNOWN) for n in range(NOISE)
        )
        CaseParty.objects.bulk_create(
            CaseParty(case=case, person=person, role=CaseParty.Role.DEFENDANT)
            for case, person in zip(cases, people, strict=True)
        )
        Detention.objects.bulk_create(
            Detention(
                case=case,
                person=person,
                kind=Detention.Kind.PRETRIAL,
                started_on=dt.date(2026, 9, 1),
            )
            for case, person in zip(cases, people, strict=True)
        )
        Hearing.objects.bulk_create(
            Hearing(case=case, kind=Hearing.Kind.TRIAL, scheduled_at=T0 - dt.timedelta(days=400))
            for case in cases
        )
    with connection.cursor() as cursor:
        for table in sorted(BIG_TABLES):
            cursor.execute(f"ANALYZE {table}")
    return cases


@pytest.mark.parametrize("as_list", [5000, 0], ids=["ids read first", "after a bulk edit"])
def test_a_later_pass_selects_exactly_what_changed_and_open_custody(records, as_list, monkeypatch):
    monkeypatch.setattr(planning, "CHANGED_AS_LIST", as_list)
    candidates = PLANNERS["detention"][0]
    chosen = {d.pk for d in candidates(NOW, SINCE)}
    found = records["detentions"]
    assert chosen == {d.pk for name, d in found.items() if name not in ("unchanged", "in_secret")}
    # The first pass of the day takes every current detention.
    assert {d.pk for d in candidates(NOW, None)} == {d.pk for d in found.values()}


@pytest.mark.parametrize("record_type", ["hearing", "outcome", "detention"])
def test_candidates_plan_what_the_records_reloaded_plan_without_reading_cases(records, record_type):
    """The case facts read with the candidates (confidentiality, monitors) plan the same
    reminders as the full records loaded for delivery, and planning reads no case."""
    candidates, _planner, load = PLANNERS[record_type]
    audiences = Audiences()
    chosen = list(candidates(NOW, None))
    assert chosen
    with CaptureQueriesContext(connection) as planning:
        planned = plan_records(record_type, chosen, now=NOW, audiences=audiences)
    reloaded = plan_records(
        record_type, list(load([r.pk for r in chosen])), now=NOW, audiences=audiences
    )
    assert planned and set(planned) == set(reloaded)
    reads = [q["sql"] for q in planning.captured_queries]
    assert not [sql for sql in reads if 'FROM "cases_case"' in sql or "cases_case_monitors" in sql]
    restricted = records["cases"][1].pk
    recipients = {p.recipient_id for p in planned if p.case_id == restricted}
    assert recipients and recipients <= set(audiences.cleared) | {
        u.pk for u in records["cases"][1].monitors.all()
    }


def rows_read(node: dict, found: dict) -> None:
    """Add up, per big table, the rows each scan read (returned or filtered out), and list
    its sequential and unconditioned index scans."""
    relation = node.get("Relation Name")
    if relation in BIG_TABLES:
        read = node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
        read += node.get("Rows Removed by Index Recheck", 0)
        found["rows"][relation] = found["rows"].get(relation, 0) + read * node["Actual Loops"]
        kind = node["Node Type"]
        # A scan that read nothing is of an empty table (the planner's pick there says nothing).
        if read and (
            kind == "Seq Scan"
            or (kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node)
        ):
            found["full_scans"].append(f"{kind} on {relation}")
    for child in node.get("Plans", []):
        rows_read(child, found)


def selection_queries(since) -> list[str]:
    """Every query a pass sends to choose its work, as it sends them."""
    with CaptureQueriesContext(connection) as captured:
        for candidates, _planner, _load in PLANNERS.values():
            list(candidates(NOW, since))
    return [q["sql"] for q in captured.captured_queries if "cases_legalrule" not in q["sql"]]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL query plans")
@pytest.mark.parametrize("since", [SINCE, None], ids=["later pass", "first pass of the day"])
def test_the_selection_reads_the_rows_due_through_indexes(records, noise, since):
    found = {"rows": {}, "full_scans": []}
    returned = 0
    with connection.cursor() as cursor:
        # Where an index can serve a condition the planner must take it: a scan left shows a
        # condition no index serves (at this size a scan would often be cheaper, not at scale).
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql in selection_queries(since):
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
            plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
            returned += plan["Actual Rows"]
            rows_read(plan, found)
        cursor.execute("RESET enable_seqscan")
    if since is None:
        assert returned >= NOISE  # the first pass of the day plans every current detention
    # A detention's person is not joined: the planner reads each batch's people by primary key.
    assert not found["full_scans"], found
    # Each row chosen costs a few index probes (its case, its monitors); the 400 cases and
    # detentions and 400 old hearings that are not due are never read.
    assert sum(found["rows"].values()) <= 6 * returned + 40, (returned, found["rows"])
