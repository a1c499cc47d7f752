# ruff: noqa: S608 -- the SQL here is built from this file's own constants and integers only.
"""The benchmark's dataset: a deterministic synthetic national-scale database in PostgreSQL.

Importable (``bench/national.py`` and the load test use it)::

    from bench.dataset import ensure_dataset
    info = ensure_dataset(1.0)        # or ensure_dataset(0.02) / ensure_dataset(quick=True)

or run it alone (from the project root)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_national DEMO_MODE=1 \
        .venv/bin/python bench/dataset.py [--scale 1.0] [--quick] [--refill]

``ensure_dataset`` creates the scratch database named by ``DATABASE_URL`` when it is missing,
runs ``migrate`` and fills it once: a marker table (``bench_national_fill``) records the fill's
version and scale; a database filled at another scale or by another version of this file is
emptied and filled again. Then ``VACUUM (ANALYZE)``. A PostgreSQL advisory lock keeps two
processes from migrating or filling the same database at once. It refuses ``monitoring``,
``test_*`` and any database that is not PostgreSQL.

At scale 1.0 (every count scales, users excepted): 100,000 persons, 100,001 cases (one of them
the timeline case below), 500,000 hearings, 150,000 detentions, 200,000 follow-ups, 100,000
verdicts, about 133,000 defendants with their charges, 500,000 rows of reminder history (a few
thousand pending, a few hundred due at the fixed "now" of the reminder bench, 2026-12-01 09:00
Phnom Penh), 400 users (1 superuser ``bench1``, 20 supervisors ``bench2``..``bench21``, the rest
field monitors), 25 courts. The bulk is ``INSERT ... SELECT ... FROM generate_series`` from
``bench/reminders_scale.py`` (``setseed`` makes its ``random()`` repeatable); this file adds the
courts, a court and a summary for every case, and one case (reference ``BENCH-TIMELINE``)
whose timeline has exactly ``TIMELINE_EVENTS`` (200) entries of every kind.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
for folder in (ROOT, ROOT / "bench"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitoring.settings")

import reminders_scale as rs  # noqa: E402 -- after the path is set

VERSION = 1  # bump when the fill changes: a database filled by another version is refilled
QUICK_SCALE = 0.02
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_national"
MARKER = "bench_national_fill"
FORBIDDEN = re.compile(r"^(monitoring|test_.*|postgres|template\d)$")
LOCK_KEY = 7_000_001  # pg_advisory_lock key: one migrate/fill at a time per database
TIMELINE_EVENTS = 200
TIMELINE_REFERENCE = "BENCH-TIMELINE"
COURTS = 25

# Rows at scale 1.0 that differ from bench/reminders_scale.py's BASE (issue 7's dataset).
OVERRIDES = {"hearings": 500_000, "reminders": 500_000, "pending_future": 4_000}


def sizes_for(scale: float) -> dict[str, int]:
    sizes = rs.sizes_for(scale)
    for key, value in OVERRIDES.items():
        sizes[key] = max(1, round(value * scale))
    return sizes


# The database -------------------------------------------------------------------------------


def database_name(url: str | None = None) -> str:
    """Return the scratch database's name from ``DATABASE_URL``; refuse anything else."""
    url = url or os.environ.get("DATABASE_URL", "")
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not parsed.scheme.startswith("postgres") or not name:
        raise SystemExit(
            f"DATABASE_URL must name a scratch PostgreSQL database, e.g. {DEFAULT_URL}"
        )
    if FORBIDDEN.match(name):
        raise SystemExit(
            f"refusing to fill {name!r}: use a scratch database such as bench_national"
        )
    return name


def setup(url: str | None = None) -> str:
    """Point Django at the scratch database (created when missing) and set it up."""
    if url:
        os.environ["DATABASE_URL"] = url
    name = database_name()
    rs.ensure_database(name)
    import django

    django.setup()
    return name


class advisory_lock:
    """Hold a session-level advisory lock on the scratch database while migrating/filling."""

    def __enter__(self):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])

    def __exit__(self, *exc):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def marker() -> dict | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER} (version int, scale double precision, "
            "filled_at timestamptz, seconds jsonb, timeline_case int)"
        )
        cursor.execute(f"SELECT version, scale, filled_at, seconds, timeline_case FROM {MARKER}")
        row = cursor.fetchone()
    if row is None:
        return None
    seconds = row[3] if isinstance(row[3], dict) else json.loads(row[3] or "{}")
    return {
        "version": row[0],
        "scale": row[1],
        "filled_at": row[2].isoformat(),
        "seconds": seconds,
        "timeline_case": row[4],
    }


