"""The session clock: when the user logged in and when they were last active."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

LOGIN_AT = "accounts.login_at"
SEEN_AT = "accounts.seen_at"
# The last-activity time is written at most once a minute, so a busy user does not cost a
# session write per request; the idle timeout is therefore exact to within a minute.
SEEN_RESOLUTION = 60

IDLE = "idle"
ABSOLUTE = "absolute"


def start(session: SessionBase, *, now: float) -> None:
    """Start the clock of a session that has just logged in."""
    session[LOGIN_AT] = session[SEEN_AT] = int(now)


def expiry(session: SessionBase, *, now: float) -> str | None:
    """Return why the session has expired (idle, absolute) or None while it is still valid."""
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if login_at is None or seen_at is None:
        return None
    if now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT:
        return ABSOLUTE
    if now - seen_at > settings.SESSION_IDLE_TIMEOUT:
        return IDLE
    return None


def touch(session: SessionBase, *, now: float) -> None:
    """Record activity; start the clock of a session logged in before it existed."""
    if session.get(LOGIN_AT) is None or session.get(SEEN_AT) is None:
        start(session, now=now)
    elif now - session[SEEN_AT] >= SEEN_RESOLUTION:
        session[SEEN_AT] = int(now)
