"""What each role's home page shows: a few bounded queries, no per-row work."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from cases import access
from cases.models import Case, Detention, FollowUp, Hearing

HOME_ROWS = 10


def monitor_home(user) -> dict:
    now = timezone.now()
    hearings = (
        Hearing.objects.visible_to(user)
        .upcoming(now=now)
        .filter(Q(monitor=user) | Q(case__monitors=user))
        .distinct()
        .for_list()
        .order_by("scheduled_at")[:HOME_ROWS]
    )
    followups = (
        FollowUp.objects.visible_to(user)
        .open()
        .filter(owner=user)
        .for_list()
        .order_by("due_on", "pk")[:HOME_ROWS]
    )
    my_cases = Case.objects.visible_to(user).assigned_to(user).open().for_list()[:HOME_ROWS]
    return {"my_hearings": hearings, "my_followups": followups, "my_cases": my_cases}


def supervisor_home(user) -> dict:
    now = timezone.now()
    cases = Case.objects.visible_to(user).open()
    by_stage = {row["stage"]: row["n"] for row in cases.values("stage").annotate(n=Count("pk"))}
    stages = [(label, by_stage.get(value, 0), value) for value, label in Case.Stage.choices]
    detained = Detention.objects.visible_to(user).current(on=timezone.localdate())
    return {
        "stages": stages,
        "detained_count": detained.values("person").distinct().count(),
        "detained": detained.for_list().order_by("started_on", "pk")[:HOME_ROWS],
        "unmonitored_hearings": Hearing.objects.visible_to(user)
        .upcoming(now=now)
        .without_monitor()
        .for_list()
        .order_by("scheduled_at")[:HOME_ROWS],
    }


def home_context(user) -> dict:
    role = access.role_of(user)
    context = {"role": role}
    if role == access.ROLE_MONITOR:
        context.update(monitor_home(user))
    elif role in (access.ROLE_SUPERVISOR, access.ROLE_ADMIN):
        context.update(supervisor_home(user))
        context.update(monitor_home(user))
    else:
        context["recent_cases"] = (
            Case.objects.visible_to(user).for_list().order_by("-updated_at")[:HOME_ROWS]
        )
    return context
