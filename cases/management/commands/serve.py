"""Serve the app for `make run`: collect the static files, then run the web server."""

from __future__ import annotations

import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


def start_scheduler() -> subprocess.Popen | None:
    """Start the reminder scheduler beside the web server; return its process.

    With Redis configured: a Celery worker with its embedded beat (one pass a minute, static
    schedule). Without: ``run_reminders --loop``, the same pass in a plain process. Either runs
    as a separate process so it keeps going while runserver blocks this one.
    """
    if settings.REDIS_URL:
        command = [
            sys.executable, "-m", "celery", "-A", "monitoring", "worker",
            "--beat", "--concurrency", "1", "--loglevel", "INFO",
        ]  # fmt: skip
    else:
        command = [sys.executable, "manage.py", "run_reminders", "--loop"]
    return subprocess.Popen(command, cwd=settings.BASE_DIR)  # noqa: S603 (fixed argv)


def stop_scheduler(process: subprocess.Popen | None, *, timeout: float = 10) -> None:
    """Stop the scheduler process started by ``start_scheduler``, killing it if it lingers."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Command(BaseCommand):
    help = "Collect static files and serve the app with its reminder scheduler."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, host: str, port: int, **options):
        call_command("collectstatic", interactive=False, verbosity=0)
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"  # IPv6 in brackets
        scheduler = start_scheduler()
        try:
            # In-process and without the autoreloader, so that stopping this command stops
            # the server, and the scheduler is stopped with it below.
            call_command("runserver", address, use_reloader=False)
        finally:
            stop_scheduler(scheduler)
