# ruff: noqa: S608 -- the SQL here is built from this file's own constants and integers only.
"""Measure the reminder pass at national scale: query plans, pass time, per-phase times.

Run (from the project root)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reminder_scale DEMO_MODE=1 \
        .venv/bin/python bench/reminders_scale.py [--scale 1.0] [--refill] [--try-fixes]

1. Creates the scratch database if it is missing and runs ``migrate``.
2. Fills it once with ``INSERT ... SELECT ... FROM generate_series(...)`` (a marker table,
   ``bench_fill``, records the scale; ``--refill`` truncates and fills again), then
   ``VACUUM (ANALYZE)``.
3. Prints ``EXPLAIN (ANALYZE, BUFFERS)`` of the dispatcher's selection, the stuck query and each
   planner's candidate query (and the prefetches it triggers) at a fixed "now".
4. Times one full ``run_pass`` twice: the first pass on the filled data (no previous pass, so it
   plans everything in the windows) and the pass a minute later (the steady, every-minute cost),
   then each phase separately, counting queries (wall time, this process's CPU time, time in
   the database, and the load average, since the machine may be shared). Each step runs in a
   transaction that is rolled back, so the data stays reusable and the script can run again.
5. Writes the figures to ``bench/reminders_scale.json`` and prints a summary.

``--try-fixes`` also tries the proposals, inside rolled-back transactions (PostgreSQL DDL is
transactional): the indexes in ``FIXES``, and a pass whose detention planner reads only the
detentions changed since the last pass (``changed_detention_candidates``), after a few edits.

It refuses to touch any database but a scratch one: never ``monitoring`` or ``test_monitoring*``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import time
from collections import defaultdict, deque
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitoring.settings")
# A benchmark never sends real mail: the digests of the pass go to memory.
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"

OUT = Path(__file__).resolve().parent / "reminders_scale.json"
ZONE = ZoneInfo("Asia/Phnom_Penh")
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=ZONE)
NOW_SQL = "timestamptz '2026-12-01 09:00:00+07'"
TODAY_SQL = "date '2026-12-01'"
FILL_VERSION = 2  # bump when the fill changes: a database filled by an older one is refilled
FORBIDDEN = re.compile(r"^(monitoring|test_monitoring.*)$")

# Rows at scale 1.0.
BASE = {
    "users": 400,
    "supervisors": 20,
    "persons": 100_000,
    "cases": 100_000,
    "hearings": 1_000_000,
    "detentions": 150_000,
    "followups": 200_000,
    "outcomes": 100_000,
    "reminders": 1_000_000,
    "pending_future": 4_000,
    "pending_due": 300,
    "claimed": 30,
}

# Proposed indexes, tried with --try-fixes (name, DDL), inside a rolled-back transaction.
FIXES = [
    # appeal_candidates filters on verdict_on, which no index covers.
    (
        "outcome_appeal_window",
        "CREATE INDEX outcome_appeal_window ON cases_trialoutcome (verdict_on) "
        "WHERE instance IN ('first', 'appeal')",
    ),
    # What changed_detention_candidates() reads: the rows edited since the last pass.
    ("detention_updated", "CREATE INDEX detention_updated ON cases_detention (updated_at)"),
    (
        "extension_updated",
        "CREATE INDEX extension_updated ON cases_detentionextension (updated_at)",
    ),
    ("charge_updated", "CREATE INDEX charge_updated ON cases_charge (updated_at)"),
    ("outcome_updated", "CREATE INDEX outcome_updated ON cases_trialoutcome (updated_at)"),
    ("person_updated", "CREATE INDEX person_updated ON cases_person (updated_at)"),
]
# Edits "in the last minute" for the proposal's figures: rows touched between since and now.
EDITS = {
    "cases_detention": (30, "ended_on IS NULL"),
    "cases_detentionextension": (10, "true"),
    "cases_charge": (10, "true"),
    "cases_trialoutcome": (5, "true"),
    "cases_person": (5, "true"),
}


def changed_detention_candidates(now: dt.datetime, since: dt.datetime | None):
    """Proposal: the detentions whose clock may have changed since the last pass.

    A clock's reminders depend on the local day and on the detention, its extension orders, the
    charges and sentences of its person and the person's birth date (age band); police custody
    also on the hour. So: every candidate at the first pass of a local day (as now), and in the
    other passes only those with a row changed since the last pass, plus police custody.
    """
    from django.utils import timezone

    from cases.models import Charge, Detention, DetentionExtension, Person, TrialOutcome
    from reminders.planning import detention_candidates

    every = detention_candidates(now, since)
    if since is None or timezone.localdate(since) != timezone.localdate(now):
        return every
    people = (
        Charge.objects.filter(updated_at__gte=since)
        .values("party__person")
        .union(
            TrialOutcome.objects.filter(updated_at__gte=since).values("party__person"),
            Person.objects.filter(updated_at__gte=since).values("pk"),
        )
    )
    changed = (
        Detention.objects.filter(updated_at__gte=since)
        .values("pk")
        .union(
            DetentionExtension.objects.filter(updated_at__gte=since).values("detention"),
            Detention.objects.filter(person__in=people).values("pk"),
            Detention.objects.filter(
                kind=Detention.Kind.POLICE_CUSTODY, ended_on__isnull=True
            ).values("pk"),
        )
    )
    return every.filter(pk__in=changed)


def make_edits(at: dt.datetime) -> None:
    """Touch a few rows of each table, as edits made at ``at`` (inside a rolled-back block)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table, (count, where) in EDITS.items():
            cursor.execute(
                f"UPDATE {table} SET updated_at = %s WHERE id IN "
                f"(SELECT id FROM {table} WHERE {where} ORDER BY id DESC LIMIT {count})",
                [at],
            )


# Database creation -------------------------------------------------------------------------


def check_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    parsed = urlparse(url)
    if not parsed.scheme.startswith("postgres"):
        sys.exit("DATABASE_URL must point to a PostgreSQL scratch database (reminder_scale).")
    name = parsed.path.lstrip("/")
    if not name or FORBIDDEN.match(name):
        sys.exit(f"refusing to use database {name!r}: use a scratch one such as reminder_scale")
    return name


def ensure_database(name: str) -> bool:
    """Create the database when missing; return True when it was created."""
    import psycopg

    parsed = urlparse(os.environ["DATABASE_URL"])
    conninfo = {
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": parsed.username or "postgres",
        "dbname": "postgres",
    }
    if parsed.password:
        conninfo["password"] = parsed.password
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return False
        conn.execute(f'CREATE DATABASE "{name}"')
        return True


# Filling -----------------------------------------------------------------------------------


