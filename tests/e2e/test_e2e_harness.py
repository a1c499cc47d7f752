"""The browser-test harness itself: static files, the real login form, the phone context."""

import pytest
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.e2e

HEADER_NAVY = "rgb(15, 39, 64)"  # .site-header in static/css/app.css


def test_a_supervisor_logs_in_on_a_phone_with_the_stylesheets_loaded(phone_page, log_in):
    supervisor = make_user("supervisor", username="supervisor")
    stylesheets = []
    phone_page.on(
        "response", lambda r: stylesheets.append(r.status) if r.url.endswith(".css") else None
    )

    log_in(phone_page, supervisor)

    assert phone_page.url.endswith(reverse("home"))  # no second-factor step in the tests
    assert stylesheets and set(stylesheets) == {200}
    header = phone_page.locator(".site-header")
    assert header.evaluate("el => getComputedStyle(el).backgroundColor") == HEADER_NAVY
    assert phone_page.evaluate("[innerWidth, navigator.maxTouchPoints > 0]") == [375, True]
    assert "supervisor" in phone_page.locator(".user-menu summary").inner_text()
