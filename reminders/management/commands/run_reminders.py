"""Run the reminder pass once (for cron), or every minute with ``--loop`` (no Redis needed)."""

from __future__ import annotations

import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from reminders.dispatch import deliver_reminder, run_pass


class Command(BaseCommand):
    help = "Plan and send due reminders: one pass, or one a minute with --loop."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Run a pass every interval.")
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="Seconds between passes (default: REMINDER_PASS_SECONDS, 60).",
        )
        parser.add_argument(
            "--inline",
            action="store_true",
            help="Deliver in this process even when Redis is configured.",
        )

    def handle(self, *args, loop: bool, interval: float | None, inline: bool, **options):
        interval = interval or settings.REMINDER_PASS_SECONDS
        enqueue = (lambda pk: deliver_reminder(reminder_id=pk)) if inline else None
        self.stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        while True:
            started = time.monotonic()
            try:
                report = run_pass(enqueue=enqueue)
                self.stdout.write(f"reminder pass: {report}")
            except Exception as error:  # keep looping: the next pass catches up
                if not loop:
                    raise
                self.stderr.write(f"reminder pass failed: {error!r}")
            if not loop or self.stopping:
                return
            while not self.stopping and time.monotonic() - started < interval:
                time.sleep(0.5)
            if self.stopping:
                return

    def _stop(self, signum, frame):
        self.stopping = True
