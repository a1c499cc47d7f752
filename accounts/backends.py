"""One authentication backend: Django's model backend behind Axes' lockout check."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import (
    CharField,
    Count,
    OuterRef,
    Q,
    StringAgg,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce, Concat
from django.db.models.query import QuerySet
from django.http import HttpRequest

from monitoring.prepared import Prepared


class LockoutModelBackend(AxesStandaloneBackend, ModelBackend):
    """Refuse a locked-out username and address, then check the password as Django does.

    A single backend rather than Axes' usual pair (its backend, then ModelBackend): with two,
    ``User.objects.with_perm()``, which the case forms use to list users, needs a backend named.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs,
    ):
        super().authenticate(request, username=username, password=password, **kwargs)
        return ModelBackend.authenticate(
            self, request, username=username, password=password, **kwargs
        )

    def get_user(self, user_id):
        """The user of a session, with what every page asks of them read in the same query:
        their unread notification count (the page header, ``reminders.context_processors``)
        and their permissions (the menus and the views' checks), which Django would read
        with a query more. Per request, as before: a permission or group taken away applies
        from the next request on. The query is compiled once per process (``SESSION_USER``)."""
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        found = SESSION_USER(user_id)
        if not found:
            return None
        user = found[0]
        if not user.is_superuser:
            # A superuser has every permission (``get_all_permissions`` reads them if asked).
            names = user.permission_names
            user._perm_cache = set(names.split(SEPARATOR)) if names else set()
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        """The user's own and group permissions in one query, where Django spends two on
        every page (same set, same per-request cache)."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                perms = Permission.objects.all()
            else:
                perms = granted_permissions(user_obj)
            rows = perms.values_list("content_type__app_label", "codename").order_by()
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in rows}
        return user_obj._perm_cache


# Between permission names in ``permission_names``: a name is "app_label.codename", where
# neither part holds a control character.
SEPARATOR = "\x1f"


def granted_permissions(user):
    """The permissions given to a user directly or through a group.

    ``user`` is a user, or, inside a subquery, the ``OuterRef`` that names them. Two ``IN``
    lists rather than Django's joins through both link tables (``Q(user=...) |
    Q(group__user=...)``), which PostgreSQL plans ten times slower.
    """
    User = get_user_model()
    own = User.user_permissions.through.objects.filter(user=user).values("permission_id")
    through_groups = Permission.group_set.through.objects.filter(group__user=user).values(
        "permission_id"
    )
    return Permission.objects.filter(Q(pk__in=own) | Q(pk__in=through_groups))


def permission_names() -> Subquery:
    """A subquery for the users' query: each user's "app_label.codename" permission names,
    joined by SEPARATOR (NULL when none), the same set as ``get_all_permissions`` reads for a
    user who is not a superuser."""
    name = Concat("content_type__app_label", Value("."), "codename", output_field=CharField())
    names = (
        granted_permissions(OuterRef(OuterRef("pk")))
        .order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(names=StringAgg(name, Value(SEPARATOR)))
        .values("names")
    )
    return Subquery(names, output_field=TextField())


def session_user(user_id) -> QuerySet:
    """The user with their unread notification count and their permission names."""
    from reminders.models import Notification

    unread = (
        Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        get_user_model()
        ._default_manager.annotate(
            unread_notification_count=Coalesce(Subquery(unread), 0),
            permission_names=permission_names(),
        )
        .filter(pk=user_id)
    )


# Every request reads it: compiled once (its subqueries cost more to compile than to run).
SESSION_USER = Prepared(session_user)
