"""Hostile names are shown as text: escaped on every page, Khmer intact, long ones harmless.

One set of records per payload (a case, its person, court, facility, organisation, group,
offence, hearings, outcome, detention, extension order and follow-up, every text field holding
the payload), then every page that shows them is read as a supervisor (the audit log as an
admin): the payload never appears raw, and its escaped form is where the page names it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases.models import Case, Detention, Hearing
from cases.services.records import delete_record
from reminders.dispatch import deliver_reminder, run_pass
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
)

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SQL = "'; DROP TABLE cases_case; --"
QUOTES = "Say \"hello\" & 'bye' \\ `tick` </p>"
KHMER = "កឹម សុខា"
LONG = "long"  # stands for a string as long as each field allows
PAYLOADS = {
    "script": SCRIPT,
    "img": IMG,
    "sql": SQL,
    "quotes": QUOTES,
    "khmer": KHMER,
    "long": LONG,
}
# What must never reach a page raw: the opening of the markup each payload carries.
RAW = ("<script>alert(1)", "<img src=x", '"hello"', "'bye'", "`tick` </p>")


def fill(payload: str, max_length: int, tag: str = "") -> str:
    """Return the payload for a field of ``max_length`` (``LONG``: the field's full length)."""
    if payload == LONG:
        return "W" * (max_length - len(tag)) + tag
    return f"{payload}{tag}"[:max_length]


@dataclass
class Hostile:
    key: str
    payload: str
    case: object
    person: object
    court: object
    facility: object
    organisation: object
    group: object
    held: object  # a hearing held, with outcome notes
    upcoming: object
    outcome: object
    party: object
    detention: object
    extension: object
    followup: object
    deleted_group: object

    def text(self, max_length: int, tag: str = "") -> str:
        return fill(self.payload, max_length, tag)


def hostile_records(key: str, payload: str, *, monitor, supervisor) -> Hostile:
    def text(n, tag=""):
        return fill(payload, n, tag)

    court = make_court(name=text(200, f" court {key}"))
    facility = make_facility(name=text(200, f" prison {key}"), notes=text(5000))
    organisation = make_organisation(
        name=text(200, f" ngo {key}"), name_khmer=KHMER, acronym=text(30), notes=text(5000)
    )
    group = make_person_group(label=text(200, f" group {key}"), description=text(5000))
    offence = make_offence(name=text(200, f" offence {key}"))
    person = make_person(
        name=text(200, f" person {key}"),
        name_khmer=KHMER,
        aliases=text(5000),
        nationality=text(80),
        notes=text(5000),
        group=group,
    )
    person.affiliations.create(organisation=organisation, position=text(200))
    case = make_case(
        title=text(250, f" case {key}"),
        reference=fill(payload, 40, f"-{key}") if payload != LONG else "R" * 40,
        summary=text(5000),
        court_case_number=text(80),
        court=court,
        monitors=[monitor],
    )
    party = make_party(case=case, person=person, notes=text(5000))
    make_charge(party=party, offence=offence, notes=text(5000))
    now = timezone.now()
    held = make_hearing(
        case=case,
        court=court,
        scheduled_at=now - dt.timedelta(days=30),
        status=Hearing.Status.HELD,
        held_at=now - dt.timedelta(days=30),
        outcome=text(5000, f" outcome notes {key}"),
    )
    upcoming = make_hearing(
        case=case, court=court, scheduled_at=now + dt.timedelta(hours=20), monitor=supervisor
    )
    outcome = make_outcome(
        party=party,
        court=court,
        damages_to=text(200),
        other_penalties=text(5000),
        notes=text(5000),
    )
    detention = make_detention(
        person=person,
        case=case,
        facility=facility,
        kind=Detention.Kind.PRETRIAL,
        started_on=timezone.localdate() - dt.timedelta(days=100),
        conditions=text(5000),
        ill_treatment_notes=text(5000),
    )
    extension = make_extension(
        detention=detention,
        ordered_on=timezone.localdate() - dt.timedelta(days=10),
        ordered_by=text(200),
        document=text(200),
        notes=text(5000),
    )
    followup = make_followup(
        case=case,
        person=person,
        addressed_to=organisation,
        owner=supervisor,
        description=text(5000, f" follow-up {key}"),
        response=text(5000),
        due_on=timezone.localdate() + dt.timedelta(days=1),
    )
    # A change, so the history shows the payload as a "before" and an "after".
    case.summary = text(5000, " (changed)")
    case.save()
    deleted_group = make_person_group(label=text(200, f" deleted {key}"))
    delete_record(record=deleted_group, by=supervisor)
    return Hostile(
        key=key,
        payload=payload,
        case=case,
        person=person,
        court=court,
        facility=facility,
        organisation=organisation,
        group=group,
        held=held,
        upcoming=upcoming,
        outcome=outcome,
        party=party,
        detention=detention,
        extension=extension,
        followup=followup,
        deleted_group=deleted_group,
    )


@pytest.fixture(scope="module")
def hostile(world, django_db_blocker) -> dict[str, Hostile]:
    """Build one set of hostile records per payload, and the reminders they call for."""
    with django_db_blocker.unblock():
        sets = {
            key: hostile_records(
                key,
                payload,
                monitor=world.users["monitor"],
                supervisor=world.users["supervisor"],
            )
            for key, payload in PAYLOADS.items()
        }
        with TestCase.captureOnCommitCallbacks(execute=True):
            run_pass(enqueue=lambda pk: deliver_reminder(reminder_id=pk))
    return sets


def marker(h: Hostile) -> str:
    """Return what a page naming the record must show: the escaped payload."""
    return "W" * 100 if h.payload == LONG else escape(h.payload)


def history(model: str, attribute: str):
    return (
        "audit:history",
        lambda h: {"app_label": "cases", "model_name": model, "pk": getattr(h, attribute).pk},
    )


def of(name: str, attribute: str, arg: str = "pk"):
    return name, lambda h: {arg: getattr(h, attribute).pk}


# Pages about one record: read once per payload; each must show that payload, escaped.
RECORD_PAGES = [
    of("cases:case-detail", "case"),
    of("cases:case-timeline", "case"),
    of("cases:case-update", "case"),
    of("cases:case-delete", "case"),
    history("case", "case"),
    of("cases:person-detail", "person"),
    of("cases:person-update", "person"),
    of("cases:person-delete", "person"),
    history("person", "person"),
    of("cases:party-update", "party"),
    of("cases:court-detail", "court"),
    of("cases:court-update", "court"),
    of("cases:court-delete", "court"),
    of("cases:facility-detail", "facility"),
    of("cases:facility-update", "facility"),
    of("cases:organisation-detail", "organisation"),
    of("cases:organisation-update", "organisation"),
    of("cases:group-detail", "group"),
    of("cases:group-update", "group"),
    of("cases:hearing-detail", "held"),
    of("cases:hearing-update", "held"),
    history("hearing", "held"),
    of("cases:outcome-detail", "outcome"),
    of("cases:outcome-update", "outcome"),
    of("cases:detention-detail", "detention"),
    of("cases:detention-update", "detention"),
    of("cases:extension-update", "extension"),
    of("cases:followup-detail", "followup"),
    of("cases:followup-update", "followup"),
    history("followup", "followup"),
    ("cases:deleted-restore", lambda h: {"model_name": "persongroup", "pk": h.deleted_group.pk}),
]
# The audit log, filtered to one record (admins read it).
AUDIT_FILTERS = {
    "case": "case",
    "person": "person",
    "hearing": "held",
    "followup": "followup",
    "detentionextension": "extension",
}
# Pages listing every payload's records, as a supervisor (the audit log: as an admin).
LIST_PAGES = [
    ("cases:case-list", "supervisor"),
    ("cases:person-list", "supervisor"),
    ("cases:court-list", "supervisor"),
    ("cases:facility-list", "supervisor"),
    ("cases:organisation-list", "supervisor"),
    ("cases:group-list", "supervisor"),
    ("cases:hearing-list", "supervisor"),
    ("cases:outcome-list", "supervisor"),
    ("cases:detention-list", "supervisor"),
    ("cases:followup-list", "supervisor"),
    ("cases:clock-dashboard", "supervisor"),
    ("cases:deleted-list", "supervisor"),
    ("reminders:notification-list", "supervisor"),
    ("home", "supervisor"),
    ("home", "monitor"),
]


def raw_payloads(body: str) -> list[str]:
    return [raw for raw in RAW if raw in body]


def check_page(client, url: str, expected: list[Hostile]) -> list[str]:
    """Return what is wrong with the page: an error, a raw payload, a name not shown."""
    response = client.get(url)
    if response.status_code != 200:
        return [f"{url}: {response.status_code}"]
    body = response.text
    problems = [f"{url}: raw {raw!r}" for raw in raw_payloads(body)]
    problems += [f"{url}: {h.key} not shown" for h in expected if marker(h) not in body]
    return problems


@pytest.mark.parametrize(("name", "kwargs"), RECORD_PAGES, ids=[n for n, _ in RECORD_PAGES])
def test_a_record_page_shows_hostile_text_escaped(name, kwargs, hostile, clients):
    problems = []
    for h in hostile.values():
        problems += check_page(clients["supervisor"], reverse(name, kwargs=kwargs(h)), [h])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("name", "role"), LIST_PAGES, ids=[f"{n}-{r}" for n, r in LIST_PAGES])
