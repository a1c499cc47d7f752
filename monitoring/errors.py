"""The pages shown when a request fails on the server.

A request that fails because the database cannot be reached (restarting, failing over, out of
connections) answers 503 with ``Retry-After``: nothing was saved, and the person is told to try
again in a moment, instead of a bare "Server Error (500)". Any other failure answers 500.

Both pages are rendered without the request's context processors and without ``base.html``:
they must not touch the database (the user, their notifications) that may be what failed.
"""

from __future__ import annotations

import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

RETRY_AFTER_SECONDS = 30


def database_unavailable(exc: BaseException | None) -> bool:
    """True when ``exc`` (or what caused it) says the database could not be reached."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        if not isinstance(exc, DatabaseError) and exc.__cause__ is None:
            return False
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


@requires_csrf_token
def server_error(request, template_name: str = "errors/500.html"):
    """handler500: a 503 with Retry-After when the database is unreachable, else a 500."""
    if database_unavailable(sys.exc_info()[1]):
        body = loader.render_to_string("errors/503.html", {"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(loader.render_to_string(template_name))
