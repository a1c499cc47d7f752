"""Attribute what a request does to its user, with a request id and the client's address."""

from __future__ import annotations

import uuid

from . import context


class AuditMiddleware:
    """Set the audit actor for the request (place it after AuthenticationMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        actor = context.Actor(
            request=request,
            request_id=uuid.uuid4().hex,
            # The direct peer: behind a proxy, the proxy's address (X-Forwarded-For can be
            # forged, and trusting it is the deployment's choice, not the trail's).
            ip_address=request.META.get("REMOTE_ADDR") or None,
        )
        request.audit_request_id = actor.request_id
        with context.acting_as(actor):
            return self.get_response(request)
