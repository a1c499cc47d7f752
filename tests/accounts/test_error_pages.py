"""The server's error pages: the database unreachable answers 503 with Retry-After, else 500."""

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import path

from monitoring import urls as project_urls
from monitoring.errors import RETRY_AFTER_SECONDS, database_unavailable
from tests.factories import make_user


def database_down(request):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")


def cursor_on_closed_connection(request):
    # What a worker meets when PostgreSQL restarted under it: django.db.InterfaceError.
    from django.db import InterfaceError

    raise InterfaceError("connection already closed")


def bug(request):
    raise ValueError("a programming error")


urlpatterns = [
    path("down/", database_down),
    path("closed/", cursor_on_closed_connection),
    path("bug/", bug),
    *project_urls.urlpatterns,  # the login page and the rest, which the middleware names
]
handler500 = "monitoring.errors.server_error"

pytestmark = [pytest.mark.urls(__name__)]


@pytest.fixture
def client(db):
    client = Client(raise_request_exception=False)
    client.force_login(make_user("monitor"))
    return client


@pytest.mark.parametrize("url", ["/down/", "/closed/"])
def test_database_unreachable_answers_503_with_retry_after(client, url):
    response = client.get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    body = response.content.decode()
    assert "Temporarily unavailable" in body
    assert "nothing was saved" in body


def test_other_failures_answer_500_without_details(client):
    response = client.get("/bug/")
    assert response.status_code == 500
    assert "Retry-After" not in response
    body = response.content.decode()
    assert "Server error" in body
    assert "programming error" not in body  # no exception text leaks to the page


def test_error_pages_touch_no_database(db, rf, django_assert_num_queries):
    """The database may be what failed: the pages read nothing from it (no user, no header)."""
    from monitoring.errors import server_error

    request = rf.get("/down/")
    with django_assert_num_queries(0):
        for exc in (OperationalError("down"), ValueError("bug")):
            try:
                raise exc
            except Exception:
                response = server_error(request)
            assert response.status_code == (503 if isinstance(exc, OperationalError) else 500)


def test_a_database_error_that_is_not_an_outage_is_a_500():
    from django.db import IntegrityError

    assert not database_unavailable(IntegrityError("duplicate key"))
    assert not database_unavailable(ValueError("x"))
    assert database_unavailable(OperationalError("x"))
    wrapped = RuntimeError("wrapper")
    wrapped.__cause__ = OperationalError("server closed the connection unexpectedly")
    assert database_unavailable(wrapped)
    assert connection.vendor  # the suite's own database stays usable
