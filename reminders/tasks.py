"""Celery tasks: thin wrappers that call the reminder pass and the delivery."""

from __future__ import annotations

import smtplib

from celery import shared_task

from .dispatch import deliver_reminder, run_pass


@shared_task(name="reminders.tasks.reminder_pass", ignore_result=True)
def reminder_pass() -> str:
    """Run one reminder pass (beat queues this every minute)."""
    return str(run_pass())


@shared_task(
    name="reminders.tasks.deliver",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=10,
    retry_backoff_max=300,
    max_retries=8,
)
def deliver(reminder_id: int) -> str:
    """Deliver one claimed reminder; a second delivery of the same one does nothing."""
    return deliver_reminder(reminder_id=reminder_id)
