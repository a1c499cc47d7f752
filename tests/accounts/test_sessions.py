"""Session lifetime (idle and absolute), logging out everywhere, changing the password."""

from __future__ import annotations

import time

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import sessions
from tests.factories import PASSWORD
from tests.support.accounts import password_login

pytestmark = pytest.mark.django_db

CASES = reverse("cases:case-list")
SECURITY = reverse("accounts:security")
MINUTE = 60


def later(seconds: float):
    return time_machine.travel(time.time() + seconds, tick=False)


def test_a_session_idle_too_long_is_logged_out_with_a_message(client_for, monitor, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * MINUTE
    client = client_for(monitor)

    with later(31 * MINUTE):
        response = client.get(CASES)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={CASES}"
        page = client.get(response["Location"]).content.decode()

    assert "You were logged out after a period without activity" in page
    assert "_auth_user_id" not in client.session


def test_activity_keeps_the_session_alive(client_for, monitor, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * MINUTE
    client = client_for(monitor)
    for minutes in (20, 40, 60):
        with later(minutes * MINUTE):
            assert client.get(CASES).status_code == 200


def test_a_session_ends_at_its_absolute_lifetime_even_when_busy(client_for, monitor, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * MINUTE
    settings.SESSION_ABSOLUTE_TIMEOUT = 2 * 60 * MINUTE
    client = client_for(monitor)
    for minutes in range(20, 120, 20):
        with later(minutes * MINUTE):
            assert client.get(CASES).status_code == 200
    with later(121 * MINUTE):
        response = client.get(CASES, follow=True)
    assert "Your session reached its maximum length" in response.content.decode()


def test_last_activity_is_written_at_most_once_a_minute(client_for, monitor):
    client = client_for(monitor)
    client.get(CASES)
    seen = client.session[sessions.SEEN_AT]
    with CaptureQueriesContext(connection) as queries:
        client.get(CASES)
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert not [sql for sql in writes if "django_session" in sql]
    with later(2 * MINUTE):
        client.get(CASES)
    assert client.session[sessions.SEEN_AT] > seen


def test_login_starts_the_clock(client, monitor):
    password_login(client, monitor)
    assert abs(client.session[sessions.LOGIN_AT] - time.time()) < 5


def test_the_accounts_middleware_adds_no_query_to_a_page(client_for, monitor, settings):
    def count() -> int:
        client = client_for(monitor)
        client.get(CASES)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(CASES).status_code == 200
        return len(queries.captured_queries)

    with_ours = count()
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.startswith("accounts.")]
    assert count() == with_ours


def test_log_out_everywhere_ends_every_other_session_and_keeps_this_one(monitor):
    phone, laptop = Client(), Client()
    password_login(phone, monitor)
    password_login(laptop, monitor)
    assert phone.get(CASES).status_code == 200

    response = laptop.post(SECURITY, {"password": PASSWORD})

    assert response.status_code == 302
    assert phone.get(CASES)["Location"].startswith(reverse("login"))
    assert laptop.get(CASES).status_code == 200
    monitor.refresh_from_db()
    assert monitor.check_password(PASSWORD)  # same password, new salt


def test_log_out_everywhere_needs_the_password(client_for, monitor):
    other = client_for(monitor)
    client = client_for(monitor)

    response = client.post(SECURITY, {"password": "wrong-password-2026"})

    assert response.status_code == 200
    assert response.context["form"].errors["password"] == ["This is not your password."]
    assert other.get(CASES).status_code == 200


def test_changing_the_password_logs_out_the_other_sessions(client_for, monitor):
    other = client_for(monitor)
    client = client_for(monitor)
    url = reverse("accounts:password-change")
    assert client.get(SECURITY).content.decode().count(url) == 1
    new = "a-much-longer-passphrase-2026"

    response = client.post(
        url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )

    assert response.status_code == 302 and response["Location"] == SECURITY
    assert client.get(CASES).status_code == 200
    assert other.get(CASES)["Location"].startswith(reverse("login"))


def test_the_password_change_page_applies_the_validators(client_for, monitor):
    client = client_for(monitor)
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()


def test_timeouts_come_from_the_environment():
    from tests.support.accounts import production_env, settings_of

    names = ("SESSION_IDLE_TIMEOUT", "SESSION_ABSOLUTE_TIMEOUT")
    assert settings_of(production_env(), *names) == dict(zip(names, (1800, 43200), strict=True))
    env = production_env(SESSION_IDLE_TIMEOUT="600", SESSION_ABSOLUTE_TIMEOUT="3600")
    assert settings_of(env, *names) == dict(zip(names, (600, 3600), strict=True))
