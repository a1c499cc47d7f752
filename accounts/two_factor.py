"""Second factors: an authenticator app (TOTP), single-use backup codes, who must have them."""

from __future__ import annotations

import datetime as dt
from base64 import b32encode
from dataclasses import dataclass

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_otp import verify_token
from django_otp.models import Device, VerifyNotAllowed
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
# Set at login for a user who has a second factor; cleared once they have given a code.
OTP_PENDING = "accounts.otp_pending"
# Backup codes just issued, kept until the page that shows them once is rendered.
FRESH_CODES = "accounts.fresh_codes"


def requires_two_factor(user) -> bool:
    """Return True when the user's role needs a second factor (supervisors, exporters, admins)."""
    return user.is_authenticated and (
        user.is_staff
        or user.has_perm("cases.manage_all_cases")
        or user.has_perm("cases.export_case")
    )


def must_enrol(user) -> bool:
    """Return True when the settings require a second factor of this user and they have none."""
    return settings.REQUIRE_2FA and requires_two_factor(user) and not has_two_factor(user)


def has_two_factor(user) -> bool:
    """Return True when the user has a confirmed authenticator app."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def confirmed_totp(user) -> TOTPDevice | None:
    """Return the user's confirmed authenticator app, or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def backup_codes_left(user) -> int:
    """Return how many unused backup codes the user has."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def pending_totp(user) -> TOTPDevice:
    """Return the user's unconfirmed authenticator app, made on first call (same secret after)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def secret_for_display(device: TOTPDevice) -> str:
    """Return the secret in base32, in groups of four, for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> SafeString:
    """Return the app configuration address as an inline SVG QR code (drawn here, no service)."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4,
        border=4,
        dark="#000",
        light="#fff",
        svgclass="qr",
        lineclass=None,
        title=_("QR code for your authenticator app"),
    )
    return mark_safe(svg)  # drawn by segno from our own address; the title is ours too


def grouped(code: str) -> str:
    """Return a backup code split in two halves for reading ("abcd-efgh")."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def normalise(code: str) -> str:
    """Return a code without spaces or hyphens, lower case (backup codes are shown grouped)."""
    return "".join(code.split()).replace("-", "").lower()


@dataclass(frozen=True)
class Verification:
    device: Device | None
    retry_at: dt.datetime | None = None

    def __bool__(self) -> bool:
        return self.device is not None


def _retry_at(device: Device) -> dt.datetime | None:
    allowed, details = device.verify_is_allowed()
    if allowed or not details or details.get("reason") != VerifyNotAllowed.N_FAILED_ATTEMPTS:
        return None
    return details.get("locked_until")


def verify(user, code: str) -> Verification:
    """Check a code from the app or a backup code (used up) and return the device it matched.

    A device refusing attempts after wrong codes (django-otp doubles the wait each time) is
    not tried: the result says until when.
    """
    code = normalise(code)
    model = TOTPDevice if code.isdigit() else StaticDevice
    result = Verification(None)
    for device in model.objects.devices_for_user(user, confirmed=True):
        if retry_at := _retry_at(device):
            result = Verification(None, retry_at)
        elif matched := verify_token(user, device.persistent_id, code):
            return Verification(matched)
    return result


def confirm_totp(device: TOTPDevice, code: str) -> Verification:
    """Confirm a new authenticator app with its first code."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if retry_at := _retry_at(device):
            return Verification(None, retry_at)
        if not device.verify_token(normalise(code)):
            return Verification(None)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return Verification(device)


@transaction.atomic
def issue_backup_codes(user) -> list[str]:
    """Replace the user's backup codes with new ones and return them (they are shown once)."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.token_set.all().delete()
    codes: list[str] = []
    while len(codes) < BACKUP_CODE_COUNT:
        if (code := StaticToken.random_token()) not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    device.throttle_reset(commit=False)
    device.confirmed = True
    device.save()
    return codes


@transaction.atomic
def disable(user) -> None:
    """Remove every second factor of the user (app and backup codes)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def enabled_since(device: TOTPDevice) -> dt.datetime | None:
    """Return when the app was set up (its creation), in the current time zone."""
    created = getattr(device, "created_at", None)
    return timezone.localtime(created) if created else None
