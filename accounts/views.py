"""Security pages: login with a second factor, set-up, backup codes, sessions, password."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import defaults
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice

from . import language, two_factor
from .decorators import ENROL, VERIFY, two_factor_allowed
from .events import record_event
from .forms import ConfirmAppForm, PasswordCheckForm, VerifyCodeForm
from .lockout import count_failure

FORM_METHODS = ["GET", "HEAD", "POST"]


def next_url(request: HttpRequest, default: str | None = None) -> str:
    """Return the ``next`` address of the request when it stays on this site, else ``default``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(default or settings.LOGIN_REDIRECT_URL)


def with_next(url: str, request: HttpRequest) -> str:
    """Return ``url`` carrying the request's safe ``next`` address along."""
    return f"{url}?{urlencode({'next': next_url(request)})}"


def complete_verification(request: HttpRequest, device: Device) -> None:
    """Mark the session verified by ``device`` and give it a new key (its privilege rose)."""
    otp_login(request, device)
    request.session.pop(two_factor.OTP_PENDING, None)
    request.session.cycle_key()
    record_event("two_factor_verified", request=request, device=device.__class__.__name__)


# Login and logout ------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Log in with a password, then ask for a code when the user has a second factor."""

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        if self.request.session.get(two_factor.OTP_PENDING):
            verify = reverse("accounts:verify")
            return HttpResponseRedirect(f"{verify}?{urlencode({'next': self.get_success_url()})}")
        return response


@method_decorator(two_factor_allowed(VERIFY, ENROL), name="dispatch")
class LogoutView(auth_views.LogoutView):
    """Log out (reachable before the second factor is given)."""


@two_factor_allowed(VERIFY)
@require_http_methods(FORM_METHODS)
def verify(request: HttpRequest) -> HttpResponse:
    """Ask a user who gave their password for a code from their app or a backup code."""
    if request.user.is_verified() or not two_factor.has_two_factor(request.user):
        request.session.pop(two_factor.OTP_PENDING, None)
        return HttpResponseRedirect(next_url(request))
    form = VerifyCodeForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            complete_verification(request, form.device)
            if isinstance(form.device, StaticDevice):
                warn_backup_code_used(request)
            return HttpResponseRedirect(next_url(request))
        if count_failure(request, stage="code"):
            return redirect(settings.LOGIN_URL)  # Axes' middleware shows the lockout page
    return render(request, "accounts/verify.html", {"form": form, "next": next_url(request)})


def warn_backup_code_used(request: HttpRequest) -> None:
    """Tell the user a backup code is used up and how many are left."""
    left = two_factor.backup_codes_left(request.user)
    message = ngettext(
        "You used a backup code; it will not work again. %(count)d backup code is left.",
        "You used a backup code; it will not work again. %(count)d backup codes are left.",
        left,
    )
    messages.warning(request, message % {"count": left})


# Setting up, backup codes, turning off ---------------------------------------------------


@two_factor_allowed(ENROL)
@require_http_methods(FORM_METHODS)
def enrol(request: HttpRequest) -> HttpResponse:
    """Show a QR code and the secret of a new app, and turn it on with its first code."""
    if two_factor.has_two_factor(request.user):
        messages.info(request, _("Two-factor authentication is already on."))
        return redirect("accounts:security")
    device = two_factor.pending_totp(request.user)
    form = ConfirmAppForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.issue_backup_codes(request.user)
        complete_verification(request, form.device)
        request.session[two_factor.FRESH_CODES] = codes
        record_event("two_factor_enabled", request=request)
        messages.success(request, _("Two-factor authentication is on. Save your backup codes now."))
        return redirect(with_next(reverse("accounts:backup-codes"), request))
    context = {
        "form": form,
        "qr_svg": two_factor.qr_svg(device),
        "secret": two_factor.secret_for_display(device),
        "required": settings.REQUIRE_2FA and two_factor.requires_two_factor(request.user),
        "next": next_url(request),
    }
    return render(request, "accounts/enrol.html", context)


