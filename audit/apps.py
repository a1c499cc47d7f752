from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from . import hooks, signals

        signals.connect()
        hooks.install_command_hook()
        hooks.install_task_hooks()
        hooks.install_database_hook()