def sizes_for(scale: float) -> dict[str, int]:
    sizes = {key: max(1, round(value * scale)) for key, value in BASE.items()}
    sizes["users"] = max(40, round(BASE["users"] * min(scale, 1.0)))
    sizes["supervisors"] = max(4, sizes["users"] // 20)
    return sizes


FILLED_TABLES = [
    "reminders_notification",
    "reminders_digest",
    "reminders_reminder",
    "reminders_passrun",
    "reminders_reminderpreference",
    "cases_followup",
    "cases_detentionextension",
    "cases_detention",
    "cases_charge",
    "cases_trialoutcome",
    "cases_hearing",
    "cases_caseparty",
    "cases_case_monitors",
    "cases_case",
    "cases_offence",
    "cases_person",
    "auth_user_groups",
    "auth_user_user_permissions",
    "auth_user",
]

OFFENCES = [
    ("Incitement", "494", "felony", 6, 24),
    ("Plotting", "453", "felony", 60, 120),
    ("Insult", "307", "petty", None, None),
    ("Defamation", "305", "misdemeanour", None, None),
    ("Obstruction of officials", "504", "misdemeanour", 1, 6),
    ("Intentional violence", "217", "misdemeanour", 12, 36),
    ("Forgery", "629", "felony", 24, 60),
    ("Trespass on state land", "LL-259", "misdemeanour", 12, 60),
    ("Drug trafficking", "40", "felony", 24, 120),
    ("Unknown offence", "", "unknown", None, None),
]

# (record type, kind, offset days): what a reminder row of each record type can be.
REMINDER_SHAPES = {
    "hearing": [("hearing_upcoming", 7), ("hearing_upcoming", 1), ("hearing_report_missing", -1)],
    "detention": [
        ("pretrial_review", 30),
        ("pretrial_review", 14),
        ("pretrial_review", 7),
        ("release_due", 30),
        ("release_due", 7),
        ("beyond_limit", 0),
        ("release_overdue", 0),
    ],
    "followup": [("followup_due", 2), ("followup_overdue", -1)],
    "outcome": [("appeal_deadline", 7), ("appeal_deadline", 2)],
}


def fill_statements(n: dict[str, int]) -> list[tuple[str, str]]:
    """Return (label, SQL) in order. Fixed "now": 2026-12-01 09:00 Asia/Phnom_Penh."""
    users, sups = n["users"], n["supervisors"]
    first_monitor = 2 + sups  # user 1 is the administrator, 2..sups+1 the supervisors
    monitors = users - first_monitor + 1
    hist = n["reminders"] - n["pending_future"] - n["pending_due"] - n["claimed"]
    shapes = ", ".join(
        f"('{rtype}', {i}, '{kind}', {offset})"
        for rtype, rows in REMINDER_SHAPES.items()
        for i, (kind, offset) in enumerate(rows)
    )
    counts = ", ".join(f"('{rtype}', {len(rows)})" for rtype, rows in REMINDER_SHAPES.items())
    offences = ", ".join(
        f"({i}, '{name}', '{article}', '{cls}', {lo if lo is not None else 'NULL'}, "
        f"{hi if hi is not None else 'NULL'})"
        for i, (name, article, cls, lo, hi) in enumerate(OFFENCES, start=1)
    )
    local_day = "(({d}) + time '08:00') AT TIME ZONE 'Asia/Phnom_Penh'"

    def stamp(day: str) -> str:
        """created_at/updated_at: 10:00 local on that day, and at least an hour before now."""
        return (
            f"LEAST((({day}) + time '10:00') AT TIME ZONE 'Asia/Phnom_Penh', "
            f"{NOW_SQL} - interval '1 hour')"
        )

    party_day = "date '2015-01-01' + ((c * 37) % 4300)::int"
    charge_day = "date '2015-01-01' + ((id * 37) % 4300)::int"
    outcome_day = "LEAST(COALESCE(a, v) + 1, date '2026-11-30')"
    followup_day = "COALESCE(done, due, date '2020-01-01')"
    return [
        ("seed", "SELECT setseed(0.2026)"),
        (
            "users",
            f"""
            INSERT INTO auth_user (id, password, last_login, is_superuser, username, first_name,
                last_name, email, is_staff, is_active, date_joined)
            SELECT g, '!', NULL, g = 1, 'bench' || g, 'User', g::text,
                CASE WHEN g % 10 = 0 THEN '' ELSE 'bench' || g || '@example.org' END,
                g = 1, g % 50 <> 0, timestamptz '2015-01-01 00:00+07'
            FROM generate_series(1, {users}) g
            """,
        ),
        (
            "user groups",
            f"""
            INSERT INTO auth_user_groups (user_id, group_id)
            SELECT g, (SELECT id FROM auth_group
                       WHERE name = CASE WHEN g <= {sups + 1} THEN 'Supervisor'
                                         ELSE 'Field monitor' END)
            FROM generate_series(2, {users}) g
            """,
        ),
        (
            "preferences",
            f"""
            INSERT INTO reminders_reminderpreference (user_id, muted_kinds, email, daily_digest)
            SELECT g, CASE WHEN g % 14 = 0 THEN '["followup_due"]'::jsonb ELSE '[]'::jsonb END,
                g % 35 <> 0, g % 21 = 0
            FROM generate_series(2, {users}) g WHERE g % 7 = 0
            """,
        ),
        (
            "persons",
            f"""
            INSERT INTO cases_person (id, created_at, updated_at, source, name, name_khmer,
                aliases, is_named, sex, birth_on, birth_precision, birth_until, nationality,
                is_protected, pseudonym, contact, notes, group_id)
            SELECT g, ts, ts, '', 'Person ' || g, '', '', true,
                (ARRAY['woman', 'man', 'man', 'unknown'])[1 + g % 4], b, 'day', b, 'Cambodian',
                g % 50 = 0, CASE WHEN g % 50 = 0 THEN 'P-' || g ELSE '' END, '', '', NULL
            FROM (SELECT g, CASE WHEN g % 5 = 0 THEN NULL
                                 ELSE date '1950-01-01' + (random() * 20000)::int END AS b,
                         {stamp("date '2015-01-01' + (random() * 4300)::int")} AS ts
                  FROM generate_series(1, {n["persons"]}) g) s
            """,
        ),
        (
            "cases",
            f"""
            INSERT INTO cases_case (id, created_at, updated_at, source, reference, title,
                category, summary, court_case_number, stage, status, confidentiality, opened_on,
                opened_precision, opened_until, court_id)
            SELECT g, {stamp("d")}, {stamp("d")}, '', 'BENCH-' || lpad(g::text, 7, '0'),
                'Case ' || g,
                (ARRAY['political_expression', 'land', 'labour', 'media', 'torture',
                       'death_in_custody', 'trafficking', 'other'])[1 + g % 8],
                '', '', (ARRAY['investigation', 'trial', 'verdict', 'appeal', 'final'])
                    [1 + (g / 7) % 5],
                CASE WHEN g % 10 < 7 THEN 'open' ELSE 'closed' END,
                CASE WHEN g % 20 = 0 THEN 'restricted' ELSE 'normal' END, d, 'day', d, NULL
            FROM (SELECT g, date '2012-01-01' + (random() * 5400)::int AS d
                  FROM generate_series(1, {n["cases"]}) g) s
            """,
        ),
        (
            "case monitors",
            f"""
            INSERT INTO cases_case_monitors (case_id, user_id)
            SELECT g, {first_monitor} + (g * 7919) % {monitors}
            FROM generate_series(1, {n["cases"]}) g WHERE g % 10 < 8
            UNION ALL
            SELECT g, {first_monitor} + (g * 7919 + 1 + g % 13) % {monitors}
            FROM generate_series(1, {n["cases"]}) g WHERE g % 10 < 3
            """,
        ),
        (
            "case parties",
            f"""
            INSERT INTO cases_caseparty (id, created_at, updated_at, source, role, notes, case_id,
                organisation_id, person_id)
            SELECT row_number() OVER (ORDER BY c, p), {stamp(party_day)}, {stamp(party_day)},
                '', 'defendant', '',
                c, NULL, p
            FROM (SELECT g AS c, 1 + (g - 1) % {n["persons"]} AS p
                  FROM generate_series(1, {n["cases"]}) g
                  UNION ALL
                  SELECT g, 1 + (g - 1 + {n["persons"]} / 2) % {n["persons"]}
                  FROM generate_series(1, {n["cases"]}) g WHERE g % 3 = 0) s
            """,
        ),
        (
            "offences",
            f"""
            INSERT INTO cases_offence (id, created_at, updated_at, source, name, article, law,
                offence_class, min_penalty_months, max_penalty_months, max_penalty_note)
            SELECT id, {NOW_SQL}, {NOW_SQL}, '', name, article, 'Criminal Code (2009)', cls,
                lo, hi, ''
            FROM (VALUES {offences}) v(id, name, article, cls, lo, hi)
            """,
        ),
        (
            "charges",
            f"""
            INSERT INTO cases_charge (created_at, updated_at, source, charged_on,
                charged_precision, charged_until, outcome, notes, party_id, offence_id)
            SELECT {stamp(charge_day)}, {stamp(charge_day)}, '', NULL, 'day', NULL,
                (ARRAY['pending', 'pending', 'convicted', 'acquitted', 'dropped'])[1 + id % 5],
                '', id, 1 + (id * 31) % {len(OFFENCES)}
            FROM cases_caseparty
            """,
        ),
        (
            "trial outcomes",
            f"""
            INSERT INTO cases_trialoutcome (created_at, updated_at, source, instance, verdict_on,
                verdict_precision, verdict_until, verdict, in_absentia, sentence_months,
                suspended_months, life_sentence, supervision_months, fine_amount, fine_currency,
                damages_amount, damages_currency, damages_to, other_penalties, appeal_filed_on,
                appeal_filed_precision, appeal_filed_until, appealed_by, notes, court_id,
                party_id)
            SELECT {stamp(outcome_day)}, {stamp(outcome_day)}, '', instance, v, 'day', v,
                CASE WHEN instance = 'appeal' THEN (ARRAY['upheld', 'overturned', 'amended'])
                         [1 + party % 3]
                     WHEN r < 0.8 THEN 'convicted' WHEN r < 0.93 THEN 'acquitted'
                     ELSE 'dismissed' END,
                false,
                CASE WHEN instance = 'first' AND r >= 0.8 THEN NULL ELSE 6 + party % 115 END,
                NULL, false, NULL, NULL, '', NULL, '', '', '', a, 'day', a,
                CASE WHEN a IS NULL THEN '' ELSE 'defendant' END, '', NULL, party
            FROM (SELECT instance, party, v, r,
                         CASE WHEN instance = 'first' AND r2 < 0.4
                              THEN v + (r3 * 20)::int END AS a
                  FROM (SELECT 'first' AS instance, id AS party, random() AS r, random() AS r2,
                               random() AS r3,
                               date '2015-01-01' + (random() * 4350)::int AS v
                        FROM cases_caseparty WHERE id <= {round(n["outcomes"] * 0.8)}
                        UNION ALL
                        SELECT 'appeal', id, random(), 1, 1,
                               LEAST(date '2015-03-01' + (random() * 4290)::int,
                                     date '2026-11-30')
                        FROM cases_caseparty
                        WHERE id <= {n["outcomes"] - round(n["outcomes"] * 0.8)}) s1) s
            """,
        ),
        (
            "detentions",
            f"""
            INSERT INTO cases_detention (id, created_at, updated_at, source, kind, started_on,
                started_precision, started_until, arrested_at, custody_arrival_at, ended_on,
                ended_precision, ended_until, end_reason, conditions, ill_treatment_alleged,
                ill_treatment_notes, case_id, facility_id, person_id)
            SELECT g, {stamp("COALESCE(e, s)")}, {stamp("COALESCE(e, s)")}, '', kind, s, 'day',
                s,
                CASE WHEN kind = 'police_custody'
                     THEN ((s + time '09:00') AT TIME ZONE 'Asia/Phnom_Penh') END,
                CASE WHEN kind = 'police_custody'
                     THEN ((s + time '10:00') AT TIME ZONE 'Asia/Phnom_Penh') END,
                e, 'day', e,
                CASE WHEN e IS NULL THEN ''
                     ELSE (ARRAY['bail', 'acquitted', 'sentence_served', 'pardon',
                                 'charges_dropped', 'next_stage'])[1 + g % 6] END,
                '', false, '', cp.case_id, NULL, cp.person_id
            FROM (SELECT g, kind, cur, s,
                         CASE WHEN cur THEN NULL
                              ELSE GREATEST(s, LEAST(s + dur, {TODAY_SQL} - 1)) END AS e
                  FROM (SELECT g, kind, cur,
                               CASE WHEN cur THEN {TODAY_SQL} - (r * span)::int
                                    ELSE date '2015-01-01' + (r * 4300)::int END AS s,
                               1 + (r2 * dur_max)::int AS dur
                        FROM (SELECT g, k.kind, random() < k.current AS cur, random() AS r,
                                     random() AS r2, k.span, k.dur_max, k.current
                              FROM generate_series(1, {n["detentions"]}) g
                              JOIN (VALUES (0, 'pretrial', 540, 540, 0.22),
                                           (1, 'police_custody', 3, 3, 0.002),
                                           (2, 'sentence', 2000, 2000, 0.30),
                                           (3, 'administrative', 200, 100, 0.05),
                                           (4, 'supervision', 200, 300, 0.10))
                                   k(i, kind, span, dur_max, current)
                                ON k.i = CASE WHEN g % 20 < 9 THEN 0 WHEN g % 20 < 12 THEN 1
                                              WHEN g % 20 < 18 THEN 2 WHEN g % 20 = 18 THEN 3
                                              ELSE 4 END) s0) s1) s
            JOIN cases_caseparty cp
              ON cp.id = 1 + (g * 7) % (SELECT count(*) FROM cases_caseparty)
            """,
        ),
        (
            "detention extensions",
            f"""
            INSERT INTO cases_detentionextension (created_at, updated_at, source, ordered_on,
                months, days, hours, ordered_by, document, notes, detention_id)
            SELECT {stamp("started_on + 170")}, {stamp("started_on + 170")}, '',
                started_on + 170, 6, 0, 0, '', '', '', id
            FROM cases_detention
            WHERE kind = 'pretrial' AND started_on < {TODAY_SQL} - 170 AND id % 2 = 0
            """,
        ),
        (
            "hearings",
            f"""
            INSERT INTO cases_hearing (id, created_at, updated_at, source, kind, status,
                scheduled_at, time_known, held_at, outcome, next_hearing_at, case_id, court_id,
                monitor_id, previous_id)
            SELECT g, LEAST(at, {NOW_SQL} - interval '1 hour'),
                LEAST(at, {NOW_SQL} - interval '1 hour'), '',
                (ARRAY['investigation', 'trial', 'trial', 'trial', 'verdict', 'appeal',
                       'detention_review'])[1 + g % 7],
                status, at, true,
                CASE WHEN status IN ('held', 'adjourned') THEN at + interval '15 minutes' END,
                '', CASE WHEN status = 'adjourned' THEN at + interval '28 days' END,
                1 + (r2 * ({n["cases"]} - 1))::bigint, NULL,
                CASE WHEN r3 < 0.5 THEN NULL
                     ELSE {first_monitor} + (r3 * 100000)::int % {monitors} END, NULL
            FROM (SELECT g, at, r2, r3,
                         CASE WHEN at < {NOW_SQL} THEN
                                  CASE WHEN r < 0.80 THEN 'held' WHEN r < 0.90 THEN 'adjourned'
                                       WHEN r < 0.97 THEN 'cancelled' ELSE 'scheduled' END
                              WHEN r < 0.95 THEN 'scheduled' ELSE 'cancelled' END AS status
                  FROM (SELECT g, random() AS r, random() AS r2, random() AS r3,
                               ((date '2015-01-01' + (random() * 4747)::int)
                                + make_interval(hours => 8 + (random() * 8)::int,
                                                mins => 30 * (random() * 1)::int))
                               AT TIME ZONE 'Asia/Phnom_Penh' AS at
                        FROM generate_series(1, {n["hearings"]}) g) s0) s
            """,
        ),
        (
            "follow-ups",
            f"""
            INSERT INTO cases_followup (id, created_at, updated_at, source, kind, description,
                done_on, done_precision, done_until, due_on, status, response, case_id,
                detention_id, facility_id, owner_id, addressed_to_id, person_id)
            SELECT g, {stamp(followup_day)}, {stamp(followup_day)}, '',
                (ARRAY['raised', 'letter', 'investigation_call', 'special_procedures', 'visit',
                       'legal_aid', 'statement', 'meeting'])[1 + g % 8],
                'Follow-up ' || g, done, 'day', done, due, status, '',
                1 + (r2 * ({n["cases"]} - 1))::bigint, NULL, NULL,
                CASE WHEN r3 < 0.1 THEN NULL ELSE 2 + (r3 * 100000)::int % {users - 1} END,
                NULL, NULL
            FROM (SELECT g, due, r2, r3, status,
                         CASE WHEN status = 'done'
                              THEN LEAST(COALESCE(due, date '2015-01-01' + (r * 4300)::int)
                                         - (r2 * 10)::int, {TODAY_SQL}) END AS done
                  FROM (SELECT g, due, r, r2, r3,
                               CASE WHEN due IS NULL OR due < {TODAY_SQL}
                                    THEN CASE WHEN r < 0.85 THEN 'done' ELSE 'open' END
                                    WHEN r < 0.95 THEN 'open' ELSE 'done' END AS status
                        FROM (SELECT g, random() AS r, random() AS r2, random() AS r3,
                                     CASE WHEN random() < 0.1 THEN NULL
                                          ELSE date '2015-01-01' + (random() * 4747)::int
                                     END AS due
                              FROM generate_series(1, {n["followups"]}) g) s0) s1) s
            """,
        ),
        (
            "reminders",
            f"""
            WITH shapes(rtype, i, kind, off) AS (VALUES {shapes}),
            shape_count(rtype, n) AS (VALUES {counts}),
            spec AS (
                SELECT g,
                    CASE WHEN g <= {hist} THEN 'history'
                         WHEN g <= {hist + n["pending_future"]} THEN 'future'
                         WHEN g <= {hist + n["pending_future"] + n["pending_due"]} THEN 'due'
                         ELSE 'claimed' END AS phase,
                    random() AS r1, random() AS r2, random() AS r3, random() AS r4,
                    random() AS r5, random() AS r6
                FROM generate_series(1, {n["reminders"]}) g),
            typed AS (
                SELECT spec.*,
                    CASE WHEN r1 < 0.70 THEN 'hearing' WHEN r1 < 0.85 THEN 'detention'
                         WHEN r1 < 0.95 THEN 'followup' ELSE 'outcome' END AS rtype
                FROM spec),
            picked AS (
                SELECT t.*, sh.kind, sh.off,
                    1 + (r2 * (CASE t.rtype
                        WHEN 'hearing' THEN {n["hearings"]}
                        WHEN 'detention' THEN {n["detentions"]}
                        WHEN 'followup' THEN {n["followups"]}
                        ELSE {n["outcomes"]} END - 1))::bigint AS rid
                FROM typed t
                JOIN shape_count sc ON sc.rtype = t.rtype
                JOIN shapes sh ON sh.rtype = t.rtype AND sh.i = floor(t.r3 * sc.n)::int),
            nat AS (
                SELECT p.*,
                    COALESCE(h.case_id, d.case_id, f.case_id, cp.case_id) AS case_id,
                    COALESCE(h.scheduled_at,
                             {local_day.format(d="f.due_on")},
                             {local_day.format(d="o.verdict_on + 30")},
                             {local_day.format(d="date '2015-01-01' + (p.r5 * 4350)::int")})
                        AS natural_deadline,
                    CASE phase
                        WHEN 'future' THEN {NOW_SQL} + r5 * interval '60 days'
                        WHEN 'due' THEN CASE WHEN r4 < 0.05
                                             THEN {NOW_SQL} - (1 + r5 * 2) * interval '1 day'
                                             ELSE {NOW_SQL} - r5 * interval '6 hours' END
                        WHEN 'claimed' THEN {NOW_SQL} - r5 * interval '2 hours'
                    END AS fixed_due
                FROM picked p
                LEFT JOIN cases_hearing h ON p.rtype = 'hearing' AND h.id = p.rid
                LEFT JOIN cases_detention d ON p.rtype = 'detention' AND d.id = p.rid
                LEFT JOIN cases_followup f ON p.rtype = 'followup' AND f.id = p.rid
                LEFT JOIN cases_trialoutcome o ON p.rtype = 'outcome' AND o.id = p.rid
                LEFT JOIN cases_caseparty cp ON cp.id = o.party_id),
            dated AS (
                SELECT n.*,
                    CASE WHEN phase = 'history' THEN natural_deadline
                         ELSE fixed_due + off * interval '1 day' END AS deadline,
                    CASE WHEN phase = 'history' THEN natural_deadline - off * interval '1 day'
                         ELSE fixed_due END AS due_at
                FROM nat n),
            stated AS (
                SELECT dated.*,
                    CASE phase
                        WHEN 'future' THEN 'pending' WHEN 'due' THEN 'pending'
                        WHEN 'claimed' THEN 'claimed'
                        ELSE CASE WHEN due_at >= {NOW_SQL} - interval '1 hour' THEN 'superseded'
                                  WHEN r4 < 0.85 THEN 'sent' WHEN r4 < 0.95 THEN 'superseded'
                                  ELSE 'skipped' END
                    END AS status
                FROM dated)
            INSERT INTO reminders_reminder (kind, record_type, record_id, case_id, deadline,
                offset_days, recipient_id, due_at, status, status_note, claimed_at, sent_at,
                emailed, attempts, created_at)
            SELECT kind, rtype, rid, case_id, deadline, off,
                2 + (r6 * ({users} - 2))::int, due_at, status,
                CASE status WHEN 'superseded' THEN 'the record changed'
                            WHEN 'skipped' THEN 'its event had passed when it fell due'
                            ELSE '' END,
                CASE WHEN status = 'claimed'
                     THEN CASE WHEN r4 < 0.67 THEN {NOW_SQL} - interval '1 hour'
                               ELSE {NOW_SQL} - interval '30 seconds' END
                     WHEN status = 'sent' THEN due_at END,
                CASE WHEN status = 'sent' THEN due_at + interval '5 seconds' END,
                status = 'sent' AND r5 < 0.6,
                CASE WHEN status = 'sent' THEN 1 ELSE 0 END,
                LEAST(due_at, {NOW_SQL}) - interval '1 day'
            FROM stated
            ON CONFLICT DO NOTHING
            """,
        ),
        ("sequences", "SELECT 1"),  # replaced by reset_sequences()
    ]


def reset_sequences(cursor) -> None:
    for table in FILLED_TABLES:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
        )


