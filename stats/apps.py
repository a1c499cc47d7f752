from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    """Counts for a period, by sex, role, province, category and court; read-only."""

    name = "stats"
    verbose_name = _("Statistics")
