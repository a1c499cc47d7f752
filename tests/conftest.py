"""Fixtures shared by every test: one user per role, a logged-in client, plain static files."""

import pytest
from django.test import Client
from django.utils import translation

from tests.factories import make_user


@pytest.fixture(scope="session", autouse=True)
def private_media_root(tmp_path_factory):
    """Keep the files tests upload (observation attachments) out of the project's media/."""
    from django.conf import settings as django_settings

    django_settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def back_to_the_default_language():
    """Leave no language active after a test: a request in Khmer leaves Khmer active in the
    thread (LocaleMiddleware never deactivates), which would change what later tests render."""
    yield
    translation.deactivate()


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


PROJECT_APPS = ("cases", "reminders", "audit", "observations", "accounts", "exports")


def reseed_migration_data(connection) -> None:
    """Run the data migrations again (roles, groups, permissions, legal rules, checklist).

    A transactional test (the real-worker tests) ends with a flush, which empties what the data
    migrations wrote; with ``--reuse-db`` the next session would start without it. Every seed
    function is idempotent (``get_or_create``), so running them again is safe.
    """
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations.special import RunPython

    loader = MigrationLoader(connection)
    plan: list[tuple[str, str]] = []
    for leaf in loader.graph.leaf_nodes():
        plan += [node for node in loader.graph.forwards_plan(leaf) if node not in plan]
    for node in plan:
        if node[0] not in PROJECT_APPS:
            continue
        for operation in loader.graph.nodes[node].operations:
            if isinstance(operation, RunPython):
                state = loader.project_state(node, at_end=False)
                with connection.schema_editor() as editor:
                    operation.code(state.apps, editor)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Restore the migrations' data if a previous session's transactional test flushed it."""
    from django.contrib.auth.models import Group
    from django.db import connection

    from cases.models import LegalRule
    from observations.models import Checklist

    with django_db_blocker.unblock():
        if (
            not Group.objects.filter(name="Supervisor").exists()
            or not LegalRule.objects.exists()
            or not Checklist.objects.exists()
        ):
            reseed_migration_data(connection)
            if hasattr(connection, "_test_serialized_contents"):
                connection._test_serialized_contents = connection.creation.serialize_db_to_string()
