# ruff: noqa: S608 -- the SQL here is built from this file's own constants and integers only.
"""Measure the exports at national scale: CSV against PostgreSQL's COPY, XLSX rows per second,
and the memory each one grows by.

Run (from the project root)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h6_exports_bench DEMO_MODE=1 \
        .venv/bin/python bench/exports_bench.py [--cases 100000] [--refill] [--repeat 3]

1. Creates the scratch database if it is missing and runs ``migrate`` (it refuses any database
   named ``monitoring`` or ``test_*``).
2. Fills it once with ``INSERT ... SELECT ... FROM generate_series(...)``: N cases (5 % of them
   restricted, fuzzy dates of every precision, a court, a summary), one defendant each and a
   second one in every third case. A marker table records N; ``--refill`` (or another N)
   empties the tables and fills them again. Raw SQL: the fill writes no audit events.
3. For the case list as an admin would export it (full profile, every case, the list's
   default order), and for a sixth of it (``category=land``, an indexed filter):
   - ``COPY (<the export's own SELECT>) TO STDOUT WITH (FORMAT csv)`` through psycopg: the
     same columns, joins, defendant count and ORDER BY, SQL taken from the export's queryset;
   - the CSV export: ``start_export`` and the generator the view streams (``csv_chunks``),
     read to the end;
   - the XLSX export as a background job runs it (``run_export_job``: the file, the progress
     updates, the rename), into the private folder; the file is removed afterwards.
   Throughput is the best of ``--repeat`` runs (the machine may be shared). Memory is measured
   in a separate run of each, as the growth of the peak resident set (``/proc/self/clear_refs``
   resets the peak, ``VmHWM`` reads it) and as tracemalloc's peak of Python allocations.
4. Prints a table, checks the goals (CSV >= 0.25x COPY and <= 16 MiB growth; XLSX >= 12,000
   rows/s and <= 32 MiB growth) and writes ``bench/exports_bench.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import sys
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitoring.settings")
os.environ["REDIS_URL"] = ""  # the XLSX job runs here, in this process, where it is measured

OUT = Path(__file__).resolve().parent / "exports_bench.json"
FORBIDDEN = re.compile(r"^(monitoring|test_.*)$")
FILL_VERSION = 1
MIB = 1024 * 1024
GOALS = {"csv_vs_copy": 0.25, "csv_mib": 16, "xlsx_rows_per_s": 12_000, "xlsx_mib": 32}


def scratch_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if parsed.scheme not in ("postgres", "postgresql", "pgsql") or not name:
        sys.exit("DATABASE_URL must name a scratch PostgreSQL database")
    if FORBIDDEN.match(name):
        sys.exit(f"refusing to fill {name!r}: use a scratch database")
    return name


def ensure_database(name: str) -> None:
    import psycopg

    parsed = urlparse(os.environ["DATABASE_URL"])
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(name: str) -> None:
    ensure_database(name)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def filled(cursor) -> int | None:
    cursor.execute("CREATE TABLE IF NOT EXISTS bench_exports_fill (cases int, version int)")
    cursor.execute("SELECT cases, version FROM bench_exports_fill")
    row = cursor.fetchone()
    return row[0] if row and row[1] == FILL_VERSION else None


def fill(cases: int) -> None:
    """Fill the scratch database with ``cases`` cases and their defendants, once."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        if filled(cursor) == cases:
            return
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE cases_caseparty, cases_case, cases_person, cases_court, "
            "bench_exports_fill RESTART IDENTITY CASCADE"
        )
        cursor.execute(
            """
            INSERT INTO cases_court (created_at, updated_at, source, name, level, province, version)
            SELECT now(), now(), '', 'Provincial Court ' || i, 'first_instance',
                   (ARRAY['phnom_penh','kandal','takeo','kampot','siem_reap'])[1 + i % 5], 1
            FROM generate_series(1, 25) AS i
            """
        )
        cursor.execute(
            f"""
            INSERT INTO cases_case (created_at, updated_at, source, reference, title, category,
                summary, court_case_number, stage, status, confidentiality, opened_on,
                opened_precision, opened_until, court_id, version)
            SELECT now(), now(), 'Bench fill, row ' || i,
                   'BENCH-' || lpad(i::text, 6, '0'),
                   'Case of defendant ' || i
                       || CASE WHEN i % 97 = 0 THEN ' =HYPERLINK()' ELSE '' END,
                   (ARRAY['political_expression', 'land', 'labour', 'media', 'torture',
                          'other'])[1 + i % 6],
                   'Arrested at a protest; held ' || (i % 40) || ' days before a hearing.',
                   (i % 9000) || '/' || (2015 + i % 9),
                   (ARRAY['investigation','trial','verdict','appeal','final'])[1 + i % 5],
                   CASE WHEN i % 3 = 0 THEN 'closed' ELSE 'open' END,
                   CASE WHEN i % 20 = 0 THEN 'restricted' ELSE 'normal' END,
                   d.opened,
                   d.precision,
                   CASE d.precision
                       WHEN 'day' THEN d.opened
                       WHEN 'month' THEN
                           (date_trunc('month', d.opened) + interval '1 month - 1 day')::date
                       WHEN 'year' THEN
                           (date_trunc('year', d.opened) + interval '1 year - 1 day')::date
                       ELSE NULL END,
                   1 + i % 25,
                   1
            FROM generate_series(1, {int(cases)}) AS i,
                 LATERAL (SELECT
                     CASE WHEN i % 4 = 1
                               THEN date_trunc('month', date '2010-01-01' + (i % 5000))::date
                          WHEN i % 4 = 2
                               THEN date_trunc('year', date '2010-01-01' + (i % 5000))::date
                          ELSE date '2010-01-01' + (i % 5000) END AS opened,
                     CASE i % 4 WHEN 1 THEN 'month' WHEN 2 THEN 'year' WHEN 3 THEN 'after'
                          ELSE 'day' END AS precision) AS d
            """
        )
        cursor.execute(
            f"""
            INSERT INTO cases_person (created_at, updated_at, source, name, name_khmer, aliases,
                is_named, sex, birth_precision, nationality, is_protected, pseudonym, contact,
                notes, version)
            SELECT now(), now(), '', 'Defendant ' || i, '', '', true,
                   (ARRAY['woman','man','unknown'])[1 + i % 3], 'day', 'Cambodian',
                   i % 50 = 0, CASE WHEN i % 50 = 0 THEN 'Witness ' || i ELSE '' END, '', '', 1
            FROM generate_series(1, {int(cases * 4 // 3) + 1}) AS i
            """
        )
        cursor.execute(
            f"""
            INSERT INTO cases_caseparty (created_at, updated_at, source, role, notes, case_id,
                person_id, version)
            SELECT now(), now(), '', 'defendant', '', i, i, 1
            FROM generate_series(1, {int(cases)}) AS i
            UNION ALL
            SELECT now(), now(), '', 'defendant', '', i, {int(cases)} + i / 3, 1
            FROM generate_series(3, {int(cases)}, 3) AS i
            """
        )
        cursor.execute("INSERT INTO bench_exports_fill VALUES (%s, %s)", [int(cases), FILL_VERSION])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) cases_case")
        cursor.execute("VACUUM (ANALYZE) cases_caseparty")
        cursor.execute("VACUUM (ANALYZE) cases_court")
    print(f"filled {cases:,} cases in {time.perf_counter() - started:.1f} s")


