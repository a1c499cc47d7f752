"""The audit trail: who acts (request, command, task), what is recorded (fields, many-to-many,
views of restricted cases), that it cannot be changed, and that nothing writes around it."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from celery.signals import task_postrun, task_prerun
from django.apps import apps
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

import audit
from audit import context
from audit.models import AppendOnlyError, AuditEvent
from cases.models import Case, Court, Hearing, Person, Role
from tests.factories import (
    make_case,
    make_court,
    make_detention,
    make_followup,
    make_hearing,
    make_outcome,
    make_party,
    make_person,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def events(model, obj_id, **filters):
    return AuditEvent.objects.filter(
        model=model._meta.label_lower, object_id=str(obj_id), **filters
    ).order_by("pk")


# Many-to-many fields and saves that change nothing ------------------------------------------


def test_assigning_monitors_records_the_list_before_and_after(monitor, other_monitor):
    case = make_case(monitors=[monitor])
    version = Case.objects.get(pk=case.pk).version
    case.monitors.add(other_monitor)
    case.monitors.remove(monitor)
    changes = [e.changes for e in events(Case, case.pk, action="update")]
    assert changes[-2:] == [
        {"monitors": [[monitor.pk], sorted([monitor.pk, other_monitor.pk])]},
        {"monitors": [sorted([monitor.pk, other_monitor.pk]), [other_monitor.pk]]},
    ]
    # Each change moves the version: a form opened before it is refused.
    assert Case.objects.get(pk=case.pk).version == version + 2


def test_changes_from_the_user_side_are_recorded_on_each_case(monitor, other_monitor):
    first, second = make_case(monitors=[other_monitor]), make_case()
    monitor.monitored_cases.add(first, second)
    assert events(Case, first.pk, action="update").last().changes == {
        "monitors": [[other_monitor.pk], sorted([monitor.pk, other_monitor.pk])]
    }
    assert events(Case, second.pk, action="update").last().changes == {
        "monitors": [[], [monitor.pk]]
    }
    monitor.monitored_cases.clear()
    assert events(Case, first.pk, action="update").last().changes == {
        "monitors": [sorted([monitor.pk, other_monitor.pk]), [other_monitor.pk]]
    }


def test_a_person_s_roles_are_recorded():
    person = make_person()
    journalist = Role.objects.get(code="journalist")
    person.roles.set([journalist])
    assert events(Person, person.pk, action="update").last().changes == {
        "roles": [[], [journalist.pk]]
    }


def test_a_save_that_changes_nothing_records_nothing_and_keeps_the_version():
    court = make_court()
    before = AuditEvent.objects.count()
    court.save()
    assert AuditEvent.objects.count() == before
    assert Court.objects.get(pk=court.pk).version == 1


def test_values_are_recorded_as_json_dates_decimals_and_keys():
    outcome = make_outcome(fine_amount="2000000", fine_currency="KHR")
    created = events(type(outcome), outcome.pk, action="create").get()
    assert created.changes["fine_amount"] == [None, "2000000.00"]
    assert created.changes["verdict_on"] == [None, "2023-05-25"]
    assert created.changes["party"] == [None, outcome.party_id]
    assert created.object_repr == f"trial outcome #{outcome.pk}"


def test_a_protected_person_s_events_are_marked_and_never_named_in_the_label():
    person = make_person(name="Real Name", is_protected=True, pseudonym="Witness A")
    created = events(Person, person.pk, action="create").get()
    assert created.sensitive
    assert "Real Name" not in created.object_repr and created.object_repr == f"person #{person.pk}"


def test_a_hard_delete_cascades_into_one_event_per_row():
    party = make_party()
    outcome = make_outcome(party=party)
    party.case.delete()
    assert events(type(outcome), outcome.pk, action="delete").get().changes["verdict"] == [
        "convicted",
        None,
    ]
    assert events(type(party), party.pk, action="delete").exists()


# Who acts ----------------------------------------------------------------------------------


def test_loaddata_is_recorded_row_by_row_as_the_system(tmp_path):
    fixture = tmp_path / "courts.json"
    fields = {"name": "Fixture court", "level": "appeal"}
    fields |= {"created_at": "2026-01-05T00:00:00Z", "updated_at": "2026-01-05T00:00:00Z"}
    row = {"model": "cases.court", "pk": 9001, "fields": fields}
    fixture.write_text(json.dumps([row]))
    call_command("loaddata", str(fixture), verbosity=0)
    created = events(Court, 9001).get()
    assert (created.action, created.actor, created.actor_label) == (
        "create",
        None,
        "system: loaddata",
    )
    assert created.detail == "raw save (fixture load)"
    assert created.changes["name"] == [None, "Fixture court"]

    call_command("loaddata", str(fixture), verbosity=0)  # the same again: nothing changes
    assert events(Court, 9001).count() == 1

    row["fields"]["name"] = "Renamed by a fixture"
    fixture.write_text(json.dumps([row]))
    call_command("loaddata", str(fixture), verbosity=0)
    assert events(Court, 9001).last().changes == {"name": ["Fixture court", "Renamed by a fixture"]}


def test_the_shell_acts_as_the_system():
    call_command(
        "shell",
        command="from tests.factories import make_court; make_court(name='Shell court')",
    )
    court = Court.objects.get(name="Shell court")
    assert events(Court, court.pk).get().actor_label == "system: shell"


def test_a_command_run_inside_another_says_so():
    with context.as_system("seed_demo"):
        court = make_court()
    assert events(Court, court.pk).get().actor_label == "system: seed_demo"
    with context.as_system("seed_demo"), context.as_system("loaddata"):
        court = make_court()
    assert events(Court, court.pk).get().actor_label == "system: seed_demo > loaddata"


class FakeTask:
    name = "reminders.tasks.reminder_pass"


def test_a_celery_task_acts_as_the_system_under_its_name():
    task = FakeTask()
    task_prerun.send(sender=task, task_id="t-1", task=task, args=(), kwargs={})
    try:
        court = make_court()
    finally:
        task_postrun.send(sender=task, task_id="t-1", task=task, args=(), kwargs={})
    assert events(Court, court.pk).get().actor_label == "system: reminders.tasks.reminder_pass"
    assert not context.is_set()


def test_record_is_the_public_way_to_add_an_event(monitor):
    event = audit.record(action="login", actor=monitor, detail={"ip": "10.0.0.1"})
    assert (event.action, event.actor, event.actor_label) == ("login", monitor, "monitor")
    assert event.detail == "ip=10.0.0.1"
    export = audit.record(action="export", actor="system: nightly export", detail="cases.csv")
    assert (export.actor, export.actor_label) == (None, "system: nightly export")
    case = make_case()
    assert audit.record(action="export", obj=case).object_id == str(case.pk)
    with pytest.raises(ValueError, match="not an audit action"):
        audit.record(action="Drop table")


# Append-only --------------------------------------------------------------------------------


@pytest.fixture
def event(monitor):
    return audit.record(action="login", actor=monitor)


def test_the_model_refuses_to_change_or_delete_an_event(event):
    event.detail = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(detail="forged")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET detail = 'forged' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_the_database_refuses_to_change_or_delete_an_event(event, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).detail == ""


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's flush deletes rows")
def test_on_sqlite_only_flush_may_empty_the_trail(event):
    with transaction.atomic():
        with context.purging(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent")
        assert not AuditEvent.objects.exists()
        transaction.set_rollback(True)


# Views of restricted cases -------------------------------------------------------------------


def child_pages(case):
    hearing = make_hearing(case=case)
    outcome = make_outcome(party=make_party(case=case))
    detention = make_detention(case=case)
    followup = make_followup(case=case)
    return [
        (Case, case.pk, reverse("cases:case-detail", args=[case.pk])),
        (Case, case.pk, reverse("cases:case-timeline", args=[case.pk])),
        (Hearing, hearing.pk, hearing.get_absolute_url()),
        (type(outcome), outcome.pk, outcome.get_absolute_url()),
        (type(detention), detention.pk, detention.get_absolute_url()),
        (type(followup), followup.pk, followup.get_absolute_url()),
    ]


def test_looking_at_a_restricted_case_and_its_records_is_recorded(client_for, monitor):
    case = make_case(restricted=True, monitors=[monitor])
    client = client_for(monitor)
    for model, pk, url in child_pages(case):
        assert client.get(url).status_code == 200, url
        viewed = events(model, pk, action="view").last()
        assert viewed is not None, url
        assert (viewed.actor, viewed.request_id != "") == (monitor, True)


def test_looking_at_a_normal_case_is_not_recorded(client_for, monitor):
    case = make_case()
    client = client_for(monitor)
    for _model, _pk, url in child_pages(case):
        assert client.get(url).status_code == 200
    assert not AuditEvent.objects.filter(action="view").exists()


# Nothing writes around the signals -----------------------------------------------------------

APP_PACKAGES = ["cases", "reminders", "audit", "accounts", "monitoring"]
BULK = {"update", "bulk_create", "bulk_update"}
MANAGERS = {"objects", "all_objects", "_base_manager", "_default_manager"}
QUERYSET_HINTS = MANAGERS | {"filter", "exclude", "all", "select_for_update", "none"}


def other_models() -> set[str]:
    """Return the class names of installed models outside ``cases`` (not audited)."""
    cases_names = {m.__name__ for m in apps.get_app_config("cases").get_models()}
    return {m.__name__ for m in apps.get_models()} - cases_names


def chain(node) -> tuple[str | None, list[str]]:
    """Return the root name of ``a.b().c.d()`` and the attribute names along the way."""
    names = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return (node.id if isinstance(node, ast.Name) else None), names


def unaudited_bulk_writes(source: str, path: str = "<source>") -> list[str]:
    """Return ``path:line`` of queryset bulk writes on audited models without an audit marker.

    A bulk write on a model of another app (reminders, auth) is fine. One on a ``cases``
    model, or on a queryset whose model cannot be told, needs ``# audit: <why>`` on its line
    (and an explicit ``audit.record()`` when it changes what the trail must show).
    """
    tree = ast.parse(source)
    lines = source.splitlines()
    querysets: dict[str, tuple[str | None, list[str]]] = {}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                root, names = chain(node.value)
                if QUERYSET_HINTS & set(names):
                    querysets[target.id] = (root, names)
    foreign = other_models()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in BULK:
            continue
        root, names = chain(node.func.value)
        if root in querysets and not (QUERYSET_HINTS & set(names)):
            root, names = querysets[root]
        if not (QUERYSET_HINTS & set(names)) and node.func.attr == "update":
            continue  # dict.update(), set.update()
        if root in foreign:
            continue
        if "# audit:" in lines[node.lineno - 1]:
            continue
        found.append(f"{path}:{node.lineno}")
    return found


def test_the_bulk_write_detector_tells_domain_writes_from_others():
    flagged = unaudited_bulk_writes(
        "Hearing.objects.filter(pk=1).update(status='held')\n"
        "rows = Case.all_objects.filter(pk=1)\n"
        "rows.update(title='x')\n"
        "Charge.objects.bulk_create([])\n"
        "Reminder.objects.filter(pk=1).update(status='sent')\n"
        "context.update(a=1)\n"
        "model._base_manager.filter(pk=1).update(version=2)  # audit: bookkeeping\n"
    )
    assert flagged == ["<source>:1", "<source>:3", "<source>:4"]


def test_no_bulk_write_on_a_domain_model_escapes_the_audit_trail():
    found = []
    for package in APP_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            found += unaudited_bulk_writes(path.read_text(), str(path.relative_to(ROOT)))
    assert found == [], "QuerySet.update()/bulk_create() bypass the audit signals: " + str(found)


def test_a_save_of_some_fields_records_only_those_fields(supervisor):
    """A soft delete saves ``deleted_at`` (and the version) alone: its event must not claim
    that every other column became empty."""
    from cases.services.records import delete_record
    from tests.factories import make_detention

    detention = make_detention()
    delete_record(record=detention, by=supervisor)
    event = AuditEvent.objects.filter(model="cases.detention", action="delete").latest("pk")
    assert "deleted_at" in event.changes
    assert "kind" not in event.changes
    assert "started_on" not in event.changes
