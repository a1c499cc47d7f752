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
import time
import uuid
from pathlib import Path

import pytest
from django.utils import timezone

from reminders.dispatch import run_pass
from reminders.kinds import Kind
from reminders.models import Notification, Reminder
from tests.factories import make_case, make_hearing, make_user
from tests.support.celery_worker import CeleryWorker, celery_workers

pytestmark = [
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class Mailbox:
    """Where the worker's e-mail backend writes, and the file it marks a send with (its pid)."""

    def __init__(self, folder: Path):
        self.mail_dir = folder / "mail"
        self.marker = folder / "sending.pid"

    def emails(self) -> list[str]:
        """Return each message written, split out of the backend's files."""
        if not self.mail_dir.exists():
            return []
        messages = []
        for path in sorted(self.mail_dir.iterdir()):
            messages += [m for m in path.read_text().split("-" * 79) if m.strip()]
        return messages


@pytest.fixture
def start_worker(tmp_path, settings):
    """``start_worker(pause=s)``: a worker, and its mailbox, whose send pauses ``s`` seconds."""
    with celery_workers(tmp_path, settings) as start:

        def start_with_mailbox(*, pause: float = 0) -> tuple[CeleryWorker, Mailbox]:
            mailbox = Mailbox(tmp_path / f"mail-{uuid.uuid4().hex[:8]}")
            worker = start(
                env={
                    "EMAIL_BACKEND": "tests.support.mail.PausingFileBackend",
                    "EMAIL_FILE_PATH": str(mailbox.mail_dir),
                    "TEST_MAIL_MARKER": str(mailbox.marker),
                    "TEST_MAIL_PAUSE": str(pause),
                }
            )
            return worker, mailbox

        yield start_with_mailbox


def hearing_inside_the_window():
    monitor = make_user("monitor", email="monitor@example.org")
    case = make_case(monitors=[monitor])
    make_hearing(case=case, scheduled_at=timezone.now() + dt.timedelta(days=3))
    return monitor, case


def sent(reminder: Reminder) -> bool:
    reminder.refresh_from_db()
    return reminder.status == Reminder.Status.SENT


def test_a_hearing_inside_the_window_yields_one_email_and_one_notification(start_worker):
    worker, mailbox = start_worker()
    monitor, case = hearing_inside_the_window()
    report = run_pass()
    assert report.claimed == 1
    reminder = Reminder.objects.get(pk=report.queued_ids[0])
    worker.wait_for(lambda: sent(reminder), "the reminder to be sent")
    run_pass()  # a second pass finds nothing more to send
    time.sleep(1)
    emails = mailbox.emails()
    assert len(emails) == 1
    assert f"case #{case.pk}" in emails[0] and "monitor@example.org" in emails[0]
    assert Notification.objects.filter(user=monitor).count() == 1
    assert reminder.kind == Kind.HEARING_UPCOMING and reminder.emailed


def test_a_worker_killed_in_the_middle_of_sending_still_delivers_once(start_worker):
    worker, mailbox = start_worker(pause=3)
    monitor, _case = hearing_inside_the_window()
    report = run_pass()
    reminder = Reminder.objects.get(pk=report.queued_ids[0])
    worker.wait_for(mailbox.marker.exists, "the send to start")
    time.sleep(0.3)
    child = int(mailbox.marker.read_text())
    os.kill(child, signal.SIGKILL)  # the pool process dies inside the e-mail send
    # Celery sees the worker lost, rejects the task back to the queue (acks_late and
    # reject_on_worker_lost), and a fresh pool process delivers it.
    worker.wait_for(lambda: sent(reminder), "the redelivered reminder to be sent")
    time.sleep(1)
    assert len(mailbox.emails()) == 1
    assert Notification.objects.filter(user=monitor).count() == 1
    assert reminder.attempts >= 1
    log = worker.log_text()
    assert "WorkerLostError" in log or "Process" in log
