"""An export runs the same number of queries for 1 row as for many: no N+1."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from exp_support import body_of, export_url, read_xlsx

from cases.models import Role
from tests.factories import (
    make_case,
    make_court,
    make_detention,
    make_facility,
    make_followup,
    make_hearing,
    make_organisation,
    make_party,
    make_person,
    make_person_group,
    make_user,
)

pytestmark = pytest.mark.django_db


def add_person():
    roles = Role.objects.filter(code__in=["hrd", "journalist"])
    make_person(group=make_person_group(), roles=roles, is_protected=True)


def add_case():
    case = make_case(court=make_court())
    make_party(case=case)


def add_hearing():
    make_hearing(court=make_court(), monitor=make_user("monitor"))


def add_detention():
    make_detention(facility=make_facility(), started_on=dt.date(2023, 1, 1))


def add_followup():
    case = make_case()
    make_followup(
        case=case,
        person=make_party(case=case).person,
        addressed_to=make_organisation(),
        owner=make_user("monitor"),
    )


def add_facility():
    make_detention(facility=make_facility(), started_on=dt.date(2023, 1, 1))


ADD = {
    "people": add_person,
    "cases": add_case,
    "hearings": add_hearing,
    "detentions": add_detention,
    "followups": add_followup,
    "facilities": add_facility,
}


def queries_of(client, url: str) -> tuple[int, int]:
    """Return (queries, rows) of one export, its streamed body read to the end."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
        body = body_of(response)
    assert response.status_code == 200
    if url.split("?")[0].endswith(".csv"):
        rows = list(csv.reader(io.StringIO(body.decode().removeprefix("\ufeff"))))
    else:
        rows = read_xlsx(body)
    return len(context.captured_queries), len(rows) - 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("list_name", list(ADD))
def test_query_count_does_not_grow_with_rows(client_for, list_name, fmt):
    client = client_for(make_user("admin"))
    url = export_url(list_name, fmt, "profile=full")
    ADD[list_name]()
    one, rows = queries_of(client, url)
    assert rows >= 1
    for _ in range(9):
        ADD[list_name]()
    many, more_rows = queries_of(client, url)
    assert more_rows >= rows + 9
    assert many == one, f"{list_name}.{fmt}: {one} queries for {rows} rows, {many} for {more_rows}"
