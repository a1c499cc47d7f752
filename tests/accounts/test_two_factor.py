"""Two-factor authentication: set-up with a real code, login with a code, backup codes."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from tests.support.accounts import code_next, code_now, enrol, password_login, verified_client

pytestmark = pytest.mark.django_db

ENROL = reverse("accounts:enrol")
VERIFY = reverse("accounts:verify")
CODES = reverse("accounts:backup-codes")
DISABLE = reverse("accounts:disable")


def test_set_up_page_shows_an_inline_svg_qr_code_and_the_secret(client_for, monitor):
    response = client_for(monitor).get(ENROL)
    page = response.content.decode()

    device = TOTPDevice.objects.get(user=monitor, confirmed=False)
    assert '<svg class="qr"' in page or "<svg " in page
    assert "<img" not in page and "http" not in page.split("<svg", 1)[1].split("</svg>")[0]
    assert two_factor.secret_for_display(device) in page
    assert 'autocomplete="one-time-code"' in page
    assert '<label for="id_code"' in page


def test_reloading_the_set_up_page_keeps_the_same_secret(client_for, monitor):
    client = client_for(monitor)
    client.get(ENROL)
    client.get(ENROL)
    assert TOTPDevice.objects.filter(user=monitor).count() == 1


def test_set_up_with_a_real_code_turns_it_on_and_shows_ten_codes_once(client_for, monitor):
    client = client_for(monitor)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=monitor)

    response = client.post(ENROL, {"code": code_now(device)})

    assert response.status_code == 302 and response["Location"].startswith(CODES)
    device.refresh_from_db()
    assert device.confirmed
    page = client.get(response["Location"]).content.decode()
    tokens = list(StaticToken.objects.filter(device__user=monitor).values_list("token", flat=True))
    assert len(tokens) == two_factor.BACKUP_CODE_COUNT == 10
    for token in tokens:
        assert two_factor.grouped(token) in page
    download = page.split('download="backup-codes.txt" href="', 1)[1].split('"', 1)[0]
    assert download.startswith("data:text/plain;charset=utf-8,")
    assert all(two_factor.grouped(token) in unquote(download) for token in tokens)
    # Shown once: the next visit lists no code.
    again = client.get(CODES).content.decode()
    assert not any(two_factor.grouped(token) in again for token in tokens)
    assert "10 unused backup codes" in again


def test_a_wrong_code_is_refused_with_a_message_and_nothing_is_turned_on(client_for, monitor):
    client = client_for(monitor)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=monitor)
    wrong = f"{(int(code_now(device)) + 1) % 1_000_000:06d}"

    response = client.post(ENROL, {"code": wrong})

    assert response.status_code == 200
    assert "This code is not valid" in response.content.decode()
    assert response.context["form"].errors["code"]
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticToken.objects.filter(device__user=monitor).exists()


def test_login_asks_a_user_with_an_app_for_a_code(client, monitor):
    device, _codes = enrol(monitor)

    response = password_login(client, monitor)

    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    # Only the code page and logout are reachable until the code is given.
    blocked = client.get(reverse("cases:case-list"))
    assert blocked.status_code == 302 and blocked["Location"].startswith(VERIFY)
    assert client.get(reverse("admin:index"))["Location"].startswith(VERIFY)
    response = client.post(VERIFY, {"code": code_next(device), "next": "/cases/"})
    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert client.get(reverse("cases:case-list")).status_code == 200


def test_a_wrong_login_code_is_refused_and_the_user_stays_blocked(client, monitor):
    device, _codes = enrol(monitor)
    password_login(client, monitor)

    response = client.post(VERIFY, {"code": "000000" if code_now(device) != "000000" else "1"})

    assert response.status_code == 200
    assert "This code is not valid" in response.content.decode()
    assert client.get(reverse("home"))["Location"].startswith(VERIFY)


def test_a_backup_code_logs_in_once(client, monitor, client_for):
    _device, codes = enrol(monitor)
    password_login(client, monitor)

    response = client.post(VERIFY, {"code": two_factor.grouped(codes[0]).upper()}, follow=True)

    assert response.status_code == 200
    assert "9 backup codes are left" in response.content.decode()
    assert StaticToken.objects.filter(device__user=monitor).count() == 9
    other = client.__class__()
    password_login(other, monitor)
    again = other.post(VERIFY, {"code": codes[0]})
    assert again.status_code == 200 and "This code is not valid" in again.content.decode()
    assert other.get(reverse("home"))["Location"].startswith(VERIFY)


def test_new_backup_codes_replace_the_old_ones(monitor):
    device, old = enrol(monitor)
    client = verified_client(monitor, device)

    response = client.post(CODES)

    assert response.status_code == 302
    page = client.get(CODES).content.decode()
    new = set(StaticToken.objects.filter(device__user=monitor).values_list("token", flat=True))
    assert len(new) == 10 and not new & set(old)
    assert all(two_factor.grouped(token) in page for token in new)


def test_turning_off_needs_a_current_code(monitor):
    device, _codes = enrol(monitor)
    client = verified_client(monitor, device)

    refused = client.post(DISABLE, {"code": "not-a-code"})
    assert refused.status_code == 200 and refused.context["form"].errors["code"]
    assert TOTPDevice.objects.filter(user=monitor).exists()

    response = client.post(DISABLE, {"code": code_now(device)})

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=monitor).exists()
    assert not StaticToken.objects.filter(device__user=monitor).exists()
    assert client.get(reverse("home")).status_code == 200


def test_after_wrong_codes_even_the_right_one_waits_and_the_page_says_until_when(client, monitor):
    device, _codes = enrol(monitor)
    password_login(client, monitor)
    device.throttling_failure_count = 5  # django-otp then refuses for 2**4 seconds
    device.throttling_failure_timestamp = timezone.now()
    device.save()

    response = client.post(VERIFY, {"code": code_next(device)})

    assert "Too many wrong codes. Wait until" in response.content.decode()
    assert client.get(reverse("home"))["Location"].startswith(VERIFY)


def test_the_security_page_shows_the_state_and_links(client_for, monitor):
    client = client_for(monitor)
    page = client.get(reverse("accounts:security")).content.decode()
    assert ENROL in page and reverse("accounts:password-change") in page

    device, _codes = enrol(monitor)
    page = verified_client(monitor, device).get(reverse("accounts:security")).content.decode()
    assert DISABLE in page and CODES in page
    assert ">10<" in page  # backup codes left


def test_the_user_menu_links_to_the_security_page(client_for, monitor):
    page = client_for(monitor).get(reverse("home")).content.decode()
    assert reverse("accounts:security") in page


def test_security_pages_need_a_login(client):
    for url in (reverse("accounts:security"), ENROL, VERIFY, CODES, DISABLE):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