def fill(n: dict[str, int], scale: float, *, refill: bool) -> dict:
    """Fill the database unless already filled at this scale; return the fill record."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns "
            "WHERE table_name = 'bench_fill' AND column_name = 'version'"
        )
        if not cursor.fetchone():
            cursor.execute("DROP TABLE IF EXISTS bench_fill")
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_fill "
            "(scale double precision, version int, filled_at timestamptz, seconds jsonb)"
        )
        cursor.execute("SELECT scale, version, filled_at, seconds FROM bench_fill")
        row = cursor.fetchone()
        if row and row[1] == FILL_VERSION and not refill:
            if abs(row[0] - scale) > 1e-9:
                sys.exit(f"filled at scale {row[0]}, asked {scale}: run again with --refill")
            return {"scale": row[0], "filled_at": row[2].isoformat(), "seconds": row[3]}
        print("filling (INSERT ... SELECT FROM generate_series) ...", flush=True)
        cursor.execute(f"TRUNCATE {', '.join(FILLED_TABLES)}, bench_fill RESTART IDENTITY CASCADE")
        seconds = {}
        with temporary_defaults(cursor):
            for label, sql in fill_statements(n):
                started = time.perf_counter()
                if label == "sequences":
                    reset_sequences(cursor)
                else:
                    cursor.execute(sql)
                seconds[label] = round(time.perf_counter() - started, 2)
                print(f"  {label:<22} {seconds[label]:7.2f} s", flush=True)
        cursor.execute(
            "INSERT INTO bench_fill VALUES (%s, %s, now(), %s)",
            [scale, FILL_VERSION, json.dumps(seconds)],
        )
    # VACUUM cannot run in a transaction: Django's connection is in autocommit here.
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    seconds["vacuum analyze"] = round(time.perf_counter() - started, 2)
    print(f"  {'vacuum analyze':<22} {seconds['vacuum analyze']:7.2f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE bench_fill SET seconds = %s", [json.dumps(seconds)])
    return {"scale": scale, "filled_at": dt.datetime.now(dt.UTC).isoformat(), "seconds": seconds}


@contextmanager
def temporary_defaults(cursor):
    """Give NOT NULL columns the fill does not name (added to the models since this script was
    written, e.g. a version counter) their model default for the time of the fill."""
    from django.apps import apps
    from django.db import connection

    cursor.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND is_nullable = 'NO' AND column_default IS NULL "
        "AND is_identity = 'NO'"
    )
    bare = set(cursor.fetchall())
    added = []
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if table not in FILLED_TABLES:
            continue
        for field in model._meta.concrete_fields:
            if (table, field.column) not in bare or not field.has_default():
                continue
            value = field.get_db_prep_save(field.get_default(), connection)
            # A literal, not a parameter: DDL takes none with server-side binding.
            cursor.execute(
                connection.ops.compose_sql(
                    f'ALTER TABLE {table} ALTER COLUMN "{field.column}" SET DEFAULT %s', [value]
                )
            )
            added.append((table, field.column))
    try:
        yield
    finally:
        for table, column in added:
            cursor.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" DROP DEFAULT')


def data_sizes() -> dict:
    """Row counts and on-disk sizes (table and its indexes) of the tables the pass reads."""
    from django.db import connection

    tables = [
        "auth_user",
        "cases_person",
        "cases_case",
        "cases_case_monitors",
        "cases_caseparty",
        "cases_charge",
        "cases_hearing",
        "cases_detention",
        "cases_detentionextension",
        "cases_followup",
        "cases_trialoutcome",
        "reminders_reminder",
    ]
    sizes = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT count(*), pg_relation_size('{table}'), pg_indexes_size('{table}') "
                f"FROM {table}"
            )
            rows, heap, indexes = cursor.fetchone()
            sizes[table] = {"rows": rows, "heap_mb": mb(heap), "indexes_mb": mb(indexes)}
        cursor.execute(
            "SELECT status, count(*) FROM reminders_reminder GROUP BY status ORDER BY status"
        )
        sizes["reminders_by_status"] = dict(cursor.fetchall())
        cursor.execute(
            f"SELECT count(*) FILTER (WHERE due_at <= {NOW_SQL}), "
            f"count(*) FILTER (WHERE due_at > {NOW_SQL}) "
            "FROM reminders_reminder WHERE status = 'pending'"
        )
        due, future = cursor.fetchone()
        sizes["pending_due_by_now"], sizes["pending_future"] = due, future
        cursor.execute(
            f"SELECT count(*) FILTER (WHERE claimed_at < {NOW_SQL} - interval '300 seconds'), "
            "count(*) FROM reminders_reminder WHERE status = 'claimed'"
        )
        stuck, claimed = cursor.fetchone()
        sizes["claimed"], sizes["claimed_stuck"] = claimed, stuck
        cursor.execute(
            "SELECT count(*) FILTER (WHERE ended_on IS NULL), "
            "count(*) FILTER (WHERE ended_on IS NULL AND kind IN "
            "('pretrial', 'police_custody', 'sentence')) FROM cases_detention"
        )
        current, clocked = cursor.fetchone()
        sizes["detentions_current"], sizes["detentions_current_clocked"] = current, clocked
        cursor.execute(
            "SELECT count(*) FILTER (WHERE scheduled_at < %s), "
            "count(*) FILTER (WHERE scheduled_at >= %s) FROM cases_hearing",
            [NOW, NOW],
        )
        past, future = cursor.fetchone()
        sizes["hearings_past"], sizes["hearings_future"] = past, future
        cursor.execute("SELECT count(*) FROM cases_case_monitors")
        sizes["case_monitor_links"] = cursor.fetchone()[0]
    return sizes


def mb(size: int) -> float:
    return round(size / 1024 / 1024, 1)


# EXPLAIN -----------------------------------------------------------------------------------


def compiled(queryset) -> tuple[str, tuple]:
    from django.db import connection

    return queryset.query.get_compiler(connection=connection).as_sql()


def explain(sql: str, params=None) -> dict:
    """Run EXPLAIN (ANALYZE, BUFFERS) in text (to print) and JSON (to summarise)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        text = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return {"sql": shorten(sql), "text": text, "summary": summarise(plan[0])}


