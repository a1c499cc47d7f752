from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    """One search box over people and cases: PostgreSQL full text and trigrams, or SQLite."""

    name = "search"
    verbose_name = _("Search")
