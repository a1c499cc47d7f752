"""Requests of the security tests: statuses as the table writes them, forms, rollbacks."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import transaction
from django.urls import reverse
from sec_table import LOGIN, Entry
from sec_urls import PostForm, form_posting_to
from sec_world import cookies_kept

from tests.support.forms import single

LOGIN_PATHS = ("/accounts/login/", "/admin/login/")
MISSING_PK = 987654  # a number no record has


def outcome(response) -> int | str:
    """Return the status, or ``LOGIN`` for a redirect to the login page."""
    location = response.get("Location", "")
    if response.status_code == 302 and location.startswith(LOGIN_PATHS):
        return LOGIN
    return response.status_code


def url_of(entry: Entry, world, **replace) -> str:
    kwargs = entry.kwargs(world, entry.records(world))
    kwargs.update({key: value for key, value in replace.items() if key in kwargs})
    return reverse(entry.name, kwargs=kwargs)


def read_form(entry: Entry, world, reader) -> PostForm | None:
    """Return the form that posts to the entry's URL, from the page that holds it."""
    if entry.read_only or entry.source == "-":
        return None
    url = url_of(entry, world)
    source = url
    if entry.source:
        source = reverse(entry.source, kwargs=entry.kwargs(world, entry.records(world)))
    page = reader.get(source)
    assert page.status_code == 200, f"{entry.id}: its form page {source} answers {page}"
    form = form_posting_to(page.text, source, url)
    assert form is not None, f"{entry.id}: no form of {source} posts to {url}"
    return form


def form_of(entry: Entry, world, reader) -> dict:
    """Return what a browser would post from the page that holds the entry's form."""
    form = read_form(entry, world, reader)
    return single(form.data) if form else {}


def made_valid(entry: Entry, world, form: dict, role: str) -> dict:
    """Return the form's data with what makes it valid when ``role`` posts it."""
    if entry.valid is None:
        return dict(form)
    return {**form, **entry.valid(world, entry.records(world), role)}


@contextmanager
def undone(client):
    """Roll back what the request writes, and give the client its cookies back.

    A login, a logout or a password change gives the client a new session, which the
    rollback removes; the old cookie points at the session the module made.
    """
    with cookies_kept({"client": client}), transaction.atomic():
        yield
        transaction.set_rollback(True)
