"""Export a list, follow a background export, download it once, see one's exports."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

import audit

from .lists import LISTS
from .models import ExportJob, Format, Profile
from .services import (
    EXPORT_PERMISSION,
    csv_chunks,
    file_name_for,
    may_export_full,
    rows_of,
    start_export,
    take_download,
    xlsx_now,
)
from .spreadsheet import CSV_TYPE, XLSX_TYPE

CONTENT_TYPES = {Format.CSV: CSV_TYPE, Format.XLSX: XLSX_TYPE}
HISTORY_PAGE = 25


@require_safe
@permission_required(EXPORT_PERMISSION, raise_exception=True)
def export(request, list_name: str, fmt: str):
    """Export the list with the filter of its query string: streamed, sent, or queued."""
    export_list = LISTS.get(list_name)
    if export_list is None or fmt not in Format.values:
        raise Http404
    profile = request.GET.get("profile") or Profile.REDACTED
    if profile not in Profile.values:
        return HttpResponseBadRequest(_("Unknown export profile."))
    if profile == Profile.FULL and not may_export_full(request.user):
        raise PermissionDenied(_("You may not export unredacted data."))
    job = start_export(
        user=request.user, export_list=export_list, fmt=fmt, profile=profile, query=request.GET
    )
    if job.background:
        return redirect(job)
    rows = rows_of(job)
    if fmt == Format.CSV:
        response = StreamingHttpResponse(csv_chunks(job, rows), content_type=CONTENT_TYPES[fmt])
    else:
        response = HttpResponse(xlsx_now(job, rows), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{file_name_for(job)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
@permission_required(EXPORT_PERMISSION, raise_exception=True)
def history(request):
    """List the user's own exports, newest first."""
    page = Paginator(ExportJob.objects.of(request.user), HISTORY_PAGE).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    for job in page.object_list:
        describe(job, now=now)
    context = {
        "page_obj": page,
        "jobs": page.object_list,
        "link_hours": settings.EXPORT_LINK_HOURS,
    }
    return render(request, "exports/history.html", context)


def own_job(request, pk: int) -> ExportJob:
    """Return the user's job; anyone else's answers 404, as a missing one."""
    return get_object_or_404(ExportJob.objects.of(request.user), pk=pk)


@require_safe
@permission_required(EXPORT_PERMISSION, raise_exception=True)
def job_detail(request, pk: int):
    """Show a background export's progress, then its one-time download link."""
    job = describe(own_job(request, pk), now=timezone.now())
    return render(request, "exports/job.html", {"job": job})


@require_safe
@permission_required(EXPORT_PERMISSION, raise_exception=True)
def job_status(request, pk: int):
    """Return the job's progress as JSON, for the progress page's script."""
    job = describe(own_job(request, pk), now=timezone.now())
    return JsonResponse(
        {
            "status": job.status,
            "label": job.state_label,
            "rows_done": job.rows_done,
            "total_rows": job.total_rows,
            "percent": job.percent,
            "finished": job.is_finished or job.stale,
            "download_url": job.download_url() if job.downloadable else "",
        }
    )


@require_safe
@permission_required(EXPORT_PERMISSION, raise_exception=True)
def download(request, pk: int, token: str):
    """Send the file once to the user who asked for it; afterwards the link is gone (410)."""
    job = own_job(request, pk)
    if not job.token or not secrets.compare_digest(job.token, token):
        raise Http404
    handle = take_download(job, now=timezone.now())
    if handle is None:
        job.refresh_from_db()
        context = {"job": describe(job, now=timezone.now())}
        return render(request, "exports/gone.html", context, status=410)
    audit.record(
        action="export_download",
        obj=job,
        detail={"list": job.list_name, "format": job.format, "profile": job.profile},
    )
    response = FileResponse(
        handle, as_attachment=True, filename=file_name_for(job), content_type=XLSX_TYPE
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def describe(job: ExportJob, *, now) -> ExportJob:
    """Add what the pages show about a job: its title, state and links."""
    export_list = LISTS.get(job.list_name)
    job.title = export_list.title if export_list else job.list_name
    job.stale = job.is_stale(now=now)
    job.downloadable = job.is_downloadable(now=now)
    job.state_label = _("Interrupted") if job.stale else job.get_status_display()
    query = f"?{job.query}" if job.query else ""
    job.list_link = reverse(export_list.list_url) + query if export_list else ""
    again = f"{job.query}&profile={job.profile}" if job.query else f"profile={job.profile}"
    job.again_link = reverse("exports:export", args=[job.list_name, job.format]) + "?" + again
    return job
