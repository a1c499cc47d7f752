"""Background work: a Celery task when a broker is configured, else a thread of this process.

Large exports, import checks and imports (and the duplicate search at scale, thread only) run
here. With ``REDIS_URL`` the task is queued on Celery (``CELERY_TASK_DEFAULT_QUEUE``); without
it (``make run``), or when the broker cannot be reached, the task's own function runs in a
daemon thread of the web process: the same code either way. A thread closes its database
connections when it ends (nobody else would) and logs what failed; ``limit`` bounds how many
threads of one group run at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import connections, transaction
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

_threads: list[threading.Thread] = []
_slots: dict[str, threading.BoundedSemaphore] = {}
_lock = threading.Lock()


def after_commit(task: str, *args, name: str, limit: int | None = None) -> None:
    """Run the task (a dotted path) once the current transaction commits (see ``submit``)."""
    transaction.on_commit(lambda: submit(task, *args, name=name, limit=limit))


def submit(task: str, *args, name: str, limit: int | None = None) -> None:
    """Queue the Celery task at the dotted path ``task`` with ``args``, or run it in a thread.

    ``name`` names the thread (and the job in the log); ``limit``: at most so many threads
    whose names share the part before the first "-" run at once.
    """
    function = import_string(task)
    if settings.REDIS_URL:
        try:
            function.apply_async(args=args, queue=settings.CELERY_TASK_DEFAULT_QUEUE, retry=False)
            return
        except Exception:  # the broker is unreachable: do the work here rather than not at all
            log.warning("could not queue %s; running it in a thread of this process", name)
    run_in_thread(function.run, *args, name=name, limit=limit)


def run_in_thread(work: Callable, *args, name: str, limit: int | None = None) -> threading.Thread:
    """Call ``work(*args)`` in a daemon thread named ``name``; return the started thread."""
    slots = _slots_for(name.split("-", 1)[0], limit) if limit else None

    def run() -> None:
        try:
            if slots is None:
                work(*args)
            else:
                with slots:
                    work(*args)
        except Exception:
            log.exception("%s failed in its thread", name)
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=run, name=name, daemon=True)
    with _lock:
        _threads[:] = [alive for alive in _threads if alive.is_alive()]
        _threads.append(thread)
    thread.start()
    return thread


def _slots_for(group: str, limit: int) -> threading.BoundedSemaphore:
    with _lock:
        if group not in _slots:
            _slots[group] = threading.BoundedSemaphore(max(1, limit))
        return _slots[group]


def wait_for_threads(timeout: float = 60) -> None:
    """Wait for the background threads of this process (tests, and a clean shutdown)."""
    with _lock:
        running = list(_threads)
    for thread in running:
        thread.join(timeout)
