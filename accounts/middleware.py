"""Session lifetime, the second-factor gate and ``Cache-Control: no-store``."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from django_otp.middleware import OTPMiddleware as DjangoOTPMiddleware
from django_otp.models import Device

from monitoring.prepared import Prepared

from . import sessions, two_factor
from .decorators import ENROL, VERIFY

GetResponse = Callable[[HttpRequest], HttpResponse]

EXPIRED_MESSAGES = {
    sessions.IDLE: _("You were logged out after a period without activity. Please log in again."),
    sessions.ABSOLUTE: _("Your session reached its maximum length. Please log in again."),
}


class NoStoreMiddleware:
    """Forbid caching of every response whose view did not choose its own Cache-Control.

    Pages carry case data and names of detained people: neither the browser (its back button,
    a shared computer) nor any proxy may keep a copy. Static files are served before this
    by WhiteNoise with their own long-lived headers.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response


class OTPMiddleware(DjangoOTPMiddleware):
    """django-otp's middleware, reading the session's device with SQL compiled once per
    process (every request of a verified user reads it; the ORM would compile it each time)."""

    queries: ClassVar[dict[type, Prepared]] = {}  # by device class

    def _device_from_persistent_id(self, persistent_id: str):
        persistent_id = self._normalize_persistent_id(persistent_id)
        try:
            model_label, device_id = persistent_id.rsplit("/", 1)
            device_class = apps.get_model(model_label)
            pk = int(device_id)
        except (ValueError, LookupError):
            return None
        if not issubclass(device_class, Device):
            return None
        query = self.queries.get(device_class)
        if query is None:
            query = Prepared(lambda pk: device_class.objects.filter(id=pk)[:1])
            self.queries[device_class] = query
        found = query(pk, using=device_class.objects.db)
        return found[0] if found else None


class SessionTimeoutMiddleware:
    """Log out a session idle too long or older than its absolute lifetime."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            if reason := sessions.expiry(request.session, now=now):
                request.accounts_logout_reason = reason
                logout(request)
                messages.info(request, EXPIRED_MESSAGES[reason])
            else:
                sessions.touch(request.session, now=now)
        return self.get_response(request)


class TwoFactorMiddleware:
    """Send a user who owes a second factor to the code page or to the set-up page.

    After the password, a user with an authenticator app reaches only the code page and
    logout until they give a code. With ``REQUIRE_2FA``, supervisors, exporters and admins
    without one reach only the set-up pages and logout. Installed after ``OTPMiddleware``
    and ``LoginRequiredMiddleware``; views opt in with ``two_factor_allowed``.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        step = self.step_owed(request, user)
        if step is None or step in getattr(view_func, "two_factor_steps", ()):
            return None
        target = reverse("accounts:verify" if step == VERIFY else "accounts:enrol")
        if request.method in ("GET", "HEAD"):
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        return HttpResponseRedirect(target)

    @staticmethod
    def step_owed(request: HttpRequest, user) -> str | None:
        """Return the second-factor step the user still owes (verify, enrol) or None."""
        if request.session.get(two_factor.OTP_PENDING):
            return VERIFY
        if settings.REQUIRE_2FA and two_factor.requires_two_factor(user):
            if two_factor.has_two_factor(user):
                # Logged in before their app was set up (in another session): ask for a code.
                request.session[two_factor.OTP_PENDING] = True
                return VERIFY
            return ENROL
        return None
