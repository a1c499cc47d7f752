"""Mark the views a user may reach before giving their second factor."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

View = TypeVar("View", bound=Callable)

VERIFY = "verify"  # logged in with a password, code not given yet
ENROL = "enrol"  # a role that must have a second factor, none set up yet


def two_factor_allowed(*steps: str) -> Callable[[View], View]:
    """Let users who still owe a second factor (``VERIFY``, ``ENROL``) reach this view."""

    def decorator(view: View) -> View:
        view.two_factor_steps = frozenset(steps)  # type: ignore[attr-defined]
        return view

    return decorator