def bench_user():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user, _ = get_user_model().objects.get_or_create(username="bench-exporter")
    user.groups.add(Group.objects.get(name="Admin"))
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


# Memory ---------------------------------------------------------------------------------------


def rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def measure_memory(run) -> dict:
    """Return the growth of the peak RSS and tracemalloc's peak while ``run()`` runs."""
    gc.collect()
    can_reset = reset_peak()
    base_rss = rss_kib("VmRSS")
    base_hwm = rss_kib("VmHWM")
    run()
    rss_growth = (rss_kib("VmHWM") - (base_rss if can_reset else base_hwm)) * 1024
    gc.collect()
    tracemalloc.start()
    try:
        run()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {"rss_peak_growth_mib": rss_growth / MIB, "tracemalloc_peak_mib": peak / MIB}


# The three ways out -------------------------------------------------------------------------


def copy_csv(rows, plan_fields) -> tuple[int, int]:
    """Run COPY of the export's own SELECT; return (bytes, rows)."""
    from django.db import connection

    queryset = rows.values_list(*plan_fields)
    sql, params = queryset.query.get_compiler(using="default").as_sql()
    size = count = 0
    connection.ensure_connection()
    statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"
    with connection.connection.cursor() as cursor, cursor.copy(statement, params) as copy:
        for chunk in copy:
            size += len(chunk)
            count += bytes(chunk).count(b"\n")  # the bench data has no line breaks
    return size, count


def export_csv(user, query: str) -> tuple[int, int]:
    from django.http import QueryDict

    from exports.lists import LISTS
    from exports.services import csv_chunks, rows_of, start_export

    job = start_export(
        user=user, export_list=LISTS["cases"], fmt="csv", profile="full", query=QueryDict(query)
    )
    size = 0
    for chunk in csv_chunks(job, rows_of(job)):
        size += len(chunk)
    job.refresh_from_db()
    return size, job.rows_done


def export_xlsx(user, query: str) -> tuple[int, int]:
    from django.http import QueryDict

    from exports import services
    from exports.lists import LISTS
    from exports.models import ExportJob

    dispatch, services.dispatch = services.dispatch, lambda job_id: None
    try:
        job = services.start_export(
            user=user,
            export_list=LISTS["cases"],
            fmt="xlsx",
            profile="full",
            query=QueryDict(query),
        )
    finally:
        services.dispatch = dispatch
    assert job.background, "raise the case count: this export was small enough to send at once"
    result = services.run_export_job(job_id=job.pk)
    job = ExportJob.objects.get(pk=job.pk)
    assert result == "ready", result
    size = job.size or 0
    services.remove_files(job)
    return size, job.rows_done


