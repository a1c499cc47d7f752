"""A refused authorisation is logged without a traceback; real errors keep theirs."""

import logging
import sys

from django.conf import settings

from accounts.logging import ForbiddenWithoutTraceback


def record(status_code: int) -> logging.LogRecord:
    try:
        raise PermissionError("refused")
    except PermissionError:
        exc_info = sys.exc_info()
    entry = logging.LogRecord("django.request", logging.WARNING, "x", 1, "msg", (), exc_info)
    entry.status_code = status_code
    return entry


def test_a_403_loses_its_traceback_and_a_500_keeps_it():
    forbidden, error = record(403), record(500)
    assert ForbiddenWithoutTraceback().filter(forbidden) is True
    assert ForbiddenWithoutTraceback().filter(error) is True
    assert forbidden.exc_info is None
    assert error.exc_info is not None
    assert "Traceback" not in logging.Formatter().format(forbidden)
    assert "Traceback" in logging.Formatter().format(error)


def test_the_console_handler_uses_the_filter():
    assert "forbidden" in settings.LOGGING["handlers"]["console"]["filters"]
