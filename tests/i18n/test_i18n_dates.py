"""Dates in the user's language: named formats per language, month names from the catalogue."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import dates, translation
from django.utils.formats import date_format

from cases.dates import FuzzyDate, Precision
from monitoring import date_strings

BASE_DIR = Path(settings.BASE_DIR)
DAY, LATER = dt.date(2023, 1, 5), dt.date(2023, 3, 1)
MOMENT = dt.datetime(2023, 8, 5, 9, 30)


@pytest.mark.parametrize(
    ("precision", "until", "english", "khmer"),
    [
        (Precision.DAY, None, "5 January 2023", "5 ខែ មករា ឆ្នាំ 2023"),
        (Precision.MONTH, None, "January 2023", "ខែ មករា ឆ្នាំ 2023"),
        (Precision.YEAR, None, "2023", "2023"),
        (
            Precision.RANGE,
            LATER,
            "between 5 January and 1 March 2023",
            "5 ខែ មករា",  # the words around it come from the catalogue
        ),
    ],
)
def test_fuzzy_dates_speak_the_language(precision, until, english, khmer):
    date = FuzzyDate(DAY, precision, until)
    with translation.override("en"):
        assert str(date) == english
    with translation.override("km"):
        assert khmer in str(date)
        assert "January" not in str(date)


def test_named_formats_per_language():
    with translation.override("en"):
        assert date_format(DAY, "DATE_FORMAT") == "5 January 2023"
        assert date_format(MOMENT, "DATETIME_FORMAT") == "5 August 2023, 09:30"
    with translation.override("km"):
        assert date_format(DAY, "DATE_FORMAT") == "5 ខែ មករា ឆ្នាំ 2023"
        assert date_format(MOMENT, "DATETIME_FORMAT") == "5 ខែ សីហា ឆ្នាំ 2023, 09:30"
        assert date_format(DAY, "YEAR_MONTH_FORMAT") == "ខែ មករា ឆ្នាំ 2023"
        assert date_format(DAY, "MONTH_DAY_FORMAT") == "5 ខែ មករា"


def lazy_key(name) -> tuple[str | None, str]:
    args = name._args
    return (args[0], args[1]) if len(args) == 2 else (None, args[0])


@pytest.mark.parametrize(
    "name", ["WEEKDAYS", "WEEKDAYS_ABBR", "MONTHS", "MONTHS_3", "MONTHS_AP", "MONTHS_ALT"]
)
def test_date_strings_mark_djangos_own_messages(name):
    """Same msgid and msgctxt as Django's, or our translation would never be used."""
    djangos = [lazy_key(value) for value in getattr(dates, name).values()]
    assert [lazy_key(value) for value in getattr(date_strings, name)] == djangos


# Format letters that print a month or day name, or a.m./p.m.: F N M b E D l a A P.
NAMED_PARTS = re.compile(r"(?<!\\)[FNMbEDlaAP]")
NAMED_FORMATS = re.compile(r"[A-Z_]+_FORMAT")
# Seconds are wanted in the audit trail and no named format has them; the month is translated.
ALLOWED = {"j F Y, H:i:s"}
TEMPLATE_FORMAT = re.compile(r"""\|date:["']([^"']*)["']""")
PYTHON_FORMAT = re.compile(r"""date_format\([^()]*(?:\([^()]*\))?[^()]*,\s*["']([^"']*)["']""")


def written_formats():
    """Yield (file, format) for every date format the templates and the code write out."""
    sources = [(path, TEMPLATE_FORMAT) for path in (BASE_DIR / "templates").rglob("*.html")]
    for app in ("accounts", "audit", "cases", "reminders", "observations", "monitoring"):
        sources += [(path, PYTHON_FORMAT) for path in (BASE_DIR / app).rglob("*.py")]
    for path, pattern in sources:
        for found in pattern.findall(path.read_text(encoding="utf-8")):
            yield path.relative_to(BASE_DIR), found


def test_no_date_is_written_in_one_languages_format():
    """Name a format (DATE_FORMAT...): each language has its own (monitoring/formats/)."""
    seen = list(written_formats())
    assert seen, "the scan found no date format at all"
    fixed = [
        f"{path}: {value!r}"
        for path, value in seen
        if not NAMED_FORMATS.fullmatch(value) and value not in ALLOWED and NAMED_PARTS.search(value)
    ]
    assert not fixed, "dates written in a fixed format: " + "; ".join(fixed)
