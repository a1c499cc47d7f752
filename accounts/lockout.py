"""Django-axes glue: the lockout page, and failed codes counted like failed passwords."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def cooloff_minutes() -> int:
    """Return the lockout's length in whole minutes (0: until an administrator unlocks)."""
    cooloff = settings.AXES_COOLOFF_TIME
    return int(cooloff.total_seconds() // 60) if cooloff else 0


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """Render the friendly lockout page (429) instead of Axes' bare text or JSON."""
    context = {"cooloff_minutes": cooloff_minutes(), "failure_limit": settings.AXES_FAILURE_LIMIT}
    response = render(request, "accounts/locked_out.html", context, status=429)
    if cooloff_minutes():
        response["Retry-After"] = str(cooloff_minutes() * 60)
    return response


def count_failure(request: HttpRequest, *, stage: str) -> bool:
    """Count a wrong code or password of the logged-in user; log them out if now locked out.

    The failure goes to Axes like a failed login for the same username and address, so wrong
    codes and wrong passwords add up to the same lockout. Return True when it locked them out:
    Axes' middleware then answers with the lockout page.
    """
    credentials = {"username": request.user.get_username(), "stage": stage}
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    if getattr(request, "axes_locked_out", False):
        request.accounts_logout_reason = "lockout"
        logout(request)
        return True
    return False