def shorten(sql: str, limit: int = 1500) -> str:
    """Long IN lists (prefetches of thousands of ids) are cut for the JSON file."""
    sql = re.sub(r"IN \(([^()]{200,}?)\)", lambda m: f"IN (<{m[1].count(',') + 1} values>)", sql)
    return sql if len(sql) <= limit else sql[:limit] + " ..."


def summarise(plan: dict) -> dict:
    nodes = []

    def walk(node, depth=0):
        nodes.append(
            {
                "depth": depth,
                "node": node["Node Type"],
                "relation": node.get("Relation Name"),
                "index": node.get("Index Name"),
                "rows": node.get("Actual Rows"),
                "loops": node.get("Actual Loops"),
                "ms": node.get("Actual Total Time"),
                "removed_by_filter": node.get("Rows Removed by Filter"),
                "shared_hit": node.get("Shared Hit Blocks"),
                "shared_read": node.get("Shared Read Blocks"),
            }
        )
        for child in node.get("Plans", []):
            walk(child, depth + 1)

    walk(plan["Plan"])
    top = plan["Plan"]
    return {
        "execution_ms": round(plan.get("Execution Time", 0.0), 3),
        "planning_ms": round(plan.get("Planning Time", 0.0), 3),
        "rows": top.get("Actual Rows"),
        "shared_hit": top.get("Shared Hit Blocks"),
        "shared_read": top.get("Shared Read Blocks"),
        "scans": [
            {k: v for k, v in n.items() if v is not None}
            for n in nodes
            if ("Scan" in n["node"] and n["relation"]) or n["index"]
        ],
        "seq_scans": sorted({n["relation"] for n in nodes if n["node"] == "Seq Scan"}),
    }


