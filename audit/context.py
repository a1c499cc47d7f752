"""Who is acting right now: the request's user, or the system running a command or a task.

A ``contextvars`` variable, so each request thread, each task and each command sees its own.
The middleware sets it for a request; ``BaseCommand.execute`` and Celery's ``task_prerun`` set
it to "system: <name>" (see ``audit.hooks``). Outside all of these it says which program runs.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SYSTEM_PREFIX = "system: "


@dataclass(frozen=True)
class Actor:
    """The author of what happens now; ``request`` is read lazily (its user loads on demand)."""

    label: str = ""
    request: Any = None
    request_id: str = ""
    ip_address: str | None = None

    @property
    def user(self):
        user = getattr(self.request, "user", None)
        return user if user is not None and user.is_authenticated else None

    @property
    def name(self) -> str:
        if self.request is not None:
            user = self.user
            return user.get_username() if user is not None else "anonymous"
        return self.label

    @property
    def is_system(self) -> bool:
        return self.request is None


_actor: ContextVar[Actor | None] = ContextVar("audit_actor", default=None)
_purging: ContextVar[bool] = ContextVar("audit_purging", default=False)


def program_name() -> str:
    return Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"


def current() -> Actor:
    """Return the actor of the current context (the running program when none was set)."""
    return _actor.get() or Actor(label=SYSTEM_PREFIX + program_name())


def is_set() -> bool:
    return _actor.get() is not None


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    """Attribute what happens inside the block to ``actor``."""
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


def system_actor(name: str) -> Actor:
    """Return the actor for a command or task: nested ones say where they run from."""
    outer = _actor.get()
    if outer is not None and not outer.is_system:
        return outer  # a command run from a request acts for that request's user
    if outer is not None:
        return Actor(label=f"{outer.label} > {name}")
    return Actor(label=SYSTEM_PREFIX + name)


@contextmanager
def as_system(name: str) -> Iterator[Actor]:
    """Attribute what happens inside the block to "system: <name>"."""
    with acting_as(system_actor(name)) as actor:
        yield actor


def set_actor(actor: Actor):
    """Set the actor until ``reset_actor(token)`` (for hooks that cannot use a ``with``)."""
    return _actor.set(actor)


def reset_actor(token) -> None:
    _actor.reset(token)


@contextmanager
def purging() -> Iterator[None]:
    """Allow ``manage.py flush`` to empty the audit table on SQLite (see audit.hooks)."""
    token = _purging.set(True)
    try:
        yield
    finally:
        _purging.reset(token)


def may_purge() -> bool:
    return _purging.get()
