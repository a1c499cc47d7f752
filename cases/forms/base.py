"""Widgets and helpers shared by the forms: fuzzy dates are three inputs (day, precision, until)."""

from __future__ import annotations

from django import forms


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def fuzzy_fields(*prefixes: str) -> list[str]:
    return [f"{p}_{part}" for p in prefixes for part in ("on", "precision", "until")]


def fuzzy_widgets(*prefixes: str) -> dict:
    widgets = {}
    for prefix in prefixes:
        widgets[f"{prefix}_on"] = DateInput()
        widgets[f"{prefix}_until"] = DateInput()
    return widgets