def test_a_list_shows_hostile_text_escaped(name, role, hostile, clients):
    problems = check_page(clients[role], reverse(name), list(hostile.values()))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("model", AUDIT_FILTERS)
def test_the_audit_log_shows_hostile_text_escaped(model, hostile, clients):
    problems = []
    for h in hostile.values():
        record = getattr(h, AUDIT_FILTERS[model])
        query = f"?model=cases.{model}&object_id={record.pk}"
        problems += check_page(clients["admin"], reverse("audit:event-list") + query, [h])
    # Unfiltered: every payload on its first page, none of them raw.
    problems += check_page(clients["admin"], reverse("audit:event-list"), [])
    assert not problems, "\n".join(problems)


def test_khmer_is_shown_as_written(hostile, clients):
    """Khmer script reaches the page as characters, not mangled or turned into entities."""
    khmer = hostile["khmer"]
    for url in (
        reverse("cases:person-detail", args=[khmer.person.pk]),
        reverse("cases:case-detail", args=[khmer.case.pk]),
        reverse("cases:organisation-detail", args=[khmer.organisation.pk]),
        reverse("cases:person-list"),
    ):
        response = clients["supervisor"].get(url)
        assert response["Content-Type"] == "text/html; charset=utf-8"
        assert KHMER in response.content.decode("utf-8"), url


