"""Large XLSX exports run in the background: progress, a one-time link, expiry, clean-up."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from exp_support import body_of, export_url, list_page_ids, read_xlsx

from audit.models import AuditEvent
from exports import services
from exports.models import ExportJob, export_folder
from monitoring import background
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_direct_limit(settings):
    """Send anything above 2 rows to the background, and write 2 rows per batch."""
    settings.EXPORT_XLSX_DIRECT_MAX_ROWS = 2
    settings.EXPORT_CHUNK_ROWS = 2
    settings.REDIS_URL = ""


@pytest.fixture
def queued(client_for, exporter, world, small_direct_limit, django_capture_on_commit_callbacks):
    """Ask for a large export; return (client, job) with the job queued, not yet run."""
    client = client_for(exporter)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.get(export_url("people", "xlsx", "o=name"))
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("exports:job", args=[job.pk])
    assert len(callbacks) == 1  # dispatched after the commit, never inside the transaction
    assert job.status == ExportJob.Status.QUEUED and job.background
    return client, job


def status_of(client, job) -> dict:
    response = client.get(reverse("exports:job-status", args=[job.pk]))
    assert response.status_code == 200
    return response.json()


def test_a_large_export_shows_its_progress_then_a_link_that_works_once(queued, world, monkeypatch):
    client, job = queued
    page = client.get(job.get_absolute_url()).content.decode()
    assert "<progress" in page and 'max="6"' in page and 'value="0"' in page
    assert "Refresh" in page and "js/exports.js" in page
    assert status_of(client, job)["percent"] == 0
    seen = []
    write = services.write_xlsx

    def watched(job, rows, target, *, progress=None):
        def report(rows_done):
            progress(rows_done)
            seen.append(status_of(client, job)["percent"])

        return write(job, rows, target, progress=report)

    monkeypatch.setattr(services, "write_xlsx", watched)
    assert services.run_export_job(job_id=job.pk) == "ready"
    assert seen == [33, 66, 100]  # 2, 4 and 6 rows of 6, as the status page saw them
    state = status_of(client, job)
    assert state["percent"] == 100 and state["finished"] and state["rows_done"] == 6
    assert state["download_url"]
    page = client.get(job.get_absolute_url()).content.decode()
    assert state["download_url"] in page and "js/exports.js" not in page
    job.refresh_from_db()
    assert job.path.exists() and job.path.stat().st_mode & 0o777 == 0o600
    assert job.path.parent == export_folder()

    response = client.get(state["download_url"])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="people-')
    rows = read_xlsx(body_of(response))
    assert [row[0] for row in rows[1:]] == list_page_ids(client, "people", "o=name")
    assert not job.path.exists(), "the file is deleted at its download"
    assert client.get(state["download_url"]).status_code == 410
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DOWNLOADED and job.downloaded_at
    assert AuditEvent.objects.filter(action="export_download", object_id=str(job.pk)).count() == 1


def test_only_the_user_who_asked_reaches_the_job_and_its_file(queued, client_for):
    client, job = queued
    services.run_export_job(job_id=job.pk)
    job.refresh_from_db()
    link = job.download_url()
    for other in (make_user("exporter"), make_user("admin"), make_user("supervisor")):
        intruder = client_for(other)
        assert intruder.get(link).status_code == 404
        assert intruder.get(job.get_absolute_url()).status_code == 404
        assert intruder.get(reverse("exports:job-status", args=[job.pk])).status_code == 404
    assert client_for(make_user("monitor")).get(link).status_code == 403
    wrong = reverse("exports:download", args=[job.pk, "x" * 43])
    assert client.get(wrong).status_code == 404
    assert job.path.exists(), "no refused request consumed the link"
    assert client.get(link).status_code == 200


def test_an_expired_link_is_refused_and_its_file_purged(queued):
    client, job = queued
    services.run_export_job(job_id=job.pk)
    job.refresh_from_db()
    path = job.path
    later = job.expires_at + dt.timedelta(seconds=1)
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(job.download_url()).status_code == 410
    assert "expired" in client.get(job.get_absolute_url()).content.decode()
    assert services.purge_exports(now=later) == 1
    assert not path.exists()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.EXPIRED


def test_a_job_whose_process_died_is_reported_and_cleaned_up(queued, settings):
    client, job = queued
    old = timezone.now() - dt.timedelta(seconds=settings.EXPORT_STALE_SECONDS + 5)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.RUNNING, heartbeat_at=old, file_name="dead.xlsx"
    )
    export_folder().mkdir(parents=True, exist_ok=True)
    partial = export_folder() / "dead.xlsx.part"
    partial.write_bytes(b"half")
    assert status_of(client, job)["finished"] is True
    assert "could not be finished" in client.get(job.get_absolute_url()).content.decode()
    services.purge_exports()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and not partial.exists()


def test_a_redelivered_task_does_not_build_twice(queued):
    _client, job = queued
    assert services.run_export_job(job_id=job.pk) == "ready"
    assert services.run_export_job(job_id=job.pk) == "not claimed"


def test_an_abandoned_job_is_taken_over(queued, settings):
    _client, job = queued
    old = timezone.now() - dt.timedelta(seconds=settings.EXPORT_STALE_SECONDS + 5)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, heartbeat_at=old)
    assert services.run_export_job(job_id=job.pk) == "ready"


def test_a_user_who_lost_the_permission_gets_no_file(queued, exporter):
    _client, job = queued
    exporter.groups.clear()
    assert services.run_export_job(job_id=job.pk) == "refused"
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and not job.path.exists()


def test_without_a_reachable_broker_the_job_runs_in_a_thread(queued, settings, monkeypatch):
    from exports.tasks import build_export

    _client, job = queued
    started = []
    monkeypatch.setattr(
        background, "run_in_thread", lambda work, *args, **kw: started.append((kw["name"], args))
    )

    def unreachable(*args, **kwargs):
        raise ConnectionError("no broker")

    monkeypatch.setattr(build_export, "apply_async", unreachable)
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    services.dispatch(job.pk)
    assert started == [(f"export-{job.pk}", (job.pk,))]
    settings.REDIS_URL = ""
    services.dispatch(job.pk)
    assert started == [(f"export-{job.pk}", (job.pk,))] * 2


def test_small_xlsx_is_sent_at_once(client_for, exporter, world, settings):
    settings.EXPORT_XLSX_DIRECT_MAX_ROWS = 100
    response = client_for(exporter).get(export_url("people", "xlsx"))
    assert response.status_code == 200
    job = ExportJob.objects.get()
    assert not job.background and job.status == ExportJob.Status.SENT and not job.token


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_no_broker_thread_builds_the_export(client_for, exporter, world, small_direct_limit):
    """The real path without Redis: after the commit a thread of this process builds the file."""
    client = client_for(exporter)
    response = client.get(export_url("cases", "xlsx"))
    assert response.status_code == 302
    job = ExportJob.objects.get()
    deadline = time.monotonic() + 30
    while not status_of(client, job)["finished"] and time.monotonic() < deadline:
        time.sleep(0.1)
    background.wait_for_threads()
    state = status_of(client, job)
    assert state["status"] == "ready" and state["percent"] == 100
    rows = read_xlsx(body_of(client.get(state["download_url"])))
    assert [row[0] for row in rows[1:]] == list_page_ids(client, "cases")


def test_background_threads_of_one_group_run_at_most_limit_at_once():
    """``monitoring.background``: exports' threads share ``EXPORT_THREADS`` slots; the others
    wait, then run; a failing one is logged and frees its slot."""
    lock, running, most = threading.Lock(), [0], [0]
    release = threading.Event()

    def work(fail: bool) -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        release.wait(10)
        with lock:
            running[0] -= 1
        if fail:
            raise RuntimeError("logged, not raised")

    threads = [
        background.run_in_thread(work, n == 0, name=f"limitcheck-{n}", limit=2) for n in range(4)
    ]
    time.sleep(0.3)
    assert most[0] == 2
    release.set()
    for thread in threads:
        thread.join(10)
    assert not any(thread.is_alive() for thread in threads) and most[0] == 2
