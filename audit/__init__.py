"""The audit trail: every change to the domain records, views of restricted cases, exports and
sign-ins, in an append-only table.

Other apps call ``audit.record(action=..., obj=..., actor=..., detail=...)`` for events that
are not model saves (a sign-in, an export); changes to the models of ``cases`` are recorded by
themselves (``audit.signals``).
"""

from __future__ import annotations

from typing import Any


def record(*, action: str, obj: Any = None, actor: Any = None, detail: str = "", **kwargs: Any):
    """Append an audit event and return it; see ``audit.trail.record``."""
    from audit.trail import record as record_event

    return record_event(action=action, obj=obj, actor=actor, detail=detail, **kwargs)
