"""Run a job's steps in the background, and report their progress.

With a broker (``REDIS_URL``) a step is a Celery task; without one it runs in a thread of the
web process (``monitoring/background.py``, as the exports). Either calls ``services.run_step``:
the same code, queued after the commit that made the job ready for it.

Progress goes to the job row. The import itself is one transaction; on PostgreSQL its progress
goes through a second connection (autocommit) so the page sees it while the transaction is
open. SQLite has one writer at a time, so there the web process reads the progress of the
threads it runs from memory (``LIVE``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from monitoring import background

from .models import ImportJob

# {job id: rows done} for the steps running in this process (read by the status page).
LIVE: dict[int, int] = {}
# Progress is written every so many rows (a batch of the check's report).
PROGRESS_EVERY = 200


class Lost(Exception):
    """The job was cancelled, or another run of the same step took it over: stop."""


def enqueue(job_id: int, step: str) -> None:
    """Run the step once the current transaction commits (a Celery task or a thread)."""
    background.after_commit("imports.tasks.run_step", job_id, step, name=f"import-{job_id}-{step}")


@contextmanager
def side_connection() -> Iterator[str | None]:
    """Yield the alias of a second connection (autocommit), or None where it cannot help.

    It cannot help on SQLite (the import's transaction holds the only write lock) nor inside
    an outer transaction (the second connection would not see the job row).
    """
    if connection.vendor == "sqlite" or connection.in_atomic_block:
        yield None
        return
    alias = f"imports-progress-{threading.get_ident()}"
    connections[alias] = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]


class Progress:
    """Report rows done at most every ``every`` rows; raise ``Lost`` when the job is gone."""

    def __init__(self, job: ImportJob, *, token: str, status: str, alias: str | None):
        self.job = job
        self.token = token
        self.status = status
        self.alias = alias
        self.every = PROGRESS_EVERY

    def due(self, done: int) -> bool:
        return done % self.every == 0

    def report(self, done: int, **fields) -> None:
        LIVE[self.job.pk] = done
        if self.alias is None:
            return
        rows = ImportJob.objects.using(self.alias).filter(
            pk=self.job.pk, runner=self.token, status=self.status
        )
        if not rows.update(processed_rows=done, updated_at=timezone.now(), **fields):
            raise Lost

    def forget(self) -> None:
        LIVE.pop(self.job.pk, None)