# Filling ------------------------------------------------------------------------------------


def extra_statements(n: dict[str, int]) -> list[tuple[str, str]]:
    """Courts, and a court, a case number and a summary for every case."""
    return [
        (
            "courts",
            f"""
            INSERT INTO cases_court (id, created_at, updated_at, source, name, level, province,
                version)
            SELECT i, {rs.NOW_SQL} - interval '10 years', {rs.NOW_SQL} - interval '10 years', '',
                CASE WHEN i = 1 THEN 'Supreme Court' WHEN i = 2 THEN 'Court of Appeal'
                     ELSE 'Provincial Court ' || i END,
                CASE WHEN i = 1 THEN 'supreme' WHEN i = 2 THEN 'appeal'
                     ELSE 'first_instance' END,
                (ARRAY['phnom_penh', 'kandal', 'takeo', 'kampot', 'siem_reap'])[1 + i % 5], 1
            FROM generate_series(1, {COURTS}) i
            """,
        ),
        (
            "case courts",
            f"""
            UPDATE cases_case SET court_id = 3 + id % {COURTS - 2},
                court_case_number = (id % 9000) || '/' || (2012 + id % 14),
                summary = 'Arrested at a protest; held ' || (id % 40) || ' days before a hearing.'
            """,
        ),
        (
            "hearing courts",
            f"UPDATE cases_hearing SET court_id = 3 + case_id % {COURTS - 2} WHERE id % 3 = 0",
        ),
    ]


def fill(n: dict[str, int]) -> dict[str, float]:
    """Empty the tables and fill them; return the seconds of each step."""
    from django.db import connection

    seconds: dict[str, float] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {', '.join(rs.FILLED_TABLES)}, cases_court, {MARKER} "
            "RESTART IDENTITY CASCADE"
        )
        with rs.temporary_defaults(cursor):
            for label, sql in [*rs.fill_statements(n), *extra_statements(n)]:
                started = time.perf_counter()
                if label == "sequences":
                    rs.reset_sequences(cursor)
                else:
                    cursor.execute(sql)
                if label == "courts":
                    cursor.execute(
                        "SELECT setval(pg_get_serial_sequence('cases_court', 'id'), "
                        f"{COURTS + 1}, false)"
                    )
                seconds[label] = round(time.perf_counter() - started, 2)
                print(f"  {label:<22} {seconds[label]:7.2f} s", flush=True)
    return seconds


def timeline_case() -> int:
    """Create the case whose timeline holds exactly TIMELINE_EVENTS entries; return its pk.

    Four defendants, each charged, detained (pretrial, ended, with an extension order) and
    tried (a first-instance verdict with an appeal), ten follow-ups, and as many hearings as
    make the total: the clocks' deadline entries are counted by the timeline itself.
    """
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from cases.models import (
        Case,
        CaseParty,
        Charge,
        Court,
        Detention,
        DetentionExtension,
        FollowUp,
        Hearing,
        Offence,
        Person,
        TrialOutcome,
    )
    from cases.timeline import build_timeline

    zone = rs.ZONE
    court = Court.objects.order_by("pk")[2]
    supervisor = get_user_model().objects.get(username="bench2")
    with transaction.atomic():
        case = Case.objects.create(
            reference=TIMELINE_REFERENCE,
            title="Timeline case: 200 events",
            category=Case.Category.POLITICAL_EXPRESSION,
            status=Case.Status.OPEN,
            stage=Case.Stage.APPEAL,
            court=court,
            opened_on=dt.date(2019, 3, 4),
            summary="Four defendants, every kind of event.",
        )
        offence = Offence.objects.order_by("pk").first()
        for i, person in enumerate(Person.objects.order_by("pk")[:4]):
            party = CaseParty.objects.create(
                case=case, person=person, role=CaseParty.Role.DEFENDANT
            )
            Charge.objects.create(party=party, offence=offence, charged_on=dt.date(2019, 3, 5 + i))
            start = dt.date(2019, 3, 5 + i)
            detention = Detention.objects.create(
                case=case,
                person=person,
                kind=Detention.Kind.PRETRIAL,
                started_on=start,
                ended_on=dt.date(2020, 6, 1 + i),
                end_reason="bail",
            )
            DetentionExtension.objects.create(
                detention=detention, ordered_on=start + dt.timedelta(days=170), months=6
            )
            TrialOutcome.objects.create(
                party=party,
                instance="first",
                verdict_on=dt.date(2020, 5, 20),
                verdict="convicted",
                sentence_months=24,
                appeal_filed_on=dt.date(2020, 6, 10),
                appealed_by="defendant",
                court=court,
            )
        for i in range(10):
            FollowUp.objects.create(
                case=case,
                kind="letter",
                description=f"Letter {i + 1}",
                status="done",
                done_on=dt.date(2019, 4, 1) + dt.timedelta(days=30 * i),
            )
        have = len(build_timeline(case, user=supervisor))
        missing = TIMELINE_EVENTS - have
        assert missing > 0, f"the timeline case already has {have} entries"
        first = dt.datetime(2019, 4, 2, 8, 30, tzinfo=zone)
        Hearing.objects.bulk_create(
            Hearing(
                case=case,
                court=court,
                kind="trial",
                status="held",
                scheduled_at=first + dt.timedelta(days=7 * i),
                held_at=first + dt.timedelta(days=7 * i, minutes=15),
                outcome=f"Hearing {i + 1}: witnesses heard.",
            )
            for i in range(missing)
        )
        total = len(build_timeline(case, user=supervisor))
        assert total == TIMELINE_EVENTS, f"the timeline case has {total} entries"
    return case.pk


