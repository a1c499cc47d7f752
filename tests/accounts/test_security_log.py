"""Security events reach the `security` log and the audit trail."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.urls import reverse

from accounts.events import record_event
from tests.factories import make_case
from tests.support.accounts import password_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.INFO, logger="security")
    return caplog


def lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "security"]


def audit_events():
    from audit.models import AuditEvent

    return AuditEvent.objects.order_by("pk")


def test_login_and_logout_are_logged_and_audited(security_log, client, monitor):
    password_login(client, monitor, REMOTE_ADDR="203.0.113.5")
    client.post(reverse("logout"), REMOTE_ADDR="203.0.113.5")

    logged = lines(security_log)
    assert any(m.startswith("login user='monitor'") and "ip='203.0.113.5'" in m for m in logged)
    assert any(m.startswith("logout user='monitor'") and "reason='user'" in m for m in logged)
    actions = list(audit_events().filter(actor=monitor).values_list("action", flat=True))
    assert actions[-2:] == ["login", "logout"]


def test_a_failed_login_and_a_lockout_are_logged_with_the_username(
    security_log, settings, client, monitor
):
    settings.AXES_FAILURE_LIMIT = 2
    password_login(client, monitor, "wrong-password-2026")
    password_login(client, monitor, "wrong-password-2026")

    logged = lines(security_log)
    assert sum(m.startswith("login_failed ") and "username='monitor'" in m for m in logged) == 2
    assert any(m.startswith("lockout ") and "username='monitor'" in m for m in logged)
    assert "wrong-password-2026" not in " ".join(logged)
    details = list(audit_events().filter(action="login_failed").values_list("detail", flat=True))
    assert any(d.startswith("lockout ") for d in details)


def test_every_refused_authorisation_is_logged_with_user_and_path(
    security_log, client_for, exporter
):
    case = make_case()
    url = reverse("cases:case-update", args=[case.pk])

    response = client_for(exporter).get(url)

    assert response.status_code == 403
    assert "You may not" in response.content.decode()  # the site's 403 page, with the reason
    assert any(
        m.startswith("permission_denied user='exporter'") and f"path='{url}'" in m
        for m in lines(security_log)
    )
    denied = audit_events().get(action="denied")
    assert denied.actor == exporter and url in denied.detail


def test_an_expired_session_says_why_in_the_log(security_log, settings, client_for, monitor):
    import time

    import time_machine

    settings.SESSION_IDLE_TIMEOUT = 60
    client = client_for(monitor)
    with time_machine.travel(time.time() + 120, tick=False):
        client.get(reverse("home"))
    assert any(
        m.startswith("logout user='monitor'") and "reason='idle'" in m for m in lines(security_log)
    )


def test_a_crafted_username_cannot_forge_a_log_line(security_log):
    record_event("login_failed", username="x'\n2026-01-01 INFO security login user='admin'")
    (line,) = lines(security_log)
    assert "\n" not in line


def test_the_log_says_the_address_the_proxy_saw(security_log, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    client = Client(HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.4", REMOTE_ADDR="10.0.0.2")
    client.post(reverse("login"), {"username": "nobody", "password": "x"})
    assert any("ip='198.51.100.4'" in m for m in lines(security_log))
