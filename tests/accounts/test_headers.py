"""Response headers: Content Security Policy, framing, referrer, no-store, HSTS."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from tests.support.accounts import enrol, production_env, settings_of, verified_client

pytestmark = pytest.mark.django_db

TEMPLATES = Path(django_settings.BASE_DIR) / "templates"


def policy(response) -> dict[str, list[str]]:
    """Return the enforced CSP as {directive: [sources]}."""
    directives = [d.split() for d in response["Content-Security-Policy"].split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


def test_every_page_has_a_strict_content_security_policy(client_for, monitor, client):
    for response in (client.get(reverse("login")), client_for(monitor).get(reverse("home"))):
        csp = policy(response)
        assert csp["default-src"] == ["'self'"]
        assert csp["object-src"] == ["'none'"]
        assert csp["base-uri"] == ["'self'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["form-action"] == ["'self'"]
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]
        assert csp["script-src"][0] == "'self'"


def test_a_nonce_is_given_to_inline_blocks_that_ask_for_one(client_for, admin_user):
    # The admin's change list carries an inline <style nonce="...">.
    response = client_for(admin_user).get(reverse("admin:cases_case_changelist"))
    page = response.content.decode()
    nonces = set(re.findall(r'nonce="([^"]+)"', page))
    assert len(nonces) == 1
    assert f"'nonce-{nonces.pop()}'" in policy(response)["style-src"]


def test_templates_have_no_inline_style_or_script():
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"\sstyle\s*=", text), template
        assert not re.search(r"<style\b", text), template
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or "csp_nonce" in tag, template
        assert not re.search(r"\son[a-z]+\s*=", text), template  # onclick=...


def test_framing_is_denied_and_referrers_stay_on_the_site(client_for, monitor):
    response = client_for(monitor).get(reverse("home"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_with_case_data_and_the_login_page_are_never_stored(client_for, monitor, client):
    urls = [reverse("home"), reverse("cases:case-list"), reverse("accounts:security")]
    logged_in = client_for(monitor)
    for url in urls:
        assert "no-store" in logged_in.get(url)["Cache-Control"], url
    assert "no-store" in client.get(reverse("login"))["Cache-Control"]
    assert "no-store" in client.get(reverse("home"))["Cache-Control"]  # the redirect too


def test_a_view_that_chose_its_cache_control_keeps_it(client, monitor):
    from reminders.models import CalendarFeed

    token = CalendarFeed.issue(monitor)
    response = client.get(reverse("reminders:calendar-feed", args=[token]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"  # the feed view's own, untouched


def test_the_backup_codes_page_is_not_stored(client_for, monitor):
    device, _codes = enrol(monitor)
    client = verified_client(monitor, device)
    client.post(reverse("accounts:backup-codes"))
    response = client.get(reverse("accounts:backup-codes"))
    assert "no-store" in response["Cache-Control"]


def test_production_has_hsts_and_https_redirect():
    names = (
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_SSL_REDIRECT",
    )
    assert settings_of(production_env(), *names) == dict(
        zip(names, (31536000, True, True, True), strict=True)
    )