def scan_line(summary: dict) -> str:
    parts = []
    for scan in summary["scans"]:
        where = scan.get("index") or scan.get("relation")
        removed = scan.get("removed_by_filter")
        extra = f", {removed} filtered out" if removed else ""
        loops = f" x{scan['loops']}" if scan.get("loops", 1) > 1 else ""
        parts.append(f"{scan['node']} {where}: {scan['rows']} rows{loops}{extra}")
    return "; ".join(parts)


def explain_queries(now: dt.datetime, since: dt.datetime) -> dict:
    """EXPLAIN the dispatcher's selection, the stuck query and the planner candidates."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reminders.models import Reminder
    from reminders.planning import PLANNERS

    plans = {}
    due = (
        Reminder.objects.due(now=now)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("case", "recipient")[: settings.REMINDER_BATCH]
    )
    plans["dispatch_due"] = explain(*compiled(due))
    before = now - dt.timedelta(seconds=settings.REMINDER_REQUEUE_AFTER_SECONDS)
    stuck = (
        Reminder.objects.stuck(before=before)
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[: settings.REMINDER_BATCH]
    )
    plans["requeue_stuck"] = explain(*compiled(stuck))
    for record_type, (candidates, _planner, _load) in PLANNERS.items():
        queryset = candidates(now, since)
        plans[f"candidates_{record_type}"] = explain(*compiled(queryset))
        # The filter alone (no joins): how the table itself is reached.
        plans[f"candidates_{record_type}_filter"] = explain(
            *compiled(queryset.order_by().values_list("pk", flat=True))
        )
        # The prefetches the candidates trigger, as they are sent (one per prefetched level).
        with CaptureQueriesContext(connection) as captured:
            list(queryset)
        for i, query in enumerate(captured.captured_queries[1:], start=1):
            plans[f"candidates_{record_type}_prefetch{i}"] = explain(query["sql"])
    return plans


# Timing ------------------------------------------------------------------------------------


@contextmanager
def rolled_back():
    """A transaction (or savepoint) whose changes are always undone."""
    from django.db import transaction

    with transaction.atomic():
        yield
        transaction.set_rollback(True)


class Meter:
    """Wall time and queries of named phases, accumulated."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu_seconds: dict[str, float] = defaultdict(float)
        self.queries: dict[str, int] = defaultdict(int)
        self.db_seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def __call__(self, name: str):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        started, cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as captured:
            yield
        self.seconds[name] += time.perf_counter() - started
        self.cpu_seconds[name] += time.process_time() - cpu
        self.queries[name] += len(captured.captured_queries)
        self.db_seconds[name] += sum(float(q["time"]) for q in captured.captured_queries)

    def as_dict(self) -> dict:
        return {
            name: {
                "seconds": round(self.seconds[name], 3),
                "python_cpu_seconds": round(self.cpu_seconds[name], 3),
                "queries": self.queries[name],
                "db_seconds": round(self.db_seconds[name], 3),
            }
            for name in self.seconds
        }


