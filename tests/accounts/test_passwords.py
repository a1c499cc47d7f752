"""Passwords: Argon2 first (older hashes upgraded at login), validators that mean it."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from monitoring import settings as project_settings
from tests.factories import PASSWORD
from tests.support.accounts import password_login

pytestmark = pytest.mark.django_db


def test_argon2_comes_first_and_older_hashers_stay_for_upgrades():
    hashers = project_settings.PASSWORD_HASHERS
    assert hashers[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in hashers[1:]


def test_an_older_hash_becomes_argon2_at_the_next_login(settings, client, monitor):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    monitor.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    monitor.save()

    assert password_login(client, monitor).status_code == 302

    monitor.refresh_from_db()
    assert monitor.password.startswith("argon2$argon2id$")


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Sh0rt-pass", "at least 12 characters"),
        ("password1234", "too common"),
        ("839201746593", "entirely numeric"),
        ("monitor2026!", "too similar"),
    ],
)
def test_weak_passwords_are_refused(monitor, password, problem):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user=monitor)
    assert any(problem in message for message in refused.value.messages)


def test_a_long_unusual_passphrase_is_accepted(monitor):
    validate_password("river-lantern-71-quiet", user=monitor)
