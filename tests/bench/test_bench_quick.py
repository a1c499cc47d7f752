"""``make bench`` in quick mode: the whole benchmark runs and writes every figure with its peer,
its floor, the ratios and each goal's verdict; the pages' query counts meet their goals.

It runs ``bench/national.py --quick`` (scale 0.02: 2,000 cases, 10,000 hearings; fewer
requests) in a subprocess against a scratch PostgreSQL database of its own (``bench_quick``,
or ``BENCH_QUICK_DATABASE``) on the test database's server, filled once and reused. On SQLite
it is skipped, unless ``REQUIRE_SERVICES=1`` (CI), where it must run: against PostgreSQL on
127.0.0.1. Timings at this scale mean little (they are recorded, not judged); query counts do
not depend on the scale.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
FIGURES = {
    "case list page (median)",
    "case list queries",
    "case list SQL (bare)",
    "timeline, 200 events (median)",
    "timeline queries",
    "CSV export memory growth",
    "XLSX export",
    "XLSX export memory growth",
    "reminder pass (first)",
    "reminder pass (steady)",
}


def scratch_url() -> str:
    name = os.environ.get("BENCH_QUICK_DATABASE", "bench_quick")
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        auth = quote(db["USER"] or "postgres")
        if db.get("PASSWORD"):
            auth += ":" + quote(db["PASSWORD"])
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    if os.environ.get("REQUIRE_SERVICES"):
        return f"postgres://postgres@127.0.0.1:5432/{name}"
    pytest.skip("the benchmark needs PostgreSQL (DATABASE_URL)")
    return ""


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "results.json"
    env = {**os.environ, "DATABASE_URL": scratch_url(), "DEMO_MODE": "1", "REDIS_URL": ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    run = subprocess.run(  # noqa: S603 -- our own script
        [
            sys.executable,
            str(ROOT / "bench" / "national.py"),
            "--quick",
            "--repeat",
            "4",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "goals:" in run.stdout  # the table was printed
    return json.loads(out.read_text())


def by_name(results) -> dict:
    return {row["figure"]: row for row in results["figures"]}


def test_results_hold_every_figure_with_its_peer_floor_ratio_and_verdict(results):
    meta = results["meta"]
    assert meta["quick"] and meta["scale"] == 0.02
    assert meta["dataset"]["rows"]["cases_case"] == 2001
    rows = by_name(results)
    assert set(rows) >= FIGURES
    for row in results["figures"]:
        assert {"figure", "value", "unit", "goal", "pass"} <= set(row), row
        assert row["pass"] in (True, False, None)
        for key in ("peer", "floor"):
            if key in row:
                other = row[key]["value"]
                assert row[f"ratio_to_{key}"] == pytest.approx(row["value"] / other, abs=1e-3)
    assert rows["case list page (median)"]["peer"]["name"] == "tuned admin changelist"
    assert rows["case list page (median)"]["floor"]["name"] == "bare SQL (psycopg)"
    assert rows["timeline, 200 events (median)"]["floor"]["value"] > 0
    copy = next(row for row in results["figures"] if row["figure"].startswith("CSV export, "))
    assert copy["peer"]["name"] == "COPY ... TO STDOUT CSV"
    assert results["all_goals_met"] == all(row["pass"] is not False for row in results["figures"])


def test_the_pages_measured_are_the_right_ones(results):
    lists = results["lists"]
    # The page shows 50 rows, and its bare SQL ran what the page ran (a keyset page reads
    # one row more, to know whether there is a next page).
    assert max(lists["page"]["bare_sql"]["rows"]) in (50, 51)
    assert lists["admin"]["url"].startswith("/admin/cases/case/?")
    assert lists["deep_page"]["number"] > 1
    timeline = results["timeline"]
    assert timeline["page"]["url"] == f"/cases/{timeline['case']}/timeline/"
    plans = results["dispatcher"]["grown"]["daily"]["queries"]
    assert {"dispatch_due", "candidates_hearing", "candidates_detention"} <= set(plans)
    assert results["dispatcher"]["grown"]["hearings"] >= 20_000  # 1,000,000 x 0.02


def test_page_query_counts_meet_their_goals(results):
    rows = by_name(results)
    lists = results["lists"]
    assert lists["page"]["queries"] <= results["goals"]["list_queries"], lists["page"]
    # Not growing with rows: 50 rows cost no more queries than one (a page that is not full
    # may skip its count).
    assert lists["one_row"]["queries"] <= lists["page"]["queries"]
    assert rows["case list queries"]["pass"] is True
    timeline = results["timeline"]["page"]
    assert timeline["queries"] <= results["goals"]["timeline_queries"], [
        s["sql"][:120] for s in timeline["statements"]
    ]
    assert rows["timeline queries"]["pass"] is True
