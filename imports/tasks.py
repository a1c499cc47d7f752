"""Celery task: a thin wrapper that runs one step of an import job."""

from __future__ import annotations

from celery import shared_task

from .services import run_step as run_job_step


@shared_task(
    name="imports.tasks.run_step",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
)
def run_step(job_id: int, step: str) -> str:
    """Check or import a job; a redelivered task takes the job over from the lost one."""
    return run_job_step(job_id=job_id, step=step)
