"""The check and the import run in the background: a thread without a broker, Celery with one.

Not eager mode: the upload and the confirmation queue their step after the commit, and a
thread of this process, or a real Celery worker process on Redis, runs it with its own
database connection. The worker test needs PostgreSQL (the worker must see the test
database) and Redis; without them it is skipped, unless ``REQUIRE_SERVICES=1`` (CI).
"""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from imp_support import csv_bytes, upload

from audit.models import AuditEvent
from cases.models import Person
from imports import runner
from imports.models import ImportJob
from monitoring import background
from tests.factories import make_user
from tests.support.celery_worker import WAIT, celery_workers, wait_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROWS = [["name", "sex"]] + [[f"Person {n}", "woman" if n % 2 else "man"] for n in range(30)]


def status_of(job: ImportJob) -> str:
    job.refresh_from_db()
    return job.status


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
    real = background.run_in_thread

    def recorded(work, *args, **kwargs):
        started.append(real(work, *args, **kwargs))
        return started[-1]

    monkeypatch.setattr(background, "run_in_thread", recorded)
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


@pytest.fixture
def worker(tmp_path, settings):
    """A `celery worker` on a queue of its own, sharing the test database and media."""
    with celery_workers(tmp_path, settings) as start:
        yield start()


@pytest.mark.celery
def test_with_a_broker_a_celery_worker_checks_and_imports(worker, monkeypatch):
    monkeypatch.setattr(background, "run_in_thread", lambda *a, **k: pytest.fail("ran in a thread"))
    supervisor = make_user("supervisor")
    client = logged_in(supervisor)
    assert upload(client, "persons", "people.csv", csv_bytes(ROWS)).status_code == 302
    job = ImportJob.objects.get()
    worker.wait_for(lambda: status_of(job) == ImportJob.Status.READY, "the check")
    assert Person.objects.count() == 0 and job.rows.count() == 30

    client.post(reverse("imports:job-confirm", args=[job.pk]))
    worker.wait_for(lambda: status_of(job) == ImportJob.Status.DONE, "the import")
    assert Person.objects.count() == 30
    assert job.written == {"create": {"person": 30}}
    event = AuditEvent.objects.get(action="import")
    assert event.actor == supervisor
    assert AuditEvent.objects.filter(request_id=f"import-{job.pk}", action="create").count() == 30
    assert worker.log_text().count("imports.tasks.run_step") >= 2


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