def best_of(repeat: int, run) -> tuple[float, int, int]:
    times, size, rows = [], 0, 0
    for _ in range(repeat):
        started = time.perf_counter()
        size, rows = run()
        times.append(time.perf_counter() - started)
    return min(times), size, rows


def measure(user, query: str, repeat: int) -> dict:
    from django.http import QueryDict

    from exports.lists import LISTS
    from exports.services import plan_for

    export_list = LISTS["cases"]
    rows = export_list.rows(user=user, profile="full", query=QueryDict(query))
    fields = plan_for(export_list, "full").fields
    copy_s, copy_bytes, copy_rows = best_of(repeat, lambda: copy_csv(rows, fields))
    csv_s, csv_bytes, csv_rows = best_of(repeat, lambda: export_csv(user, query))
    xlsx_s, xlsx_bytes, xlsx_rows = best_of(repeat, lambda: export_xlsx(user, query))
    assert copy_rows == csv_rows == xlsx_rows, (copy_rows, csv_rows, xlsx_rows)
    csv_memory = measure_memory(lambda: export_csv(user, query))
    xlsx_memory = measure_memory(lambda: export_xlsx(user, query))
    return {
        "query": query or "(none)",
        "rows": csv_rows,
        "copy": {"seconds": copy_s, "bytes": copy_bytes, "rows_per_s": copy_rows / copy_s},
        "csv": {
            "seconds": csv_s,
            "bytes": csv_bytes,
            "rows_per_s": csv_rows / csv_s,
            "vs_copy": copy_s / csv_s,
            **csv_memory,
        },
        "xlsx": {
            "seconds": xlsx_s,
            "bytes": xlsx_bytes,
            "rows_per_s": xlsx_rows / xlsx_s,
            **xlsx_memory,
        },
    }


def verdict(result: dict, *, speed: bool) -> list[str]:
    """Check the goals: memory at every size; speed on the whole list (the issue's measure:
    a small export is mostly its fixed cost, the job row, the audit event and the count)."""
    failed = []
    csv, xlsx = result["csv"], result["xlsx"]
    if speed and csv["vs_copy"] < GOALS["csv_vs_copy"]:
        failed.append(f"CSV {csv['vs_copy']:.2f}x COPY < {GOALS['csv_vs_copy']}x")
    if speed and xlsx["rows_per_s"] < GOALS["xlsx_rows_per_s"]:
        failed.append(f"XLSX {xlsx['rows_per_s']:,.0f} rows/s")
    for kind, data in (("CSV", csv), ("XLSX", xlsx)):
        grown = max(data["rss_peak_growth_mib"], data["tracemalloc_peak_mib"])
        if grown > GOALS[f"{kind.lower()}_mib"]:
            failed.append(f"{kind} grew {grown:.1f} MiB")
    return failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases to fill (100,000)")
    parser.add_argument("--refill", action="store_true", help="empty and fill again")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, the best counts")
    args = parser.parse_args()
    name = scratch_database()
    setup_django(name)
    from django.conf import settings
    from django.db import connection

    if args.refill:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_exports_fill")
    fill(args.cases)
    user = bench_user()
    queries = ["", "category=land"] if args.cases >= 20_000 else [""]
    results = [measure(user, query, args.repeat) for query in queries]
    load = os.getloadavg()
    report = {
        "cases": args.cases,
        "chunk_rows": settings.EXPORT_CHUNK_ROWS,
        "load_average": load,
        "goals": GOALS,
        "results": results,
        "failed": [
            f"{r['query']}: {message}"
            for r in results
            for message in verdict(r, speed=r["query"] == "(none)")
        ],
    }
    OUT.write_text(json.dumps(report, indent=2) + "\n")
    header = (
        f"{'export':<22}{'rows':>9}{'seconds':>9}{'rows/s':>10}{'vs COPY':>9}"
        f"{'RSS MiB':>9}{'traced MiB':>11}"
    )
    print(f"\n{args.cases:,} cases, chunks of {settings.EXPORT_CHUNK_ROWS}, load {load[0]:.2f}")
    print(header)
    for r in results:
        label = r["query"]
        copy, csv, xlsx = r["copy"], r["csv"], r["xlsx"]
        print(
            f"{'COPY ' + label:<22}{r['rows']:>9,}{copy['seconds']:>9.2f}"
            f"{copy['rows_per_s']:>10,.0f}{1:>9.2f}"
        )
        for kind, data in (("CSV", csv), ("XLSX", xlsx)):
            ratio = copy["seconds"] / data["seconds"]
            print(
                f"{kind + ' ' + label:<22}{r['rows']:>9,}{data['seconds']:>9.2f}"
                f"{data['rows_per_s']:>10,.0f}{ratio:>9.2f}"
                f"{data['rss_peak_growth_mib']:>9.1f}{data['tracemalloc_peak_mib']:>11.1f}"
            )
    print("\ngoals: " + ("all met" if not report["failed"] else "; ".join(report["failed"])))
    print(f"written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