def table_sizes() -> dict[str, int]:
    from django.db import connection

    tables = [
        "auth_user",
        "cases_person",
        "cases_case",
        "cases_caseparty",
        "cases_charge",
        "cases_hearing",
        "cases_detention",
        "cases_detentionextension",
        "cases_followup",
        "cases_trialoutcome",
        "cases_court",
        "reminders_reminder",
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in tables))
        return dict(cursor.fetchall())


def ensure_dataset(
    scale: float = 1.0, *, quick: bool = False, refill: bool = False, url: str | None = None
) -> dict:
    """Make the scratch database hold the dataset at ``scale`` (``quick``: QUICK_SCALE).

    Returns ``{"database", "scale", "version", "filled_now", "seconds", "timeline_case",
    "sizes", "rows"}``; ``seconds`` are the fill's steps (from the marker when it was filled
    earlier). Safe to call from several processes at once.
    """
    if quick:
        scale = QUICK_SCALE
    name = setup(url)
    from django.core.management import call_command
    from django.db import connection

    with advisory_lock():
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrate_seconds = round(time.perf_counter() - started, 2)
        found = marker()
        current = (
            found is not None
            and found["version"] == VERSION
            and abs(found["scale"] - scale) < 1e-9
            and not refill
        )
        filled_now = not current
        if filled_now:
            print(f"filling {name} at scale {scale} ...", flush=True)
            seconds = fill(sizes_for(scale))
            started = time.perf_counter()
            pk = timeline_case()
            seconds["timeline case"] = round(time.perf_counter() - started, 2)
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)")  # Django's connection is in autocommit
            seconds["vacuum analyze"] = round(time.perf_counter() - started, 2)
            seconds["total"] = round(sum(seconds.values()), 2)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {MARKER} VALUES (%s, %s, now(), %s, %s)",
                    [VERSION, scale, json.dumps(seconds), pk],
                )
            found = marker()
            print(f"filled in {seconds['total']:.1f} s", flush=True)
    assert found is not None
    return {
        "database": name,
        "scale": scale,
        "version": VERSION,
        "filled_now": filled_now,
        "filled_at": found["filled_at"],
        "migrate_seconds": migrate_seconds,
        "seconds": found["seconds"],
        "timeline_case": found["timeline_case"],
        "sizes": sizes_for(scale),
        "rows": table_sizes(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", 1.0)))
    parser.add_argument("--quick", action="store_true", help=f"scale {QUICK_SCALE}")
    parser.add_argument("--refill", action="store_true", help="empty and fill again")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    info = ensure_dataset(args.scale, quick=args.quick, refill=args.refill)
    print(json.dumps(info, indent=2, default=str))


if __name__ == "__main__":
    main()