def normalise_sql(sql: str) -> str:
    sql = re.sub(r"IN \([^()]*\)", "IN (...)", sql)
    sql = re.sub(r"'[^']*'", "?", sql)
    sql = re.sub(r"\b\d+(\.\d+)?\b", "?", sql)
    return re.sub(r"\s+", " ", sql)[:300]


def timed_pass(now: dt.datetime) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reminders.dispatch import run_pass

    load_before = os.getloadavg()[0]
    started, cpu = time.perf_counter(), time.process_time()
    with CaptureQueriesContext(connection) as captured:
        report = run_pass(now=now, enqueue=lambda pk: None)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    queries = captured.captured_queries
    templates: dict[str, dict] = {}
    for query in queries:
        key = normalise_sql(query["sql"])
        entry = templates.setdefault(key, {"count": 0, "seconds": 0.0, "example": query["sql"]})
        entry["count"] += 1
        entry["seconds"] += float(query["time"])
    top = sorted(templates.items(), key=lambda item: -item[1]["seconds"])[:8]
    return {
        "now": now.isoformat(),
        "seconds": round(seconds, 3),
        "python_cpu_seconds": round(cpu, 3),
        "load_average_1min": [load_before, os.getloadavg()[0]],
        "queries": len(queries),
        "db_seconds": round(sum(float(q["time"]) for q in queries), 3),
        "report": report.stats(),
        "top_queries": [
            {
                "sql": shorten(key, 300),
                "count": entry["count"],
                "seconds": round(entry["seconds"], 3),
                "example": shorten(entry["example"], 4000),
            }
            for key, entry in top
        ],
    }


