"""ModelForms, one module per area; import them from ``cases.forms``."""

from .base import DateInput, DateTimeInput, fuzzy_fields, fuzzy_widgets
from .people import PersonForm

__all__ = ["DateInput", "DateTimeInput", "PersonForm", "fuzzy_fields", "fuzzy_widgets"]
