"""Fixtures of the fault tests: private PostgreSQL, Redis and SMTP servers, the app's processes.

See ``harness.py``. The session's PostgreSQL cluster and Redis are started once (per xdist
worker) and stopped at the end; a test may stop or restart them, never the shared servers.
"""

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.faults.harness import (
    FAST_COMMITS,
    SEED,
    TEMPLATE,
    PrivatePostgres,
    PrivateRedis,
    Processes,
    SmtpSink,
    app_env,
    build_template,
    free_port,
    has_user,
    postgres_bindir,
    run_django,
    unavailable,
)


@pytest.fixture(scope="session")
def postgres():
    """A private PostgreSQL cluster with a migrated, seeded template database."""
    bindir = postgres_bindir()
    if bindir is None or not (bindir / "pg_ctl").exists():
        unavailable("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
    if os.geteuid() == 0 and (not shutil.which("runuser") or not has_user("postgres")):
        unavailable("running as root needs runuser and a postgres user to start PostgreSQL")
    root = Path(tempfile.mkdtemp(prefix="faults-pg-"))
    root.chmod(0o755)
    server = PrivatePostgres(bindir, root, free_port())
    try:
        server.init()
        server.start()
        build_template(server)
        env = app_env(server.url(TEMPLATE), PGOPTIONS=FAST_COMMITS)
        server.seed = json.loads(run_django(["-c", SEED], env).strip().splitlines()[-1])
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    if not shutil.which("redis-server"):
        unavailable("redis-server is not installed")
    server = PrivateRedis(tmp_path_factory.mktemp("redis"), free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis(redis_server):
    """The private Redis, running and empty at the start of the test."""
    redis_server.start()
    redis_server.flush()
    return redis_server


@pytest.fixture
def smtp():
    sink = SmtpSink()
    yield sink
    sink.close()


@pytest.fixture
def processes(tmp_path):
    """Start the app's processes; every one still running is stopped after the test."""
    started = Processes(tmp_path)
    yield started
    started.stop_all()


@pytest.fixture
def database(postgres, request):
    """A fresh copy of the template for this test (name, URL); dropped afterwards."""
    name = "fault_" + request.node.name.removeprefix("test_")[:40]
    url = postgres.fresh_database(name)
    yield name, url
    postgres.drop_database(name)
