"""Serve the app for `make run`: collect the static files, then run the web server."""

from __future__ import annotations

import subprocess

from django.core.management import call_command
from django.core.management.base import BaseCommand


def start_scheduler() -> subprocess.Popen | None:
    """Start the reminder scheduler beside the web server; return its process, if any.

    Nothing to start yet: a later change adds the reminder loop here, as a separate process
    (e.g. ``subprocess.Popen([sys.executable, "manage.py", ...])``) so that it keeps running
    its passes while runserver blocks this one. ``serve`` stops whatever this returns.
    """
    return None


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
    help = "Collect static files and serve the app (with the reminder scheduler, once it exists)."

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
