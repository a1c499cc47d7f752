"""Fixtures of the security tests: the world of sec_world.py and a client per role."""

import pytest
from django.db import transaction
from django.test import Client, override_settings
from sec_world import FAST_HASHERS, build_world, cookies_kept, logged_in_clients


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Build the records once for the module; roll them back when it ends."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def role_clients(world, django_db_blocker) -> dict[str, Client]:
    return logged_in_clients(world, django_db_blocker)


@pytest.fixture
def clients(db, role_clients) -> dict[str, Client]:
    """Return the module's client of each role; their cookies come back after the test."""
    with cookies_kept(role_clients):
        yield role_clients


@pytest.fixture(autouse=True)
def password_only(settings):
    """Log in with a password alone: two-factor authentication has its own tests."""
    settings.REQUIRE_2FA = False
