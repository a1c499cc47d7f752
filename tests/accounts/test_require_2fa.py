"""REQUIRE_2FA: supervisors, exporters and admins must set up a second factor; monitors may."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import two_factor
from tests.factories import make_user
from tests.support.accounts import code_now, enrol, production_env, settings_of, verified_client

pytestmark = pytest.mark.django_db

ENROL = reverse("accounts:enrol")


@pytest.mark.parametrize("role", ["supervisor", "exporter", "admin"])
def test_a_required_role_without_an_app_reaches_only_the_set_up_page(require_2fa, client_for, role):
    client = client_for(make_user(role))

    for url in (reverse("home"), reverse("cases:case-list"), reverse("accounts:security")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{ENROL}?next={url.replace('/', '%2F')}"
    page = client.get(ENROL)
    assert page.status_code == 200
    assert "Your role requires two-factor authentication" in page.content.decode()
    logged_out = client.post(reverse("logout"))
    assert logged_out["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_a_superuser_is_required_too(require_2fa, client_for):
    superuser = make_user(None, is_superuser=True)
    assert client_for(superuser).get(reverse("home"))["Location"].startswith(ENROL)


def test_a_monitor_is_not_forced(require_2fa, client_for, monitor):
    assert not two_factor.requires_two_factor(monitor)
    client = client_for(monitor)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("cases:case-list")).status_code == 200


def test_without_the_setting_nobody_is_forced(settings, client_for, supervisor):
    settings.REQUIRE_2FA = False
    assert client_for(supervisor).get(reverse("home")).status_code == 200


def test_after_setting_up_the_supervisor_goes_on_where_they_were(
    require_2fa, client_for, supervisor
):
    client = client_for(supervisor)
    client.get(reverse("cases:case-list"))
    client.get(ENROL)
    device = two_factor.pending_totp(supervisor)

    response = client.post(ENROL, {"code": code_now(device), "next": "/cases/"})

    codes_page = client.get(response["Location"])
    assert codes_page.status_code == 200
    assert 'href="/cases/"' in codes_page.content.decode()
    assert client.get(reverse("cases:case-list")).status_code == 200


def test_a_supervisor_with_an_app_logged_in_before_must_give_a_code(
    require_2fa, client_for, supervisor
):
    client = client_for(supervisor)  # a session from before the app was set up elsewhere
    enrol(supervisor)

    response = client.get(reverse("home"))

    assert response["Location"].startswith(reverse("accounts:verify"))


def test_the_admin_needs_the_second_factor(require_2fa, client_for, admin_user):
    assert client_for(admin_user).get(reverse("admin:index"))["Location"].startswith(ENROL)
    device, _codes = enrol(admin_user)
    assert (
        client_for(admin_user)
        .get(reverse("admin:index"))["Location"]
        .startswith(reverse("accounts:verify"))
    )
    assert verified_client(admin_user, device).get(reverse("admin:index")).status_code == 200


def test_the_admin_site_refuses_an_unverified_staff_user(require_2fa, rf, admin_user):
    from django.contrib import admin

    request = rf.get("/admin/")
    request.user = admin_user
    admin_user.is_verified = lambda: False
    assert not admin.site.has_permission(request)
    admin_user.is_verified = lambda: True
    assert admin.site.has_permission(request)


def test_the_admin_login_is_the_application_login(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("env", "required"),
    [
        ({}, True),
        ({"DEMO_MODE": "1"}, False),
        ({"DJANGO_DEBUG": "1"}, False),
        ({"DEMO_MODE": "1", "REQUIRE_2FA": "1"}, True),
    ],
)
def test_required_by_default_in_production_only(env, required):
    assert settings_of(production_env(**env), "REQUIRE_2FA") == {"REQUIRE_2FA": required}
