"""Receivers of the authentication signals: session clock, pending second factor, events."""

from __future__ import annotations

import logging
import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from . import language, sessions, two_factor
from .events import record_event


@receiver(user_logged_in, dispatch_uid="accounts.logged_in")
def logged_in(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Start the session clock, ask for a code when the user has a second factor, log it;
    keep the user's saved language in the session (pages then read no setting)."""
    if request is None:
        return
    sessions.start(request.session, now=time.time())
    language.remember(request.session, language.saved_language(user))
    if two_factor.has_two_factor(user):
        request.session[two_factor.OTP_PENDING] = True
    record_event("login", request=request, user=user)


@receiver(user_logged_out, dispatch_uid="accounts.logged_out")
def logged_out(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Log a logout, saying why when the session expired or was ended by a lockout."""
    reason = getattr(request, "accounts_logout_reason", "user")
    record_event("logout", request=request, user=user, reason=reason)


@receiver(user_login_failed, dispatch_uid="accounts.login_failed")
def login_failed(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    """Log a failed password or code, with the username that was tried."""
    record_event(
        "login_failed",
        request=request,
        user=None,
        level=logging.WARNING,
        username=str(credentials.get("username", ""))[:150],
        stage=credentials.get("stage", "password"),
    )


@receiver(user_locked_out, dispatch_uid="accounts.locked_out")
def locked_out(sender, request: HttpRequest | None, username: str | None, **kwargs) -> None:
    """Log a lockout (too many failures for one username from one address)."""
    record_event(
        "lockout", request=request, user=None, level=logging.WARNING, username=username or ""
    )
