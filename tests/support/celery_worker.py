"""A real `celery worker` process on the real Redis, for the tests that need one (not eager mode).

The worker listens on a queue of its own and shares the test database (so it needs
PostgreSQL: a worker cannot see an in-memory SQLite database) and the media folder. Without
PostgreSQL and Redis these tests are skipped, unless ``REQUIRE_SERVICES=1`` (CI), where they
fail instead. Used by the reminders', the exports' and the imports' worker tests.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

WAIT = 60  # seconds


def services_missing() -> str:
    """Return why a worker cannot run here, or "" when it can."""
    if not settings.REDIS_URL:
        return "REDIS_URL is not set"
    if connection.vendor != "postgresql":
        return "the worker needs a database it can share (PostgreSQL)"
    return ""


def require_services() -> None:
    """Skip the test when a worker cannot run here; fail it instead under ``REQUIRE_SERVICES``."""
    missing = services_missing()
    if missing:
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail(f"real-worker test cannot run: {missing}")
        pytest.skip(missing)


def database_url() -> str:
    """Return the URL of the test database, for the worker's ``DATABASE_URL``."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(condition, what: str, *, timeout: float = WAIT, worker=None) -> None:
    """Poll ``condition`` until it holds; fail after ``timeout`` (with the worker's log)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if worker is not None and worker.process.poll() is not None:
            break  # the worker died: waiting longer changes nothing
        time.sleep(0.2)
    details = f"; worker log:\n{worker.log_text()}" if worker is not None else ""
    pytest.fail(f"timed out waiting for {what}{details}")


class CeleryWorker:
    """`celery -A monitoring worker` with one prefork child, on a queue of its own.

    ``env`` adds to (or overrides) the worker's environment. Its log is ``self.log``.
    """

    def __init__(self, tmp_path: Path, *, env: dict[str, str] | None = None):
        self.queue = f"test-{uuid.uuid4().hex[:12]}"
        self.log = tmp_path / f"worker-{self.queue}.log"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "monitoring.settings",
            "DEMO_MODE": "1",
            "DATABASE_URL": database_url(),
            "DB_CONN_MAX_AGE": "0",
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_QUEUE": self.queue,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            **(env or {}),
        }
        command = [
            sys.executable, "-m", "celery", "-A", "monitoring", "worker",
            "--queues", self.queue, "--concurrency", "1", "--pool", "prefork",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "--loglevel", "INFO",
        ]  # fmt: skip
        with self.log.open("w") as output:
            self.process = subprocess.Popen(  # noqa: S603 (fixed argv)
                command,
                cwd=settings.BASE_DIR,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self.wait_for(lambda: "ready." in self.log_text(), "the worker to start")
        except BaseException:
            self.stop()
            raise

    def log_text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def wait_for(self, condition, what: str, timeout: float = WAIT) -> None:
        wait_for(condition, what, timeout=timeout, worker=self)

    def stop(self) -> None:
        """Stop the worker and its pool (its own process group); kill it if it hangs."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@contextmanager
def celery_workers(tmp_path: Path, django_settings) -> Iterator[Callable[..., CeleryWorker]]:
    """Yield ``start``: ``start(env=...)`` starts a worker and points this process's queue
    (``CELERY_TASK_DEFAULT_QUEUE``) at it. Every worker started is stopped on the way out.

    Skips (or under ``REQUIRE_SERVICES`` fails) the test where a worker cannot run.
    """
    require_services()
    workers: list[CeleryWorker] = []

    def start(**kwargs) -> CeleryWorker:
        worker = CeleryWorker(tmp_path, **kwargs)
        workers.append(worker)
        django_settings.CELERY_TASK_DEFAULT_QUEUE = worker.queue  # queue where it listens
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.stop()
