"""Every form is protected from cross-site requests: without the CSRF token a POST is refused
(403) and changes nothing; with the token the same POST goes through.

The URLs are those of the table that take a POST (sec_table.py), each posted as a role allowed
to (a supervisor where one is), with clients that enforce the checks as a browser's requests
would meet them. test_sec_matrix.py checks that every POST form of every page points at one
of them.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from sec_http import form_of, made_valid, outcome, undone, url_of
from sec_table import ROLES, TABLE
from sec_urls import database_state, post_forms, state_changes
from sec_world import cookies_kept, logged_in_clients

pytestmark = pytest.mark.django_db

TOKEN = "csrfmiddlewaretoken"
FORGED = "A" * 64  # well formed, but not this session's
PREFERRED = ("supervisor", "admin", "monitor", "other", "exporter")


def poster(entry) -> str:
    """Return the role that posts: anonymous for the login form, else the first one allowed
    (a supervisor for the logout, which sends everyone to the login page)."""
    allowed = [role for role in ROLES if entry.post[role] in (200, 302)] or ["supervisor"]
    if "anonymous" in allowed:
        return "anonymous"
    return next(role for role in PREFERRED if role in allowed)


FORMS = [entry for entry in TABLE if not entry.read_only]


@pytest.fixture(scope="module")
def strict_clients(world, django_db_blocker):
    """Return a client per role that checks CSRF tokens as a browser's requests meet them."""
    return logged_in_clients(world, django_db_blocker, enforce_csrf_checks=True)


@pytest.fixture
def strict(db, strict_clients):
    with cookies_kept(strict_clients):
        yield strict_clients


def any_token(client) -> str:
    """Return a CSRF token of the client's session from a page every user can open."""
    page = client.get(reverse("home"))
    if page.status_code != 200:
        page = client.get(reverse("login"))
    tokens = [form.data[TOKEN][0] for form in post_forms(page.text, "/") if TOKEN in form.data]
    assert tokens, "no page gives a CSRF token"
    return tokens[0]


def is_csrf_refusal(response) -> bool:
    return response.status_code == 403 and "CSRF verification failed" in response.text


@pytest.mark.parametrize("entry", FORMS, ids=lambda entry: entry.id)
def test_a_post_without_the_token_is_refused_and_changes_nothing(entry, world, strict):
    role = poster(entry)
    client = strict[role]
    url = url_of(entry, world)
    with undone(client):
        form = form_of(entry, world, client)  # as a browser: the page first, then the post
        token = form.pop(TOKEN, None) or any_token(client)
        data = made_valid(entry, world, form, role)
        before = database_state()
        for sent in ({}, {TOKEN: FORGED}):
            response = client.post(url, {**data, **sent})
            assert is_csrf_refusal(response), (entry.id, role, sent, response.status_code)
        assert not state_changes(before, database_state()), entry.id
        # The same post with this session's token goes through.
        response = client.post(url, {**data, TOKEN: token})
        assert outcome(response) == entry.post[role], (entry.id, role, response.status_code)


def test_the_language_switch_needs_the_token_too(world, strict):
    client = strict["monitor"]
    response = client.post(reverse("set_language"), {"language": "km", "next": "/"})
    assert is_csrf_refusal(response)
