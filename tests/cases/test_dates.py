import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import translation

from cases.dates import FuzzyDate, Precision, fuzzy_date_error, normalise


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("date", "text"),
    [
        (FuzzyDate(dt.date(2023, 3, 3)), "3 March 2023"),
        (FuzzyDate(dt.date(2023, 1, 1), Precision.MONTH, dt.date(2023, 1, 31)), "January 2023"),
        (FuzzyDate(dt.date(2023, 1, 1), Precision.YEAR, dt.date(2023, 12, 31)), "2023"),
        (
            FuzzyDate(dt.date(2022, 8, 5), Precision.RANGE, dt.date(2022, 12, 10)),
            "between 5 August and 10 December 2022",
        ),
        (
            FuzzyDate(dt.date(2022, 12, 5), Precision.RANGE, dt.date(2023, 1, 10)),
            "between 5 December 2022 and 10 January 2023",
        ),
        (FuzzyDate(dt.date(2022, 8, 5), Precision.AFTER), "after 5 August 2022"),
        (FuzzyDate(dt.date(2022, 8, 5), Precision.RANGE, None), "after 5 August 2022"),
    ],
)
def test_fuzzy_date_renders_as_precisely_as_it_is_known(date, text):
    assert str(date) == text


def test_a_month_is_never_shown_as_its_first_day():
    assert str(FuzzyDate(dt.date(2023, 1, 1), Precision.MONTH)) != "1 January 2023"


def test_fuzzy_date_of_reads_the_three_columns():
    row = SimpleNamespace(
        birth_on=dt.date(1990, 6, 1),
        birth_precision=Precision.MONTH,
        birth_until=dt.date(1990, 6, 30),
    )
    assert FuzzyDate.of(row, "birth") == FuzzyDate(
        dt.date(1990, 6, 1), Precision.MONTH, dt.date(1990, 6, 30)
    )


def test_fuzzy_date_of_an_empty_date_is_none():
    row = SimpleNamespace(birth_on=None, birth_precision=Precision.DAY, birth_until=None)
    assert FuzzyDate.of(row, "birth") is None


def test_only_a_day_is_exact_and_the_sort_key_is_the_earliest_day():
    assert FuzzyDate(dt.date(2023, 3, 3)).is_exact
    month = FuzzyDate(dt.date(2023, 3, 1), Precision.MONTH, dt.date(2023, 3, 31))
    assert not month.is_exact
    assert month.sort_key == dt.date(2023, 3, 1)


@pytest.mark.parametrize(
    ("on", "precision", "until", "expected"),
    [
        (dt.date(2023, 3, 3), Precision.DAY, None, (dt.date(2023, 3, 3), dt.date(2023, 3, 3))),
        (
            dt.date(2023, 3, 3),
            Precision.DAY,
            dt.date(2024, 1, 1),
            (dt.date(2023, 3, 3), dt.date(2023, 3, 3)),
        ),
        (dt.date(2023, 1, 17), Precision.MONTH, None, (dt.date(2023, 1, 1), dt.date(2023, 1, 31))),
        (dt.date(2024, 2, 10), Precision.MONTH, None, (dt.date(2024, 2, 1), dt.date(2024, 2, 29))),
        (dt.date(2023, 2, 10), Precision.MONTH, None, (dt.date(2023, 2, 1), dt.date(2023, 2, 28))),
        (dt.date(2023, 6, 5), Precision.YEAR, None, (dt.date(2023, 1, 1), dt.date(2023, 12, 31))),
        (
            dt.date(2022, 8, 5),
            Precision.RANGE,
            dt.date(2022, 12, 10),
            (dt.date(2022, 8, 5), dt.date(2022, 12, 10)),
        ),
        (dt.date(2022, 8, 5), Precision.AFTER, dt.date(2022, 12, 10), (dt.date(2022, 8, 5), None)),
        (None, Precision.MONTH, dt.date(2022, 12, 10), (None, None)),
    ],
)
def test_normalise_snaps_the_bounds_to_the_precision(on, precision, until, expected):
    assert normalise(on, precision, until) == expected


@pytest.mark.parametrize(
    ("on", "precision", "until", "message"),
    [
        (dt.date(2022, 8, 5), Precision.RANGE, None, "A range needs its last possible day."),
        (
            dt.date(2022, 8, 5),
            Precision.RANGE,
            dt.date(2022, 8, 4),
            "The last possible day cannot be before the first.",
        ),
        (dt.date(2022, 8, 5), Precision.RANGE, dt.date(2022, 8, 5), None),
        (dt.date(2022, 8, 5), Precision.DAY, None, None),
        (dt.date(2022, 8, 5), Precision.AFTER, None, None),
        (dt.date(2022, 8, 5), Precision.MONTH, dt.date(2022, 1, 1), None),
        (None, Precision.RANGE, None, None),
    ],
)
def test_fuzzy_date_error_names_what_is_wrong(on, precision, until, message):
    assert fuzzy_date_error(on, precision, until) == message


FORMAT_NAMES = ["DATE_FORMAT", "DATETIME_FORMAT", "YEAR_MONTH_FORMAT", "MONTH_DAY_FORMAT"]


@pytest.mark.parametrize("language", ["en", "km"])
def test_the_fast_formatter_writes_what_django_writes(language):
    """``format_date`` splits each format once; its output is Django's, month by month, in
    both languages, for days and for moments."""
    import datetime as dt

    from django.utils import formats

    from cases.dates import format_date

    days = [dt.date(2023, month, day) for month in range(1, 13) for day in (1, 9, 28)]
    moments = [
        dt.datetime(2024, month, 3, hour, minute)
        for month in (1, 7, 12)
        for hour, minute in ((0, 0), (8, 5), (23, 59))
    ]
    with translation.override(language):
        for name in FORMAT_NAMES:
            for value in moments + ([] if name == "DATETIME_FORMAT" else days):
                assert format_date(value, name) == formats.date_format(value, name)


def test_the_fast_formatter_leaves_other_specifiers_to_django(settings):
    """A format with a specifier it does not know (here the weekday) is Django's to write,
    and a changed format applies at once."""
    from django.utils import formats

    from cases.dates import format_date

    day = dt.date(2023, 3, 3)
    settings.FORMAT_MODULE_PATH = None
    settings.DATE_FORMAT = r"l, j \o\f F Y"
    with translation.override(None):
        assert format_date(day) == formats.date_format(day) == "Friday, 3 of March 2023"
