"""The unread-notification count shown in the page header."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject


def notifications(request) -> dict:
    """Return the user's unread count, counted only if a template shows it (one query), unless
    it came with the user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Read with the user, in the same query, when the session loaded it (accounts.backends).
    preloaded = getattr(user, "unread_notification_count", None)
    if preloaded is not None:
        return {"unread_notifications": preloaded}

    def count() -> int:
        from reminders.models import Notification

        return Notification.objects.for_user(user).unread().count()

    return {"unread_notifications": SimpleLazyObject(count)}