@require_http_methods(FORM_METHODS)
def backup_codes(request: HttpRequest) -> HttpResponse:
    """Show new backup codes once (a download as text too); POST replaces them."""
    if not two_factor.has_two_factor(request.user):
        return redirect("accounts:enrol")
    if request.method == "POST":
        request.session[two_factor.FRESH_CODES] = two_factor.issue_backup_codes(request.user)
        record_event("backup_codes_issued", request=request)
        messages.success(request, _("New backup codes: the old ones no longer work."))
        return redirect("accounts:backup-codes")
    codes = request.session.pop(two_factor.FRESH_CODES, None) if request.method == "GET" else None
    context = {
        "codes": [two_factor.grouped(code) for code in codes or ()],
        "left": two_factor.backup_codes_left(request.user),
        "next": next_url(request, "accounts:security"),
    }
    return render(request, "accounts/backup_codes.html", context)


@require_http_methods(FORM_METHODS)
def disable(request: HttpRequest) -> HttpResponse:
    """Turn two-factor authentication off once the user gives a current code."""
    if not two_factor.has_two_factor(request.user):
        return redirect("accounts:security")
    form = VerifyCodeForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            two_factor.disable(request.user)
            request.session.pop(DEVICE_ID_SESSION_KEY, None)
            request.user.otp_device = None
            record_event("two_factor_disabled", request=request)
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("accounts:security")
        if count_failure(request, stage="code"):
            return redirect(settings.LOGIN_URL)
    required = settings.REQUIRE_2FA and two_factor.requires_two_factor(request.user)
    return render(request, "accounts/disable.html", {"form": form, "required": required})


# The security page: status, log out everywhere, password ---------------------------------


@require_http_methods(FORM_METHODS)
def security(request: HttpRequest) -> HttpResponse:
    """Show the user's second factor and session rules; POST logs out every other session."""
    user = request.user
    form = PasswordCheckForm(request.POST or None, user=user)
    if request.method == "POST":
        if form.is_valid():
            end_other_sessions(request, password=form.cleaned_data["password"])
            messages.success(request, _("Every other session of yours is logged out."))
            return redirect("accounts:security")
        if count_failure(request, stage="password_check"):
            return redirect(settings.LOGIN_URL)
    device = two_factor.confirmed_totp(user)
    context = {
        "form": form,
        "device": device,
        "enabled_since": two_factor.enabled_since(device) if device else None,
        "codes_left": two_factor.backup_codes_left(user) if device else 0,
        "required": settings.REQUIRE_2FA and two_factor.requires_two_factor(user),
        "idle_minutes": settings.SESSION_IDLE_TIMEOUT // 60,
        "absolute_hours": settings.SESSION_ABSOLUTE_TIMEOUT // 3600,
        "language_form": language.LanguageForm(
            initial={"language": request.session.get(language.SESSION_KEY, "")}
        ),
    }
    return render(request, "accounts/security.html", context)


def end_other_sessions(request: HttpRequest, *, password: str) -> None:
    """Invalidate every session of the user but this one.

    Django signs each session with a hash of the user's password hash; hashing the same
    password again with a new salt changes it, so every other session (any device, any
    session store) fails that check on its next request. This session gets the new hash.
    """
    user = request.user
    user.set_password(password)
    user.save(update_fields=["password"])
    update_session_auth_hash(request, user)
    record_event("sessions_ended", request=request)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change the password (Django's form and validators); other sessions are logged out."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("accounts:security")

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        record_event("password_changed", request=self.request)
        messages.success(
            self.request, _("Your password was changed. Your other sessions are logged out.")
        )
        return response

    def form_invalid(self, form) -> HttpResponse:
        if form.has_error("old_password") and count_failure(self.request, stage="password_check"):
            return redirect(settings.LOGIN_URL)
        return super().form_invalid(form)


# Language ----------------------------------------------------------------------------------


@login_not_required  # the login page switches too (a cookie)
@two_factor_allowed(VERIFY, ENROL)
@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface's language: saved for a logged-in user, in a cookie for all."""
    response = HttpResponseRedirect(next_url(request))
    form = language.LanguageForm(request.POST)
    if not form.is_valid():  # as Django's set_language: an unknown language changes nothing
        return response
    chosen = form.cleaned_data["language"]
    # Saved once the user is fully logged in; before the second factor, this browser only.
    if request.user.is_authenticated and not request.session.get(two_factor.OTP_PENDING):
        language.save_language(user=request.user, language=chosen)
        language.remember(request.session, chosen)
    language.set_cookie(response, chosen)
    return response


# Errors ----------------------------------------------------------------------------------


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Log every refused authorisation (user, address, path), then render the 403 page."""
    record_event(
        "permission_denied",
        request=request,
        level=logging.WARNING,
        reason=str(exception or ""),
    )
    return defaults.permission_denied(request, exception)
