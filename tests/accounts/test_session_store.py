"""Sessions and second-factor devices read with SQL compiled once (``accounts.session_store``,
``accounts.middleware.OTPMiddleware``): the same answers as Django's and django-otp's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import OTPMiddleware
from accounts.session_store import SessionStore
from tests.support.accounts import enrol, verified_client

pytestmark = pytest.mark.django_db

CASES = reverse("cases:case-list")


def test_the_engine_is_this_store(settings):
    assert settings.SESSION_ENGINE == "accounts.session_store"


def test_a_live_session_loads_as_djangos_store_loads_it():
    store = SessionStore()
    store["answer"] = 42
    store.create()
    again = SessionStore(store.session_key)
    assert again.load() == DjangoStore(store.session_key).load() == {"answer": 42}
    assert again.session_key == store.session_key


def test_an_expired_unknown_or_malformed_key_loads_nothing_and_forgets_the_key():
    store = SessionStore()
    store["answer"] = 42
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    for key in (store.session_key, "k" * 32, "x' OR '1'='1' -- padding"):
        loaded = SessionStore(key)
        assert loaded.load() == {}
        assert loaded.session_key is None, key


def test_a_page_costs_one_query_for_the_session_and_reads_it_compiled(client_for, supervisor):
    client = client_for(supervisor)
    client.get(CASES)  # compiled by the first request
    with CaptureQueriesContext(connection) as queries:
        assert client.get(CASES).status_code == 200
    reads = [q["sql"] for q in queries.captured_queries if '"django_session"' in q["sql"]]
    assert len(reads) == 1 and "LIMIT 1" in reads[0]


def test_a_logged_out_session_is_anonymous(client_for, supervisor):
    client = client_for(supervisor)
    assert client.get(CASES).status_code == 200
    client.logout()
    response = client.get(CASES)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_sessions_device_verifies_the_user(supervisor, rf):
    device, _codes = enrol(supervisor)
    client = verified_client(supervisor, device)
    request = rf.get(CASES)
    request.session = client.session
    request.user = supervisor
    user = OTPMiddleware(lambda r: None)._verify_user_sync(request, supervisor)
    assert user.is_verified() and user.otp_device == device


@pytest.mark.parametrize(
    "persistent_id",
    [
        "otp_totp.totpdevice/999999",  # gone
        "otp_totp.totpdevice/abc",  # not a number
        "nosuchapp.device/1",  # no such model
        "auth.user/1",  # not a device
        "no-slash",
    ],
)
def test_a_device_that_cannot_be_read_leaves_the_user_unverified(supervisor, rf, persistent_id):
    request = rf.get(CASES)
    request.session = SessionStore()
    request.session[DEVICE_ID_SESSION_KEY] = persistent_id
    user = OTPMiddleware(lambda r: None)._verify_user_sync(request, supervisor)
    assert not user.is_verified()
    assert DEVICE_ID_SESSION_KEY not in request.session


def test_another_users_or_an_unconfirmed_device_does_not_verify(supervisor, monitor, rf):
    theirs, _codes = enrol(monitor)
    unconfirmed = TOTPDevice.objects.create(user=supervisor, name="new", confirmed=False)
    for device in (theirs, unconfirmed):
        request = rf.get(CASES)
        request.session = SessionStore()
        request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        user = OTPMiddleware(lambda r: None)._verify_user_sync(request, supervisor)
        assert not user.is_verified(), device
        assert DEVICE_ID_SESSION_KEY not in request.session
