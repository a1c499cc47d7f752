"""Security events: one line each in the ``security`` log, and a row in the audit trail."""

from __future__ import annotations

import logging
from typing import Any

from django.apps import apps
from django.http import HttpRequest

from .net import client_ip

logger = logging.getLogger("security")

# Our event names and the audit trail's actions (audit.models.Action).
AUDIT_ACTIONS = {
    "login": "login",
    "logout": "logout",
    "login_failed": "login_failed",
    "lockout": "login_failed",
    "two_factor_verified": "login",
    "two_factor_enabled": "account",
    "two_factor_disabled": "account",
    "backup_codes_issued": "account",
    "password_changed": "account",
    "sessions_ended": "account",
    # A refused authorisation (403): not one of the trail's core actions, which record() accepts.
    "permission_denied": "denied",
}


def _audit(action: str, actor: Any, detail: str) -> None:
    """Append the event to the audit trail, when the trail knows its action."""
    if not apps.is_installed("audit"):
        return
    from audit import record

    audit_action = AUDIT_ACTIONS.get(action)
    if audit_action:
        record(action=audit_action, actor=actor, detail=f"{action} {detail}".strip())


def record_event(
    action: str,
    *,
    request: HttpRequest | None = None,
    user: Any = None,
    level: int = logging.INFO,
    **detail: Any,
) -> None:
    """Log who did what, from which address and on which path, and add it to the audit trail."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    actor = user if user is not None and user.is_authenticated else None
    facts: dict[str, Any] = {
        "ip": client_ip(request) if request is not None else None,
        "path": request.path if request is not None else None,
        **detail,
    }
    if actor is None:
        facts["username"] = facts.pop("username", None)
    else:
        facts.pop("username", None)
    facts = {key: value for key, value in facts.items() if value not in (None, "")}
    # repr() escapes newlines and quotes, so a crafted username cannot forge log lines.
    text = " ".join(f"{key}={value!r}" for key, value in facts.items())
    who = f"user={actor.get_username()!r} user_id={actor.pk} " if actor else ""
    logger.log(level, "%s %s%s", action, who, text)
    _audit(action, actor, text)
