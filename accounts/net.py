"""The client's address as the reverse proxy in front of the application saw it."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """Return the client's IP address from the configured request headers.

    ``AXES_IPWARE_META_PRECEDENCE_ORDER`` lists the ``request.META`` keys to read, first match
    wins (default: ``REMOTE_ADDR`` only, for a server reached directly). Each proxy appends the
    address it received the request from to a forwarded header, so behind
    ``AXES_IPWARE_PROXY_COUNT`` proxies the client is that many entries from the right: entries
    further left were written by the client and cannot be trusted. A header with fewer entries
    than that did not come through the proxies and is skipped.

    This is Axes' ``AXES_CLIENT_IP_CALLABLE`` (django-ipware, which would read the same two
    settings, is not a dependency), and the security log uses it too.
    """
    from_right = max(settings.AXES_IPWARE_PROXY_COUNT or 0, 1)
    for key in settings.AXES_IPWARE_META_PRECEDENCE_ORDER:
        entries = [e.strip() for e in str(request.META.get(key, "")).split(",") if e.strip()]
        if key == "REMOTE_ADDR":
            candidate = entries[-1] if entries else ""
        elif len(entries) >= from_right:
            candidate = entries[-from_right]
        else:
            continue
        if address := _valid(candidate):
            return address
    return _valid(str(request.META.get("REMOTE_ADDR", "")))