def test_sql_in_a_name_is_only_text(hostile, clients):
    """The quote of ``'; DROP TABLE`` ends nothing: the row reads back as typed, tables stay."""
    sql = hostile["sql"]
    assert Case.objects.get(pk=sql.case.pk).title == sql.case.title
    assert Case.objects.filter(title__startswith=SQL).count() == 1
    response = clients["supervisor"].get(reverse("cases:case-list"), {"q": SQL})
    assert response.status_code == 200
    assert escape(SQL) in response.text


SEARCHED = [
    "cases:case-list",
    "cases:person-list",
    "cases:court-list",
    "cases:facility-list",
    "cases:organisation-list",
    "cases:group-list",
    "cases:hearing-list",
    "cases:outcome-list",
    "cases:detention-list",
    "cases:followup-list",
    "cases:clock-dashboard",
    "cases:deleted-list",
    "cases:case-timeline",
]


@pytest.mark.parametrize("name", SEARCHED)
def test_what_a_user_types_into_a_filter_comes_back_escaped(name, hostile, clients):
    """Every filter field, the sort and the page number are echoed into the page escaped."""
    client = clients["supervisor"]
    args = [hostile["script"].case.pk] if name == "cases:case-timeline" else []
    url = reverse(name, args=args)
    page = client.get(url)
    fields = {"q", "o", "page", "kind", "type"}  # and the filter form's own fields:
    fields |= set(re.findall(r'<(?:input|select)[^>]*\bname="([^"]+)"', page.text))
    for payload in (SCRIPT, IMG, QUOTES):
        response = client.get(url, dict.fromkeys(fields, payload))
        assert response.status_code == 200, (name, payload)
        assert not raw_payloads(response.text), (name, payload, raw_payloads(response.text))
