"""Say who acts outside a request: management commands and Celery tasks act as the system.

``BaseCommand.execute`` is wrapped once at start-up (Django has no signal around commands), so
``manage.py shell``, ``loaddata``, ``run_reminders`` and any ``call_command()`` are attributed to
"system: <command>". Celery's ``task_prerun``/``task_postrun`` do the same for tasks.
"""

from __future__ import annotations

import functools

from django.core.management.base import BaseCommand
from django.db.backends.signals import connection_created

from . import context

_task_tokens: dict[str, object] = {}


def command_name(command: BaseCommand) -> str:
    return type(command).__module__.rsplit(".", 1)[-1]


def install_command_hook() -> None:
    """Run every management command as "system: <its name>"; flush may empty the trail."""
    if getattr(BaseCommand.execute, "audit_hooked", False):
        return
    original = BaseCommand.execute

    @functools.wraps(original)
    def execute(self, *args, **options):
        name = command_name(self)
        with context.as_system(name):
            if name == "flush":
                # flush empties every table, the trail included (it is how the test suite
                # resets a database). On SQLite the trigger asks this flag; on PostgreSQL
                # flush uses TRUNCATE, which the trigger does not cover (see the migration).
                with context.purging():
                    return original(self, *args, **options)
            return original(self, *args, **options)

    execute.audit_hooked = True
    BaseCommand.execute = execute


def task_started(task_id=None, task=None, **kwargs) -> None:
    _task_tokens[task_id] = context.set_actor(context.system_actor(task.name))


def task_finished(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        context.reset_actor(token)


def install_task_hooks() -> None:
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(task_started, dispatch_uid="audit.task_prerun", weak=False)
    task_postrun.connect(task_finished, dispatch_uid="audit.task_postrun", weak=False)


def register_sqlite_function(sender, connection, **kwargs) -> None:
    """Give SQLite connections the function the append-only trigger asks before a delete."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "audit_may_purge", 0, lambda: int(context.may_purge())
        )


def install_database_hook() -> None:
    connection_created.connect(register_sqlite_function, dispatch_uid="audit.sqlite_function")
