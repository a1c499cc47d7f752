"""English dates as the monitors' sources write them: "1 January 2023", "January 2023".

Django's English formats ("Jan. 1, 2023, 2:30 p.m.") are American; the report and the
courts use day, month, year and a 24-hour clock.
"""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