def phases(now: dt.datetime, since: dt.datetime | None) -> dict:
    """Time each phase of a pass separately (the same calls as run_pass and sync_reminders)."""
    from django.conf import settings
    from django.db import transaction

    from reminders.dispatch import PassReport, dispatch_due, requeue_stuck, send_digests
    from reminders.planning import PLANNERS, Audiences, _insert, supersede_unwanted

    meter = Meter()
    counts: dict[str, int] = defaultdict(int)
    details: dict[str, int] = defaultdict(int)  # what was planned: by kind, to whom, how early
    horizon = now + dt.timedelta(days=2)
    with meter("audiences"):
        audiences = Audiences()
    supervisors = set(audiences.supervisors)
    for record_type, (candidates, planner, _load) in PLANNERS.items():
        with transaction.atomic():
            with meter(f"plan {record_type}: candidates"):
                records = list(candidates(now, since))
            counts[f"{record_type} candidates"] = len(records)
            batch = 2000
            for start in range(0, len(records), batch):
                chunk = records[start : start + batch]
                with meter(f"plan {record_type}: plan"):
                    wanted = planner(chunk, now, audiences)
                counts[f"{record_type} planned"] += len(wanted)
                for p in wanted:
                    details[f"{record_type} {p.kind}"] += 1
                    if p.recipient_id in supervisors:
                        details[f"{record_type} to supervisors"] += 1
                    if p.due_at > horizon:
                        details[f"{record_type} due more than 2 days ahead"] += 1
                with meter(f"plan {record_type}: insert"):
                    counts[f"{record_type} created"] += _insert(wanted, now=now, since=since)
                with meter(f"plan {record_type}: supersede"):
                    counts[f"{record_type} superseded"] += supersede_unwanted(
                        record_type, [r.pk for r in chunk], wanted, now=now
                    )
    report = PassReport()
    with meter("dispatch"):
        while True:
            rows = dispatch_due(
                now=now, enqueue=lambda pk: None, audiences=audiences, report=report
            )
            counts["dispatch batches"] += 1
            if rows < settings.REMINDER_BATCH:
                break
    with meter("requeue"):
        requeue_stuck(now=now, enqueue=lambda pk: None, report=report)
    with meter("digests"):
        report.digests = send_digests(now=now)
    counts.update({f"dispatch {k}": v for k, v in report.stats().items()})
    return {
        "now": now.isoformat(),
        "since": since.isoformat() if since else None,
        "phases": meter.as_dict(),
        "counts": dict(counts),
        "planned": dict(sorted(details.items())),
    }


def plan_totals(phase_result: dict) -> dict:
    """Sum the sub-phases of each record type (candidates + plan + insert + supersede)."""
    totals: dict[str, dict[str, float]] = {}
    for name, figures in phase_result["phases"].items():
        group = name.split(":")[0]
        entry = totals.setdefault(
            group, {"seconds": 0.0, "python_cpu_seconds": 0.0, "queries": 0, "db_seconds": 0.0}
        )
        for key in entry:
            entry[key] = round(entry[key] + figures[key], 3)
    return totals


def code_version() -> dict:
    """The commit measured, and whether the working tree differed from it."""
    import subprocess

    def git(*args: str) -> str:
        run = subprocess.run(  # noqa: S603 -- fixed arguments
            ["git", "-C", str(ROOT), *args],  # noqa: S607 -- git from PATH
            capture_output=True,
            text=True,
            check=False,
        )
        return run.stdout.strip() if run.returncode == 0 else ""

    commit = git("rev-parse", "HEAD")
    if not commit:
        return {"commit": None, "note": f"{ROOT} is not a git checkout"}
    changed = [line for line in git("status", "--porcelain").splitlines() if line[:2] != "??"]
    return {"commit": commit, "uncommitted_changes": len(changed)}


def create_fixes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for _name, ddl in FIXES:
            cursor.execute(ddl)


