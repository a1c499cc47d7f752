"""Date formats per language (``FORMAT_MODULE_PATH``), over Django's own.

Code and templates name a format ("DATE_FORMAT", "YEAR_MONTH_FORMAT"...) instead of writing
one, so each language gets its own order and words: "1 January 2023" in English,
"1 ខែ មករា ឆ្នាំ 2023" in Khmer. What a module here leaves out comes from Django's module
for the language.
"""
