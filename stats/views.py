"""The statistics page and the download of each of its tables (read-only)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

import audit
from audit.models import Action

from . import charts, downloads
from .forms import DownloadForm, PeriodForm
from .statistics import DIMENSION_KEYS, Statistics, Table

# Who may see the page sees its tables, so may download them: numbers only, the same as on
# screen, each download in the audit trail. (Record-level exports need cases.export_case.)
PERMISSION = "cases.view_case"


def download_links(table: Table, chosen: dict) -> dict[str, str]:
    """Return the address of each download of a table, for the period on the page."""
    query = {
        "start": chosen["start"].isoformat(),
        "end": chosen["end"].isoformat(),
        "measure": chosen["measure"],
        "table": table.key,
    }
    base = reverse("stats:download")
    return {fmt: f"{base}?{urlencode({**query, 'format': fmt})}" for fmt in downloads.FORMATS}


def shown(table: Table, chosen: dict) -> dict:
    """Return what the page needs of a table: itself, its chart and its downloads."""
    return {
        "table": table,
        "chart": charts.bar_chart(table),
        "links": download_links(table, chosen),
    }


@require_safe
@permission_required(PERMISSION, raise_exception=True)
def statistics_page(request):
    """Show the counts of a period, by sex and minors, by role, province, category and court."""
    form = PeriodForm.from_query(request.GET)
    context = {"form": form}
    if not form.is_bound or form.is_valid():
        today = timezone.localdate()
        chosen = form.chosen()
        period = form.period(today=today)
        stats = Statistics(user=request.user, period=period)
        tables = stats.page(measure=chosen["measure"])
        context.update(
            period=period,
            summary=shown(tables["summary"], chosen),
            breakdowns=[shown(table, chosen) for table in tables["breakdowns"]],
            sentences=shown(tables["sentences"], chosen),
            hearings=[shown(table, chosen) for table in tables["hearings"]],
            followups=shown(tables["followups"], chosen),
            occupancy=shown(tables["occupancy"], chosen),
        )
    status = 200 if not form.is_bound or form.is_valid() else 400
    return render(request, "stats/statistics.html", context, status=status)


@require_safe
@permission_required(PERMISSION, raise_exception=True)
def download(request):
    """Send one table of the page as CSV or XLSX, and record the download."""
    form = PeriodForm.from_query(request.GET)
    choice = DownloadForm(
        {
            "table": request.GET.get("table") or "summary",
            "format": request.GET.get("format") or "csv",
        }
    )
    if (form.is_bound and not form.is_valid()) or not choice.is_valid():
        context = {"form": form, "download_errors": choice.errors}
        return render(request, "stats/statistics.html", context, status=400)
    chosen = form.chosen()
    key, fmt = choice.cleaned_data["table"], choice.cleaned_data["format"]
    stats = Statistics(user=request.user, period=form.period(today=timezone.localdate()))
    table = stats.table(key, measure=chosen["measure"])
    audit.record(
        action=Action.EXPORT,
        detail={
            "statistics": key,
            "format": fmt,
            "start": chosen["start"].isoformat(),
            "end": chosen["end"].isoformat(),
            "measure": chosen["measure"],
            "rows": len(table.rows),
        },
    )
    what = f"{chosen['measure']}-by-{key}" if key in DIMENSION_KEYS else key
    name = f"statistics-{what}-{chosen['start'].isoformat()}-{chosen['end'].isoformat()}.{fmt}"
    response = HttpResponse(downloads.render(table, fmt), content_type=downloads.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
