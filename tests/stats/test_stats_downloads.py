"""Each table downloads as CSV and XLSX equal to the table, formulas neutralised, audited.

The formula check itself is the exports' (``exports/spreadsheet.py``), tested in
``tests/exports/test_exp_cells.py``."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from stats_support import D, stats_for

from audit.models import AuditEvent
from stats.statistics import DEFAULT_END, DEFAULT_START, TABLE_KEYS, Period, Statistics
from tests.factories import (
    make_case,
    make_court,
    make_detention,
    make_facility,
    make_outcome,
    make_party,
)

pytestmark = pytest.mark.django_db

DOWNLOAD = "stats:download"
HOSTILE = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@SUM(A1)", "\tTab", "\rReturn", " =1+1"]


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def as_text(value) -> str:
    return "" if value is None else str(value)


def report_table(user, key: str, measure: str = "detained"):
    from django.utils import timezone

    period = Period(DEFAULT_START, DEFAULT_END, timezone.localdate())
    return Statistics(user=user, period=period).table(key, measure=measure)


@pytest.mark.parametrize("measure", ["detained", "convicted"])
def test_every_csv_opened_back_equals_its_table(seed, client_for, supervisor, measure):
    client = client_for(supervisor)
    for key in TABLE_KEYS:
        response = client.get(reverse(DOWNLOAD), {"table": key, "measure": measure})
        table = report_table(supervisor, key, measure)

        assert response["Content-Type"] == "text/csv; charset=utf-8"
        header, *rows = read_csv(response)
        assert header == table.header(), key
        assert rows == [[as_text(cell) for cell in row] for row in table.cells()], key
        assert rows, key


def test_every_xlsx_opened_back_equals_its_table(seed, client_for, supervisor):
    client = client_for(supervisor)
    for key in TABLE_KEYS:
        response = client.get(reverse(DOWNLOAD), {"table": key, "format": "xlsx"})
        table = report_table(supervisor, key)
        sheet = load_workbook(io.BytesIO(response.content)).active

        header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert header == table.header(), key
        assert rows == [list(row) for row in table.cells()], key


def test_the_download_names_its_table_and_period(client_for, monitor):
    response = client_for(monitor).get(
        reverse(DOWNLOAD),
        {"table": "sentences", "start": "2023-01-01", "end": "2023-03-31", "format": "xlsx"},
    )

    assert response["Content-Disposition"] == (
        'attachment; filename="statistics-sentences-2023-01-01-2023-03-31.xlsx"'
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    breakdown = client_for(monitor).get(reverse(DOWNLOAD), {"table": "role", "measure": "charged"})
    assert (
        "statistics-charged-by-role-2022-06-01-2023-05-31.csv" in breakdown["Content-Disposition"]
    )


def test_hostile_court_and_facility_names_are_neutralised_in_both_formats(client_for, supervisor):
    for index, name in enumerate(HOSTILE):
        case = make_case(court=make_court(name=name))
        make_outcome(party=make_party(case=case), verdict_on=D("2023-05-25"))
        make_detention(facility=make_facility(name=f"{name} {index}"), started_on=D("2023-01-01"))
    client = client_for(supervisor)
    query = {"start": "2023-05-25", "end": "2023-05-25", "measure": "convicted"}

    courts = read_csv(client.get(reverse(DOWNLOAD), {**query, "table": "court"}))
    facilities = read_csv(client.get(reverse(DOWNLOAD), {**query, "table": "occupancy"}))
    workbook = client.get(reverse(DOWNLOAD), {**query, "table": "court", "format": "xlsx"})
    cells = [row[0] for row in load_workbook(io.BytesIO(workbook.content)).active.iter_rows()][1:]

    assert sorted(row[0] for row in courts[1:]) == sorted("'" + name for name in HOSTILE)
    assert all(row[0].startswith("'") for row in facilities[1:])
    assert len(cells) == len(HOSTILE)
    for cell in cells:
        assert cell.data_type == "s"  # text, never a formula
        assert cell.value.startswith("'")


def test_a_download_is_recorded_in_the_audit_trail(client_for, monitor):
    client_for(monitor).get(
        reverse(DOWNLOAD), {"table": "summary", "start": "2023-01-01", "end": "2023-01-31"}
    )
    event = AuditEvent.objects.get(action="export")

    assert event.actor == monitor
    assert "statistics=summary" in event.detail
    assert "start=2023-01-01" in event.detail
    assert "rows=6" in event.detail


def test_a_download_counts_only_what_the_user_may_see(client_for, other_monitor, supervisor):
    restricted = make_case(restricted=True)
    make_outcome(party=make_party(case=restricted), verdict_on=D("2023-05-25"))
    query = {"table": "summary", "start": "2023-05-25", "end": "2023-05-25"}

    def convicted(user) -> str:
        rows = read_csv(client_for(user).get(reverse(DOWNLOAD), query))
        return next(row for row in rows if row[0] == "Convicted")[1]

    assert convicted(other_monitor) == "0"
    assert convicted(supervisor) == "1"
    assert stats_for(other_monitor, "2023-05-25").summary().rows[3].values[0] == 0
