"""The admin site, behind the application's own login and, when required, a second factor."""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


class SecureAdminSite(AdminSite):
    """Admit staff only after the second factor when ``REQUIRE_2FA`` is on.

    Like django-otp's ``OTPAdminSite``, but its login page is the application's, so there is
    one login form, one lockout and one code page for the whole site.
    """

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        return not settings.REQUIRE_2FA or request.user.is_verified()

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """Send the user to the application's login page, coming back to the admin after."""
        target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
        return redirect_to_login(target)
