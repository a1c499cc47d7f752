"""List filters (django-filter), one module per area; import them from ``cases.filters``."""

from .people import PersonFilter

__all__ = ["PersonFilter"]
