"""A user's own settings of the application (for now: the language of the interface)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def language_choices() -> list[tuple[str, str]]:
    """Return the languages of the interface (read when used, not at import)."""
    return list(settings.LANGUAGES)


class AccountSettings(models.Model):
    """One user's settings; the language is empty while they keep the browser's."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="account_settings",
    )
    language = models.CharField(
        _("language"),
        max_length=15,
        choices=language_choices,
        blank=True,
        help_text=_("Empty: the language this browser asks for."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("account settings")
        verbose_name_plural = _("account settings")

    def __str__(self) -> str:
        return f"{self.user} ({self.language or '-'})"
