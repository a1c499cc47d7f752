"""Fixtures shared by every test: one user per role, a logged-in client, plain static files."""

import pytest
from django.test import Client

from tests.factories import make_user


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Serve static files from the source folders, so templates need no collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hash test passwords cheaply: the default hasher costs a third of a second a user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def monitor(db):
    return make_user("monitor", username="monitor")


@pytest.fixture
def other_monitor(db):
    return make_user("monitor", username="other-monitor")


@pytest.fixture
def supervisor(db):
    return make_user("supervisor", username="supervisor")


@pytest.fixture
def exporter(db):
    return make_user("exporter", username="exporter")


@pytest.fixture
def admin_user(db):
    """Return a staff user in the Admin group (overrides pytest-django's superuser)."""
    return make_user("admin", username="admin")


@pytest.fixture
def client_for(db):
    """Return a function that gives a test client logged in as a user."""

    def login(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login
