"""Logging filters: keep the server log for what needs a look."""

from __future__ import annotations

import logging


class ForbiddenWithoutTraceback(logging.Filter):
    """Drop the traceback Django attaches to "Forbidden (Permission denied)" (a 403).

    A refused authorisation is expected behaviour, already written to the security log with
    the user, address and reason (accounts/events.py); its traceback only hides real errors.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
