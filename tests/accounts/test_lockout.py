"""Lockout after repeated failures, per username and address, with a friendly page."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from tests.support.accounts import code_now, enrol, password_login

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-2026"


@pytest.fixture(autouse=True)
def three_failures(settings):
    settings.AXES_FAILURE_LIMIT = 3


def fail(client: Client, user, times: int, **extra) -> list[int]:
    """Try a wrong password ``times`` times and return the status codes."""
    return [password_login(client, user, WRONG, **extra).status_code for _ in range(times)]


def test_the_third_failure_locks_out_with_a_friendly_page(client, monitor):
    assert fail(client, monitor, 2) == [200, 200]  # the form again, with its error

    response = password_login(client, monitor, WRONG)

    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many attempts" in page and "30 minutes" in page
    assert '<html lang="en">' in page  # the site's own page, not Axes' bare text
    assert response["Retry-After"] == "1800"


def test_the_right_password_is_refused_while_locked_out(client, monitor):
    fail(client, monitor, 3)

    response = password_login(client, monitor)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_same_user_from_another_address_is_not_locked_out(client, monitor):
    assert fail(client, monitor, 3, REMOTE_ADDR="203.0.113.7")[-1] == 429

    response = password_login(client, monitor, REMOTE_ADDR="198.51.100.20")

    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_another_user_from_the_same_address_is_not_locked_out(client, monitor, supervisor):
    fail(client, monitor, 3)
    assert password_login(client, supervisor).status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(client, monitor):
    fail(client, monitor, 2)
    assert password_login(client, monitor).status_code == 302
    client.post(reverse("logout"))
    fail(client, monitor, 2)
    assert password_login(client, monitor).status_code == 302


def test_attempts_are_stored_without_the_password(client, monitor):
    fail(client, monitor, 1)
    attempt = AccessAttempt.objects.get()
    assert WRONG not in attempt.post_data
    assert attempt.username == "monitor"


def test_wrong_codes_count_toward_the_lockout_and_end_the_session(client, monitor):
    device, _codes = enrol(monitor)
    password_login(client, monitor)
    wrong = f"{(int(code_now(device)) + 1) % 1_000_000:06d}"
    verify = reverse("accounts:verify")

    responses = [client.post(verify, {"code": wrong}) for _ in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 429]
    assert "_auth_user_id" not in client.session
    assert password_login(client, monitor).status_code == 429


def test_the_cool_off_and_limit_come_from_the_environment(settings):
    from datetime import timedelta

    from tests.support.accounts import production_env, settings_of

    env = production_env(AXES_FAILURE_LIMIT="7", AXES_COOLOFF_MINUTES="15")
    seen = settings_of(env, "AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME", "AXES_LOCKOUT_PARAMETERS")
    assert seen == {
        "AXES_FAILURE_LIMIT": 7,
        "AXES_COOLOFF_TIME": str(timedelta(minutes=15)),
        "AXES_LOCKOUT_PARAMETERS": [["username", "ip_address"]],
    }


def test_wrong_passwords_on_the_security_page_lock_out_too(client_for, monitor):
    client = client_for(monitor)
    url = reverse("accounts:security")

    statuses = [client.post(url, {"password": WRONG}).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert "_auth_user_id" not in client.session
