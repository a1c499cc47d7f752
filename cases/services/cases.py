"""Writes on cases that go beyond one row."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from cases import access
from cases.models import Case


@transaction.atomic
def open_case(
    *, case: Case, opened_by: AbstractBaseUser, monitors: Iterable[AbstractBaseUser] = ()
) -> Case:
    """Validate and save a new case, then assign its monitors and its creator."""
    if not case.reference:
        case.reference = Case.next_reference()
    case.full_clean()
    case.save()
    assigned = list(monitors)
    # A monitor may only edit the cases assigned to them: without this, the case they have
    # just opened would be read-only to them. Supervisors edit every case already.
    if not access.manages_all_cases(opened_by) and opened_by not in assigned:
        assigned.append(opened_by)
    case.monitors.set(assigned)
    return case
