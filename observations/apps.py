from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObservationsConfig(AppConfig):
    """Fair-trial observation of hearings: the checklist, what monitors saw, the roll-up."""

    name = "observations"
    verbose_name = _("Fair-trial observation")