@contextmanager
def proposal_planner():
    """Run the passes with changed_detention_candidates in place of detention_candidates."""
    from reminders import planning

    original = planning.PLANNERS[planning.RecordType.DETENTION]
    planning.PLANNERS[planning.RecordType.DETENTION] = (
        changed_detention_candidates,
        *original[1:],
    )
    try:
        yield
    finally:
        planning.PLANNERS[planning.RecordType.DETENTION] = original


# Main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 1M hearings, 1M reminders")
    parser.add_argument("--refill", action="store_true", help="truncate and fill again")
    parser.add_argument(
        "--try-fixes", action="store_true", help="also EXPLAIN with the proposed indexes"
    )
    args = parser.parse_args()

    name = check_url()
    created = ensure_database(name)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()  # locmem e-mail, whatever the settings say
    # Keep every query of a pass (the default log keeps the last 9,000 only).
    connection.queries_limit = 10**7
    connection.queries_log = deque(maxlen=connection.queries_limit)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_seconds = time.perf_counter() - started
    sizes = sizes_for(args.scale)
    filled = fill(sizes, args.scale, refill=args.refill)
    result: dict = {
        "database": name,
        "created_database": created,
        "migrate_seconds": round(migrate_seconds, 2),
        "scale": args.scale,
        "fill": filled,
        "now": NOW.isoformat(),
        "code": code_version(),
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
        "settings": {},
    }
    from django.conf import settings

    result["settings"] = {
        "REMINDER_BATCH": settings.REMINDER_BATCH,
        "REMINDER_REQUEUE_AFTER_SECONDS": settings.REMINDER_REQUEUE_AFTER_SECONDS,
        "postgres": connection.cursor().connection.info.server_version,
    }
    result["sizes"] = data_sizes()
    since = NOW - dt.timedelta(minutes=1)

    steady_now = NOW + dt.timedelta(minutes=1)
    proposal_now = NOW + dt.timedelta(minutes=2)

    with rolled_back():
        print("explaining ...", flush=True)
        result["explain"] = explain_queries(NOW, since)
        if args.try_fixes:
            with rolled_back():
                create_fixes()
                make_edits(NOW - dt.timedelta(seconds=30))
                plans = explain_queries(NOW, since)
                queryset = changed_detention_candidates(NOW, since)
                plans["candidates_detention_changed"] = explain(*compiled(queryset))
                plans["candidates_detention_changed_filter"] = explain(
                    *compiled(queryset.order_by().values_list("pk", flat=True))
                )
                result["explain_with_fixes"] = plans
                result["fixes"] = [ddl for _name, ddl in FIXES]

    with rolled_back():
        passes = {}
        print("first pass (plans everything in the windows) ...", flush=True)
        passes["first"] = timed_pass(NOW)
        print("steady pass (a minute later) ...", flush=True)
        passes["steady"] = timed_pass(steady_now)
        if args.try_fixes:
            print("steady pass with the proposal (a minute later again) ...", flush=True)
            create_fixes()
            make_edits(proposal_now - dt.timedelta(seconds=30))
            with proposal_planner():
                passes["steady_proposal"] = timed_pass(proposal_now)
        result["passes"] = passes

    with rolled_back():
        print("phases ...", flush=True)
        result["phases"] = {
            "first": phases(NOW, None),
            "steady": phases(steady_now, NOW),
        }
        if args.try_fixes:
            create_fixes()
            make_edits(proposal_now - dt.timedelta(seconds=30))
            with proposal_planner():
                result["phases"]["steady_proposal"] = phases(proposal_now, steady_now)
        for run in result["phases"].values():
            run["totals"] = plan_totals(run)

    OUT.write_text(json.dumps(result, indent=2, default=str))
    print_summary(result)
    print(f"\nwritten: {OUT.relative_to(ROOT)}")


def print_summary(result: dict) -> None:
    print("\n" + "=" * 100)
    print(f"scale {result['scale']}, now {result['now']}, database {result['database']}")
    print(f"load average at start: {result['load_average']} on {os.cpu_count()} CPUs")
    print("\nData:")
    for table, figures in result["sizes"].items():
        if isinstance(figures, dict) and "rows" in figures:
            print(
                f"  {table:<28} {figures['rows']:>10,} rows  heap {figures['heap_mb']:>7} MB  "
                f"indexes {figures['indexes_mb']:>7} MB"
            )
    for key in (
        "reminders_by_status",
        "pending_due_by_now",
        "pending_future",
        "claimed",
        "claimed_stuck",
        "detentions_current",
        "detentions_current_clocked",
        "hearings_past",
        "hearings_future",
        "case_monitor_links",
    ):
        print(f"  {key}: {result['sizes'][key]}")
    for section in ("explain", "explain_with_fixes"):
        if section not in result:
            continue
        print(f"\n{section.upper()} (EXPLAIN ANALYZE, BUFFERS):")
        for name, plan in result[section].items():
            print(f"\n--- {name}\n{plan['sql'][:600]}\n{plan['text']}")
    print("\nPLAN SUMMARY:")
    for section in ("explain", "explain_with_fixes"):
        if section not in result:
            continue
        print(f"  [{section}]")
        for name, plan in result[section].items():
            summary = plan["summary"]
            seq = f"  SEQ SCAN on {', '.join(summary['seq_scans'])}" if summary["seq_scans"] else ""
            print(
                f"  {name:<34} {summary['execution_ms']:>9.2f} ms  {summary['rows']:>7} rows  "
                f"buffers hit {summary['shared_hit']} read {summary['shared_read']}{seq}\n"
                f"      {scan_line(summary)}"
            )
    print("\nPASSES (run_pass, enqueue is a no-op):")
    for label, run in result["passes"].items():
        print(
            f"  {label:<15} {run['seconds']:>8.2f} s "
            f"(python cpu {run['python_cpu_seconds']:.2f} s, "
            f"db {run['db_seconds']:.2f} s, load {run['load_average_1min']})  "
            f"{run['queries']:>6} queries  {run['report']}"
        )
        for query in run["top_queries"][:5]:
            print(f"      {query['count']:>5} x {query['seconds']:>7.3f} s  {query['sql'][:150]}")
    print("\nPHASES:")
    for label, run in result["phases"].items():
        print(f"  [{label}] now {run['now']}, since {run['since']}")
        print(f"    counts: {run['counts']}")
        print(f"    planned: {run['planned']}")
        for name, figures in run["phases"].items():
            print(
                f"    {name:<30} {figures['seconds']:>8.3f} s  "
                f"cpu {figures['python_cpu_seconds']:>8.3f} s  db {figures['db_seconds']:>7.3f} s  "
                f"{figures['queries']:>5} queries"
            )


if __name__ == "__main__":
    main()
