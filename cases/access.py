"""Who may do what: the role vocabulary, answered from permissions (never group names)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ROLE_MONITOR = "Field monitor"
ROLE_SUPERVISOR = "Supervisor"
ROLE_EXPORTER = "Exporter"
ROLE_ADMIN = "Admin"
ROLES = (ROLE_MONITOR, ROLE_SUPERVISOR, ROLE_EXPORTER, ROLE_ADMIN)
ROLE_LABELS = {
    ROLE_MONITOR: _("Field monitor"),
    ROLE_SUPERVISOR: _("Supervisor"),
    ROLE_EXPORTER: _("Exporter"),
    ROLE_ADMIN: _("Admin"),
}


def sees_all_cases(user) -> bool:
    """Return True when the user sees restricted cases they are not assigned to."""
    return user.is_authenticated and user.has_perm("cases.view_restricted_case")


def manages_all_cases(user) -> bool:
    """Return True when the user may edit every case they can see (supervisors, admins)."""
    return user.is_authenticated and user.has_perm("cases.manage_all_cases")


def sees_protected_identities(user) -> bool:
    return user.is_authenticated and user.has_perm("cases.view_protected_identity")


def is_supervisor(user) -> bool:
    return manages_all_cases(user)


def role_of(user) -> str:
    """Return the main role of a user for the home page, the most powerful first."""
    if not user.is_authenticated:
        return ""
    if user.is_superuser:
        return ROLE_ADMIN
    names = set(user.groups.values_list("name", flat=True))
    for role in (ROLE_ADMIN, ROLE_SUPERVISOR, ROLE_MONITOR, ROLE_EXPORTER):
        if role in names:
            return role
    return ""
