"""A user's language: saved and applied from the next request on, a cookie for anonymous
users, a safe switch, and pages that cost no more queries for it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.language import SESSION_KEY
from accounts.models import AccountSettings
from audit.models import AuditEvent
from tests.factories import make_case
from tests.support.accounts import enrol, password_login

pytestmark = pytest.mark.django_db

SWITCH = reverse("accounts:language")
COOKIE = settings.LANGUAGE_COOKIE_NAME
# Django's own Khmer catalogue names January: no translation of ours is needed for it.
JANUARY_KM = "មករា"
OPENED_KM = "15 ខែ មករា ឆ្នាំ 2023"  # "day 15, month January, year 2023"
OPENED_EN = "15 January 2023"


@pytest.fixture
def case(monitor):
    return make_case(monitors=[monitor])  # opened on 15 January 2023


def page(client: Client, case, **headers):
    return client.get(case.get_absolute_url(), **headers)


def test_the_saved_language_applies_from_the_next_request(client_for, monitor, case):
    client = client_for(monitor)
    assert OPENED_EN in page(client, case).text

    response = client.post(SWITCH, {"language": "km", "next": case.get_absolute_url()})

    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert AccountSettings.objects.get(user=monitor).language == "km"
    shown = page(client, case)
    assert '<html lang="km">' in shown.text
    assert OPENED_KM in shown.text and JANUARY_KM in shown.text
    assert shown["Content-Language"] == "km"


def test_the_saved_language_follows_the_user_to_a_new_session(client_for, monitor, case):
    AccountSettings.objects.create(user=monitor, language="km")
    client = client_for(monitor)  # a new login, on another device
    client.cookies[COOKIE] = "en"  # this browser was switched to English before

    shown = page(client, case, HTTP_ACCEPT_LANGUAGE="en")

    assert OPENED_KM in shown.text
    assert shown.cookies[COOKIE].value == "km"  # the login page will speak it after logout


def test_logging_in_with_the_form_brings_the_saved_language(monitor, case):
    AccountSettings.objects.create(user=monitor, language="km")
    client = Client()
    assert password_login(client, monitor).status_code == 302
    assert OPENED_KM in page(client, case).text


def test_without_a_saved_language_the_browser_decides(client_for, monitor, case):
    AccountSettings.objects.create(user=monitor, language="")
    client = client_for(monitor)
    assert OPENED_KM in page(client, case, HTTP_ACCEPT_LANGUAGE="km").text
    assert OPENED_EN in page(client, case, HTTP_ACCEPT_LANGUAGE="en").text


def test_choosing_the_browsers_language_forgets_the_saved_one(client_for, monitor, case):
    AccountSettings.objects.create(user=monitor, language="km")
    client = client_for(monitor)

    response = client.post(SWITCH, {"language": "", "next": "/"})

    assert AccountSettings.objects.get(user=monitor).language == ""
    assert response.cookies[COOKIE].value == ""  # deleted
    assert OPENED_EN in page(client, case, HTTP_ACCEPT_LANGUAGE="en").text


def test_a_change_of_language_is_in_the_audit_trail(client_for, monitor):
    client = client_for(monitor)
    client.post(SWITCH, {"language": "km", "next": "/"})
    client.post(SWITCH, {"language": "km", "next": "/"})  # no change: nothing recorded

    events = AuditEvent.objects.filter(model="accounts.accountsettings")
    assert [(e.action, e.actor_id, e.detail) for e in events] == [
        ("update", monitor.pk, "language=km")
    ]
    assert events.get().changes == {"language": ["", "km"]}


def test_an_anonymous_user_switches_with_a_cookie(client):
    login = reverse("login")

    response = client.post(SWITCH, {"language": "km", "next": login})

    assert response.status_code == 302 and response["Location"] == login
    assert response.cookies[COOKIE].value == "km"
    assert response.cookies[COOKIE]["httponly"] and response.cookies[COOKIE]["samesite"] == "Lax"
    assert '<html lang="km">' in client.get(login).text
    assert not AccountSettings.objects.exists()


@pytest.mark.parametrize(
    "unsafe",
    ["https://evil.example/", "//evil.example/", "http://testserver.evil.example/", "javascript:x"],
)
def test_the_switch_refuses_an_unsafe_next(client_for, monitor, unsafe):
    response = client_for(monitor).post(SWITCH, {"language": "km", "next": unsafe})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_the_switch_takes_only_a_post(client_for, monitor, client):
    assert client_for(monitor).get(SWITCH).status_code == 405
    assert client.get(SWITCH).status_code == 405


def test_the_switch_needs_the_csrf_token(monitor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(monitor)
    assert client.post(SWITCH, {"language": "km", "next": "/"}).status_code == 403
    assert not AccountSettings.objects.exists()


def test_an_unknown_language_changes_nothing(client_for, monitor):
    response = client_for(monitor).post(SWITCH, {"language": "xx", "next": "/"})
    assert response.status_code == 302 and COOKIE not in response.cookies
    assert not AccountSettings.objects.exists()


def test_before_the_second_factor_the_choice_stays_in_the_browser(monitor):
    enrol(monitor)
    client = Client()
    client.force_login(monitor)  # password given, code not yet: only the code page
    response = client.post(SWITCH, {"language": "km", "next": reverse("accounts:verify")})
    assert response.status_code == 302 and response.cookies[COOKIE].value == "km"
    assert not AccountSettings.objects.exists()
    assert '<html lang="km">' in client.get(reverse("accounts:verify")).text


def test_the_footer_and_the_security_page_post_to_the_switch(client_for, monitor, client):
    action = f'action="{SWITCH}"'
    assert action in client.get(reverse("login")).text
    security = client_for(monitor).get(reverse("accounts:security")).text
    assert security.count(action) == 2  # the page's own form and the footer's
    assert "The browser&#x27;s language" in security


def captured_queries(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in captured]


def queries_of(client: Client, url: str) -> int:
    return len(captured_queries(client, url))


def setting_reads(client: Client, url: str) -> int:
    return sum("accounts_accountsettings" in sql for sql in captured_queries(client, url))


def test_a_saved_language_costs_a_page_no_query(client_for, monitor, other_monitor, case):
    case.monitors.add(other_monitor)
    AccountSettings.objects.create(user=other_monitor, language="km")
    plain, khmer = client_for(monitor), client_for(other_monitor)
    url = case.get_absolute_url()
    queries_of(plain, url), queries_of(khmer, url)  # warm the caches (rules, content types)

    assert queries_of(khmer, url) == queries_of(plain, url)


def test_a_session_older_than_the_setting_reads_it_once(client_for, monitor, case):
    AccountSettings.objects.create(user=monitor, language="km")
    client = client_for(monitor)
    url = case.get_absolute_url()
    assert setting_reads(client, url) == 0  # read at login
    session = client.session
    del session[SESSION_KEY]  # as a session logged in before the setting existed
    session.save()

    assert setting_reads(client, url) == 1
    assert setting_reads(client, url) == 0  # kept in the session
    assert OPENED_KM in page(client, case).text


def test_a_next_that_is_a_bare_word_is_a_relative_address_not_a_view_name(client):
    """A scanner's ``next=wvenw2tw9e`` once reached redirect(), which took it for a URL name
    and answered 500; it is a relative address like any other."""
    response = client.post(reverse("accounts:language"), {"language": "km", "next": "wvenw2tw9e"})
    assert response.status_code == 302
    assert response.url == "wvenw2tw9e"
