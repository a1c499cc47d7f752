"""A real Celery worker on the real Redis builds a large XLSX export (not eager mode).

The view queues the job after its commit; a separate worker process takes it, writes the file
into the private folder with its own database connection, and the link then works once.
Needs PostgreSQL (the worker must see the test database) and Redis: skipped without them,
unless ``REQUIRE_SERVICES=1`` (CI), where they must run (``tests/support/celery_worker.py``).
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from exp_support import body_of, export_url, list_page_ids, read_xlsx

from exports.models import ExportJob
from tests.support.celery_worker import celery_workers

pytestmark = [
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def worker(tmp_path, settings):
    with celery_workers(tmp_path, settings) as start:
        settings.EXPORT_XLSX_DIRECT_MAX_ROWS = 2
        yield start(env={"EXPORT_CHUNK_ROWS": "2"})


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
    assert state["status"] == "ready", worker.log_text()
    assert state["percent"] == 100 and state["rows_done"] == job.total_rows
    assert "exports.tasks.build_export" in worker.log_text()
    download = client.get(state["download_url"])
    rows = read_xlsx(body_of(download))
    assert [row[0] for row in rows[1:]] == list_page_ids(client, "detentions", "o=person")
    assert client.get(state["download_url"]).status_code == 410
