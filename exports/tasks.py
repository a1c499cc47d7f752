"""Celery tasks: thin wrappers around the background export and the clean-up."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(
    name="exports.tasks.build_export",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
)
def build_export(job_id: int) -> str:
    """Build one queued XLSX export; a second delivery of the same job does nothing."""
    return services.run_export_job(job_id=job_id)


@shared_task(name="exports.tasks.purge_exports", ignore_result=True)
def purge_exports() -> int:
    """Delete the files of expired links and of exports that died (beat: every hour)."""
    return services.purge_exports()
