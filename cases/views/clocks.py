"""The legal-clock dashboard: everyone detained now, the most urgent first (supervisors only).

The state and the offence class are computed, not stored, so the court and facility filters
narrow the query and the class and state filters apply to the computed clocks. Every current
detention the user may see is computed (a fixed number of queries), then sorted, counted by
state and paginated in memory.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

import django_filters as df
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from cases import access
from cases.clocks import STATE_LABELS, URGENCY, DetentionClock, detention_clocks, severity_of
from cases.models import Court, Detention, DetentionFacility, OffenceClass
from cases.rules import ClockState

# Everyone on the dashboard is detained now: no clock there has ended.
STATE_CHOICES = sorted(
    ((state, label) for state, label in STATE_LABELS.items() if state != ClockState.ENDED),
    key=lambda item: URGENCY[item[0]],
)


def keep_all(queryset, name, value):
    """Leave the queryset alone: this filter applies to the computed clocks."""
    return queryset


class ClockFilter(df.FilterSet):
    court = df.ModelChoiceFilter(
        label=gettext_lazy("Court"), field_name="case__court", queryset=Court.objects.all()
    )
    facility = df.ModelChoiceFilter(
        label=gettext_lazy("Facility"), queryset=DetentionFacility.objects.order_by("name")
    )
    offence_class = df.ChoiceFilter(
        label=gettext_lazy("Offence class"), choices=OffenceClass.choices, method=keep_all
    )
    state = df.ChoiceFilter(
        label=gettext_lazy("State"),
        choices=STATE_CHOICES,
        method=keep_all,
    )

    class Meta:
        model = Detention
        fields = ["court", "facility", "offence_class", "state"]


def sort_key(clock: DetentionClock) -> tuple:
    """Most urgent first; then the longest unlawful, the nearest deadline, the longest held."""
    return (
        clock.urgency,
        clock.beyond_limit_since or dt.date.max,
        clock.next_deadline or dt.date.max,
        clock.detention.started_on,
        clock.detention.pk,
    )


def state_counts(clocks: Iterable[DetentionClock]) -> list[dict]:
    """Return how many clocks are in each state, the most urgent state first."""
    counts = Counter(clock.state for clock in clocks)
    return [
        {"state": state, "label": label, "count": counts[state], "severity": severity_of(state)}
        for state, label in STATE_CHOICES
        if counts[state]
    ]


@require_safe
def clock_dashboard(request):
    """Show everyone detained now with their legal clock, the most urgent first."""
    if not access.manages_all_cases(request.user):
        raise PermissionDenied(_("Only supervisors see the legal-clock dashboard."))
    today = timezone.localdate()
    detentions = (
        Detention.objects.visible_to(request.user)
        .current(on=today)
        .select_related("person", "case__court", "facility")
        .prefetch_related("extensions")
    )
    filterset = ClockFilter(request.GET, queryset=detentions, request=request)
    valid = filterset.is_valid()
    chosen = filterset.form.cleaned_data if valid else {}
    rows = filterset.qs if valid else detentions.none()
    clocks = sorted(detention_clocks(rows, today=today).values(), key=sort_key)
    if chosen.get("offence_class"):
        clocks = [c for c in clocks if c.offence_class == chosen["offence_class"]]
    counts = state_counts(clocks)
    if chosen.get("state"):
        clocks = [c for c in clocks if c.state == chosen["state"]]
    page = Paginator(clocks, settings.PAGINATE_BY).get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "page_obj": page,
        "clocks": page.object_list,
        "counts": counts,
        "total": len(clocks),
        "today": today,
        "is_filtered": any(v for k, v in request.GET.items() if k != "page"),
    }
    return render(request, "cases/clock_dashboard.html", context)
