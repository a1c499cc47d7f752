"""A real Celery worker on the real Redis builds a large XLSX export (not eager mode).

The view queues the job after its commit; a separate worker process takes it, writes the file
into the private folder with its own database connection, and the link then works once.
Needs PostgreSQL (the worker must see the test database) and Redis: skipped without them,
unless ``REQUIRE_SERVICES=1`` (CI), where they must run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from exp_support import body_of, export_url, list_page_ids, read_xlsx

from exports.models import ExportJob

pytestmark = [
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WAIT = 60


def services_missing() -> str:
    if not settings.REDIS_URL:
        return "REDIS_URL is not set"
    if connection.vendor != "postgresql":
        return "the worker needs a database it can share (PostgreSQL)"
    return ""


def database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class ExportWorker:
    """A `celery worker` process on a queue of its own, sharing the test's media folder."""

    def __init__(self, tmp_path: Path):
        self.queue = f"test-exports-{uuid.uuid4().hex[:12]}"
        self.log = tmp_path / "worker.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "monitoring.settings",
            "DEMO_MODE": "1",
            "DATABASE_URL": database_url(),
            "DB_CONN_MAX_AGE": "0",
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_QUEUE": self.queue,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "EXPORT_CHUNK_ROWS": "2",
        }
        command = [
            sys.executable, "-m", "celery", "-A", "monitoring", "worker",
            "--queues", self.queue, "--concurrency", "1", "--pool", "prefork",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "--loglevel", "INFO",
        ]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603 (fixed argv)
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_for(lambda: "ready." in self.log.read_text(), "the worker to start")

    def wait_for(self, condition, what: str) -> None:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        pytest.fail(f"timed out waiting for {what}; worker log:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture
def worker(tmp_path, settings):
    missing = services_missing()
    if missing:
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail(f"real-worker test cannot run: {missing}")
        pytest.skip(missing)
    process = ExportWorker(tmp_path)
    settings.CELERY_TASK_DEFAULT_QUEUE = process.queue  # the view queues where it listens
    settings.EXPORT_XLSX_DIRECT_MAX_ROWS = 2
    yield process
    process.stop()


def test_a_celery_worker_builds_the_export_and_the_link_works_once(
    worker, client_for, exporter, world
):
    client = client_for(exporter)
    response = client.get(export_url("detentions", "xlsx", "o=person"))
    assert response.status_code == 302
    job = ExportJob.objects.get()
    status_url = reverse("exports:job-status", args=[job.pk])
    worker.wait_for(lambda: client.get(status_url).json()["finished"], "the export")
    state = client.get(status_url).json()
    assert state["status"] == "ready", worker.log.read_text()
    assert state["percent"] == 100 and state["rows_done"] == job.total_rows
    assert "exports.tasks.build_export" in worker.log.read_text()
    download = client.get(state["download_url"])
    rows = read_xlsx(body_of(download))
    assert [row[0] for row in rows[1:]] == list_page_ids(client, "detentions", "o=person")
    assert client.get(state["download_url"]).status_code == 410
