"""The check and the import run in the background: a thread without a broker, Celery with one.

Not eager mode: the upload and the confirmation queue their step after the commit, and a
thread of this process, or a real Celery worker process on Redis, runs it with its own
database connection. The worker test needs PostgreSQL (the worker must see the test
database) and Redis; without them it is skipped, unless ``REQUIRE_SERVICES=1`` (CI).
"""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from imp_support import csv_bytes, upload

from audit.models import AuditEvent
from cases.models import Person
from imports import runner
from imports.models import ImportJob
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT = 60
ROWS = [["name", "sex"]] + [[f"Person {n}", "woman" if n % 2 else "man"] for n in range(30)]


def status_of(job: ImportJob) -> str:
    job.refresh_from_db()
    return job.status


def wait_for(condition, what: str, timeout: float = WAIT, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    details = f"; worker log:\n{log.read_text()}" if log and log.exists() else ""
    pytest.fail(f"timed out waiting for {what}{details}")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# Without a broker: a thread of the web process ------------------------------------------------


@pytest.fixture
def threads(monkeypatch, settings):
    """Record the threads the runner starts (and make progress visible every 5 rows)."""
    settings.REDIS_URL = ""
    monkeypatch.setattr(runner, "PROGRESS_EVERY", 5)
    started: list[threading.Thread] = []
    real = runner.run_in_thread

    def recorded(job_id, step):
        started.append(threading.current_thread())
        real(job_id, step)

    monkeypatch.setattr(runner, "run_in_thread", recorded)
    return started


def test_without_a_broker_the_steps_run_in_a_thread(threads):
    supervisor = make_user("supervisor")
    client = logged_in(supervisor)
    response = upload(client, "persons", "people.csv", csv_bytes(ROWS))
    assert response.status_code == 302
    job = ImportJob.objects.get()
    wait_for(lambda: len(threads) == 1, "the check's thread to start")
    threads[0].join(WAIT)
    assert threads[0] is not threading.main_thread()
    assert threads[0].name == f"import-{job.pk}-check"
    assert status_of(job) == ImportJob.Status.READY and job.processed_rows == 30
    assert Person.objects.count() == 0

    client.post(reverse("imports:job-confirm", args=[job.pk]))
    wait_for(lambda: len(threads) == 2, "the import's thread to start")
    threads[1].join(WAIT)
    assert status_of(job) == ImportJob.Status.DONE
    assert Person.objects.count() == 30
    event = AuditEvent.objects.get(action="import")
    assert event.actor == supervisor and event.request_id == f"import-{job.pk}"
    assert not runner.LIVE  # the thread's progress is forgotten once it is done


# With a broker: a real Celery worker ----------------------------------------------------------


def services_missing() -> str:
    if not settings.REDIS_URL:
        return "REDIS_URL is not set"
    if connection.vendor != "postgresql":
        return "the worker needs a database it can share (PostgreSQL)"
    return ""


@pytest.fixture
def services():
    missing = services_missing()
    if missing:
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail(f"real-worker test cannot run: {missing}")
        pytest.skip(missing)


def database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(services, tmp_path, settings):
    """Start `celery worker` on a queue of its own, sharing the test database and media."""
    queue = f"test-imports-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "monitoring.settings",
        "DEMO_MODE": "1",
        "DATABASE_URL": database_url(),
        "DB_CONN_MAX_AGE": "0",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": queue,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "monitoring", "worker",
        "--queues", queue, "--concurrency", "1", "--pool", "prefork",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
    ]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 (fixed argv)
        command,
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    settings.CELERY_TASK_DEFAULT_QUEUE = queue  # the runner queues where the worker listens
    try:
        wait_for(lambda: "ready." in log.read_text(), "the worker to start", log=log)
        yield log
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.mark.celery
def test_with_a_broker_a_celery_worker_checks_and_imports(worker, monkeypatch):
    monkeypatch.setattr(runner, "run_in_thread", lambda *args: pytest.fail("ran in a thread"))
    supervisor = make_user("supervisor")
    client = logged_in(supervisor)
    assert upload(client, "persons", "people.csv", csv_bytes(ROWS)).status_code == 302
    job = ImportJob.objects.get()
    wait_for(lambda: status_of(job) == ImportJob.Status.READY, "the check", log=worker)
    assert Person.objects.count() == 0 and job.rows.count() == 30

    client.post(reverse("imports:job-confirm", args=[job.pk]))
    wait_for(lambda: status_of(job) == ImportJob.Status.DONE, "the import", log=worker)
    assert Person.objects.count() == 30
    assert job.written == {"create": {"person": 30}}
    event = AuditEvent.objects.get(action="import")
    assert event.actor == supervisor
    assert AuditEvent.objects.filter(request_id=f"import-{job.pk}", action="create").count() == 30
    assert worker.read_text().count("imports.tasks.run_step") >= 2


def test_on_postgresql_progress_is_visible_while_the_import_transaction_is_open():
    """The import writes in one transaction; its progress goes through a second connection."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer: there the progress of a thread is kept in memory")
    from django.db import transaction

    job = ImportJob.objects.create(
        kind="persons",
        file_format="csv",
        status=ImportJob.Status.IMPORTING,
        original_name="people.csv",
        sha256="0" * 64,
        created_by=make_user("supervisor"),
        runner="this-run",
    )
    with runner.side_connection() as alias:
        assert alias is not None
        progress = runner.Progress(
            job, token="this-run", status=ImportJob.Status.IMPORTING, alias=alias
        )
        with transaction.atomic():  # the import's transaction
            progress.report(400)
            # Read committed: what the second connection committed is visible at once.
            assert ImportJob.objects.get(pk=job.pk).processed_rows == 400
            ImportJob.objects.using(alias).filter(pk=job.pk).update(status="cancelled")
            with pytest.raises(runner.Lost):  # cancelled from the page: the import stops
                progress.report(600)
    from django.db import connections
    from django.utils.connection import ConnectionDoesNotExist

    with pytest.raises(ConnectionDoesNotExist):  # the second connection is gone
        connections[alias]
