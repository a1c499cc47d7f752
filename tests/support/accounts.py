"""Accounts test helpers: real logins, TOTP codes, the settings of a production process."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from tests.factories import PASSWORD

BASE_DIR = Path(__file__).resolve().parents[2]


def code_now(device: TOTPDevice) -> str:
    """Return the code an authenticator app shows now for ``device``."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def code_next(device: TOTPDevice) -> str:
    """Return the app's next code (accepted: one step of tolerance; never replayed)."""
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    generator.time = time.time() + device.step
    return f"{generator.token():06d}"


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    """Give ``user`` a confirmed app and backup codes, as the set-up page does."""
    device = two_factor.pending_totp(user)
    device.confirmed = True
    device.save()
    return device, two_factor.issue_backup_codes(user)


def verified_client(user, device: TOTPDevice) -> Client:
    """Return a client logged in as ``user`` who gave a code from ``device``."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.pop(two_factor.OTP_PENDING, None)
    session.save()
    return client


def password_login(client: Client, user, password: str = PASSWORD, **extra):
    """Post the login form as a browser would and return the response."""
    data = {"username": user.get_username(), "password": password}
    return client.post(reverse("login"), data, **extra)


def production_env(**extra: str) -> dict[str, str]:
    """Return the environment of a production process (HTTPS, a real key, DEBUG off)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEMO_MODE", "DJANGO_DEBUG", "REQUIRE_2FA", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="monitoring.settings",
        DJANGO_SECURE="1",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="monitoring.example.org",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    )
    env.update(extra)
    return env


def settings_of(env: dict[str, str], *names: str) -> dict:
    """Return the named settings as a separate process with ``env`` sees them."""
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}, "
        "default=str))"
    )
    result = subprocess.run(  # noqa: S603  (our own interpreter and code)
        [sys.executable, "-c", script],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])
