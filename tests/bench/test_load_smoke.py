"""`make load` in miniature: bench/load.py against the test database for a few seconds.

The real thing: gunicorn with production settings (two-factor login included) serving the test
database, wrk at 4 connections for 2 s a page type; no error, and the report has its shape.
Needs PostgreSQL (gunicorn must see the test database) and Debian's wrk: skipped without them,
failed instead with ``REQUIRE_SERVICES=1`` (CI).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from tests.factories import make_case

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def services():
    missing = ""
    if connection.vendor != "postgresql":
        missing = "gunicorn needs a database it can share (PostgreSQL)"
    elif not shutil.which("wrk"):
        missing = "wrk is missing (apt-get install wrk)"
    if missing:
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail(f"load smoke test cannot run: {missing}")
        pytest.skip(missing)


def database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_short_load_run_has_no_error_and_reports_each_page_type(services, tmp_path):
    for n in range(6):
        make_case(restricted=n == 0)  # a restricted case's pages also write the audit trail
    out = tmp_path / "load.json"
    env = {key: value for key, value in os.environ.items() if not key.startswith("LOAD_")}
    done = subprocess.run(  # noqa: S603 (fixed argv)
        [
            sys.executable,
            str(ROOT / "bench" / "load.py"),
            "--dataset=existing",
            f"--database-url={database_url()}",
            f"--port={free_port()}",
            "--duration=2",
            "--warmup=0",
            "--connections=4",
            "--cases=6",
            f"--out={out}",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(out.read_text())
    assert report["settings"]["workers"] == 2
    assert report["data"]["counts"]["case"] == 6
    assert set(report["phases"]) == {"list", "detail", "timeline"}
    for name, phase in report["phases"].items():
        assert phase["requests"] > 0, name
        assert phase["errors"] == 0 and phase["non_2xx"] == 0, (name, phase)
        assert set(phase["statuses"]) == {"200"}, (name, phase["statuses"])
        assert phase["rps"] > 0
        assert 0 < phase["latency_ms"]["p50"] <= phase["latency_ms"]["p99"]
        assert phase["served"] > 0 and phase["cpu_ms_per_request"]["workers"] > 0
    assert len(report["urls"]["detail"]) == 6
    assert {"list_rps", "list_p99_ms", "errors"} <= set(report["goals"])
    assert report["goals"]["errors"]["pass"] is True
    assert len(report["load_average_before"]) == 3
    assert "PASS  errors: 0" in done.stdout
