from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = _("Accounts and security")

    def ready(self) -> None:
        from accounts import signals  # noqa: F401  (connects the security-event receivers)


class SecureAdminConfig(admin_apps.AdminConfig):
    """The Django admin, on a site that asks for the second factor (``SecureAdminSite``)."""

    default = False  # named explicitly in INSTALLED_APPS, in place of django.contrib.admin
    default_site = "accounts.admin_site.SecureAdminSite"
