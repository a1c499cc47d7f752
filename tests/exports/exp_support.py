"""Helpers of the export tests: read an export back, read the list page it came from."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

from django.urls import reverse
from openpyxl import load_workbook

from exports.lists import LISTS

# The cells of issue 6: a spreadsheet would run each of them as a formula.
HOSTILE = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)"]
DETAIL_PK = re.compile(r"/(\d+)/")


def export_url(list_name: str, fmt: str, query: str = "") -> str:
    url = reverse("exports:export", args=[list_name, fmt])
    return f"{url}?{query}" if query else url


def body_of(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def read_csv(response) -> list[list[str]]:
    """Return the rows of a CSV export, header first, as a spreadsheet program would read it."""
    assert response.status_code == 200, response
    assert response["Content-Type"].startswith("text/csv")
    text = body_of(response).decode("utf-8")
    assert text.startswith("\ufeff"), "no BOM: spreadsheet programs would not read it as UTF-8"
    return list(csv.reader(io.StringIO(text[1:])))


def read_xlsx(response_or_bytes) -> list[list]:
    """Return the rows of an XLSX export (typed values), header first."""
    data = response_or_bytes
    if not isinstance(data, bytes):
        assert data.status_code == 200, data
        data = body_of(data)
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def cell_types(data: bytes) -> list[list[str]]:
    """Return each cell's openpyxl data type ("s" text, "n" number, "d" date, "f" formula)."""
    workbook = load_workbook(io.BytesIO(data))
    return [[cell.data_type for cell in row] for row in workbook.worksheets[0].iter_rows()]


def column(rows: list[list], header: str) -> list:
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


def ids(rows: list[list]) -> list[int]:
    return [int(value) for value in column(rows, "ID")]


class _RowLinks(HTMLParser):
    """Collect the first link of each row of the page's table body."""

    def __init__(self):
        super().__init__()
        self.in_body = False
        self.row_open = False
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.row_open = True
        elif tag == "a" and self.row_open:
            self.links.append(dict(attrs)["href"])
            self.row_open = False

    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_body = False


def list_page_ids(client, list_name: str, query: str = "") -> list[int]:
    """Return the primary keys of the rows the list page shows for this query, in order."""
    url = reverse(LISTS[list_name].list_url)
    response = client.get(f"{url}?{query}" if query else url)
    assert response.status_code == 200
    parser = _RowLinks()
    parser.feed(response.content.decode())
    return [int(DETAIL_PK.search(link).group(1)) for link in parser.links]
