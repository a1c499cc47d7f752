"""A real Celery worker on the real Redis, against the test database: exactly once, even killed.

Not eager mode: the pass runs here and queues on Redis after its commit; a separate worker
process consumes the task and delivers with its own database connection. The e-mail backend
writes files, so the test counts what really left.

These tests need PostgreSQL (the worker must see the test database) and Redis. On a bare
machine without them they are skipped; CI sets ``REQUIRE_SERVICES=1`` and they must run.
"""

import datetime as dt
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
from django.utils import timezone

from reminders.dispatch import run_pass
from reminders.kinds import Kind
from reminders.models import Notification, Reminder
from tests.factories import make_case, make_hearing, make_user

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
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """A `celery worker` process on its own queue, writing e-mails to a folder."""

    def __init__(self, tmp_path: Path, *, pause: float = 0):
        self.queue = f"test-{uuid.uuid4().hex[:12]}"
        self.mail_dir = tmp_path / "mail"
        self.marker = tmp_path / "sending.pid"
        self.log = tmp_path / "worker.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "monitoring.settings",
            "DEMO_MODE": "1",
            "DATABASE_URL": database_url(),
            "DB_CONN_MAX_AGE": "0",
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_QUEUE": self.queue,
            "EMAIL_BACKEND": "tests.support.mail.PausingFileBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "TEST_MAIL_MARKER": str(self.marker),
            "TEST_MAIL_PAUSE": str(pause),
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

    def wait_for(self, condition, what: str, timeout: float = WAIT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        pytest.fail(f"timed out waiting for {what}; worker log:\n{self.log.read_text()}")

    def emails(self) -> list[str]:
        """Return each message written, split out of the backend's files."""
        if not self.mail_dir.exists():
            return []
        messages = []
        for path in sorted(self.mail_dir.iterdir()):
            messages += [m for m in path.read_text().split("-" * 79) if m.strip()]
        return messages

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture
def start_worker(services, tmp_path, settings):
    workers = []

    def start(**kw) -> Worker:
        worker = Worker(tmp_path, **kw)
        settings.CELERY_TASK_DEFAULT_QUEUE = worker.queue  # the pass queues where it listens
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def hearing_inside_the_window():
    monitor = make_user("monitor", email="monitor@example.org")
    case = make_case(monitors=[monitor])
    make_hearing(case=case, scheduled_at=timezone.now() + dt.timedelta(days=3))
    return monitor, case


def sent(reminder: Reminder) -> bool:
    reminder.refresh_from_db()
    return reminder.status == Reminder.Status.SENT


def test_a_hearing_inside_the_window_yields_one_email_and_one_notification(start_worker):
    worker = start_worker()
    monitor, case = hearing_inside_the_window()
    report = run_pass()
    assert report.claimed == 1
    reminder = Reminder.objects.get(pk=report.queued_ids[0])
    worker.wait_for(lambda: sent(reminder), "the reminder to be sent")
    run_pass()  # a second pass finds nothing more to send
    time.sleep(1)
    emails = worker.emails()
    assert len(emails) == 1
    assert f"case #{case.pk}" in emails[0] and "monitor@example.org" in emails[0]
    assert Notification.objects.filter(user=monitor).count() == 1
    assert reminder.kind == Kind.HEARING_UPCOMING and reminder.emailed


def test_a_worker_killed_in_the_middle_of_sending_still_delivers_once(start_worker):
    worker = start_worker(pause=3)
    monitor, _case = hearing_inside_the_window()
    report = run_pass()
    reminder = Reminder.objects.get(pk=report.queued_ids[0])
    worker.wait_for(worker.marker.exists, "the send to start")
    time.sleep(0.3)
    child = int(worker.marker.read_text())
    os.kill(child, signal.SIGKILL)  # the pool process dies inside the e-mail send
    # Celery sees the worker lost, rejects the task back to the queue (acks_late and
    # reject_on_worker_lost), and a fresh pool process delivers it.
    worker.wait_for(lambda: sent(reminder), "the redelivered reminder to be sent")
    time.sleep(1)
    assert len(worker.emails()) == 1
    assert Notification.objects.filter(user=monitor).count() == 1
    assert reminder.attempts >= 1
    assert "WorkerLostError" in worker.log.read_text() or "Process" in worker.log.read_text()
