"""Khmer dates: "1 ខែ មករា ឆ្នាំ 2023" ("day 1, month January, year 2023").

Django's Khmer module gives DATE_FORMAT and DATETIME_FORMAT in this style; it has no month
and year format, and its MONTH_DAY_FORMAT drops the word for month. The month names come
from the catalogue (monitoring/date_strings.py lists them for the translators).
"""

DATE_FORMAT = "j ខែ F ឆ្នាំ Y"
DATETIME_FORMAT = "j ខែ F ឆ្នាំ Y, H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "ខែ F ឆ្នាំ Y"
MONTH_DAY_FORMAT = "j ខែ F"
