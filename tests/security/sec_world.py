"""The security tests' world: one of every record and a user per role, and their clients.

conftest.py builds it once per module inside a transaction rolled back when the module ends;
each test runs inside its own savepoint (pytest-django's ``db``), so what a test posts is
undone before the next one.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from cases.models import Detention
from cases.services.merge import merge_people
from cases.services.records import delete_record
from observations.attachments import sniff
from observations.services import attach_files, submit_observation
from reminders.models import CalendarFeed, Notification
from tests.factories import (
    make_case,
    make_charge,
    make_court,
    make_detention,
    make_extension,
    make_facility,
    make_followup,
    make_hearing,
    make_offence,
    make_organisation,
    make_outcome,
    make_party,
    make_person,
    make_person_group,
    make_user,
)

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The roles every URL is tried as; "monitor" is assigned to both cases, "other" to none.
ROLES = ("anonymous", "monitor", "other", "supervisor", "exporter", "admin")


@dataclass
class World:
    """One of each record: ``normal`` and ``restricted`` hold the records of each case."""

    users: dict[str, object]
    normal: SimpleNamespace
    restricted: SimpleNamespace
    court: object
    facility: object
    organisation: object
    group: object
    offence: object
    other_offence: object  # not charged yet: a new charge may use it
    loose_person: object  # a person in no case
    deleted: object  # a follow-up a supervisor deleted (to restore)
    notification: object  # the assigned monitor's
    feed_token: str  # the assigned monitor's calendar feed
    merge_record: object = None  # a supervisor's merge of two people in no case (to undo)
    export_job: object = None  # the exporter's background export, ready to download once
    import_job: object = None  # the supervisor's import, checked and waiting for confirmation


def case_records(*, restricted: bool, monitor, court, facility, offence, group, organisation):
    """Return a case assigned to ``monitor`` and one record of every kind hanging off it."""
    label = "restricted" if restricted else "normal"
    case = make_case(restricted=restricted, monitors=[monitor], court=court, title=f"{label} case")
    person = make_person(name=f"Defendant of the {label} case", group=group)
    party = make_party(case=case, person=person)
    charge = make_charge(party=party, offence=offence)
    hearing = make_hearing(
        case=case, court=court, scheduled_at=timezone.now() + dt.timedelta(days=20)
    )
    outcome = make_outcome(party=party, court=court)
    detention = make_detention(
        person=person,
        case=case,
        facility=facility,
        kind=Detention.Kind.PRETRIAL,
        started_on=timezone.localdate() - dt.timedelta(days=40),
    )
    extension = make_extension(
        detention=detention, ordered_on=timezone.localdate() - dt.timedelta(days=10)
    )
    followup = make_followup(case=case, owner=monitor, addressed_to=organisation)
    observed = make_hearing(
        case=case, court=court, scheduled_at=timezone.now() - dt.timedelta(days=20)
    )
    observation, _ = submit_observation(
        hearing=observed,
        observer=monitor,
        by=monitor,
        fields={"result": "held"},
        answers={},
        token=None,
    )
    photo = ContentFile(b"\xff\xd8\xff\xe0" + b"\x00" * 64, name="court-list.jpg")
    [attachment] = attach_files(
        observation=observation, uploads=[(photo, sniff(photo.read(16)), label)], by=monitor
    )
    return SimpleNamespace(
        observation=observation,
        attachment=attachment,
        case=case,
        person=person,
        party=party,
        charge=charge,
        hearing=hearing,
        outcome=outcome,
        detention=detention,
        extension=extension,
        followup=followup,
    )


def build_world() -> World:
    users = {
        "monitor": make_user("monitor", username="sec-monitor"),
        "other": make_user("monitor", username="sec-other-monitor"),
        "supervisor": make_user("supervisor", username="sec-supervisor"),
        "exporter": make_user("exporter", username="sec-exporter"),
        "admin": make_user("admin", username="sec-admin"),
    }
    court = make_court(name="Phnom Penh Municipal Court (test)")
    facility = make_facility(name="Prey Sar (test)")
    organisation = make_organisation(name="Test NGO")
    group = make_person_group(label="Test group")
    offence = make_offence(name="Incitement (test)")
    shared = {
        "monitor": users["monitor"],
        "court": court,
        "facility": facility,
        "offence": offence,
        "group": group,
        "organisation": organisation,
    }
    normal = case_records(restricted=False, **shared)
    restricted = case_records(restricted=True, **shared)
    doomed = make_followup(case=normal.case, owner=users["monitor"], description="To delete")
    delete_record(record=doomed, by=users["supervisor"])
    notification = Notification.objects.create(
        user=users["monitor"],
        kind="hearing_upcoming",
        title="Hearing coming up",
        url=normal.hearing.get_absolute_url(),
    )
    return World(
        users=users,
        normal=normal,
        restricted=restricted,
        court=court,
        facility=facility,
        organisation=organisation,
        group=group,
        offence=offence,
        other_offence=make_offence(name="Plotting (test)"),
        loose_person=make_person(name="Person in no case"),
        deleted=doomed,
        notification=notification,
        feed_token=CalendarFeed.issue(users["monitor"]),
        merge_record=merge_people(
            survivor=make_person(name="Sec Merge Survivor"),
            merged=make_person(name="Sec Merge Retired"),
            by=users["supervisor"],
        ),
        export_job=ready_export(users["exporter"]),
        import_job=checked_import(users["supervisor"]),
    )


def ready_export(user):
    """Return a background export of ``user`` whose file waits for its one-time download."""
    import uuid

    from exports.models import ExportJob, export_folder

    job = ExportJob.objects.create(
        user=user,
        list_name="cases",
        format="xlsx",
        profile="redacted",
        background=True,
        status=ExportJob.Status.READY,
        token="sec-world-token",
        file_name=f"sec-world-{uuid.uuid4().hex}.xlsx",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    export_folder().mkdir(parents=True, exist_ok=True)
    job.path.write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # an empty zip
    return job


def checked_import(user):
    """Return an import of ``user``, checked and waiting for its confirmation."""
    from imports.models import ImportJob, ImportRow

    job = ImportJob.objects.create(
        kind=ImportJob.Kind.PERSONS,
        file_format=ImportJob.Format.CSV,
        status=ImportJob.Status.READY,
        original_name="people.csv",
        sha256="0" * 64,
        created_by=user,
        total_rows=1,
        processed_rows=1,
        planned={"create": {"person": 1}},
    )
    ImportRow.objects.create(
        job=job, number=2, actions=[{"verb": "create", "text": "New person “Sec Import”"}]
    )
    return job


def logged_in_clients(world, django_db_blocker, **options) -> dict[str, Client]:
    """Return one client per role, logged in but for ``anonymous``.

    Errors come back as responses (a 500 is a status to assert, not an exception). Each
    client loads the middleware once, WhiteNoise's scan of the static files included, so
    a module keeps its clients.
    """
    result = {"anonymous": Client(raise_request_exception=False, **options)}
    with django_db_blocker.unblock():
        for role, user in world.users.items():
            client = Client(raise_request_exception=False, **options)
            client.force_login(user)
            result[role] = client
    return result


def copy_cookies(cookies: SimpleCookie) -> SimpleCookie:
    copied = SimpleCookie()
    copied.load(cookies.output(header="", sep=";"))
    return copied


@contextmanager
def cookies_kept(clients: dict[str, Client]):
    """Give the clients their cookies back afterwards.

    A test may log a client out or in as someone else; its session rows are rolled back
    with the test, and the cookies restored here point at the module's sessions again.
    """
    saved = {role: copy_cookies(client.cookies) for role, client in clients.items()}
    try:
        yield clients
    finally:
        for role, client in clients.items():
            client.cookies = saved[role]
