"""Upload a file, watch its check, read the report row by row, confirm or cancel.

Supervisors and admins import (``Kind.may_import``); anyone else gets 403 before any job is
looked up. A job is its uploader's: anyone else gets 404.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from exports.spreadsheet import CSV_TYPE

from . import services
from .downloads import errors_csv, template_file
from .forms import UploadForm
from .kinds import KINDS
from .models import ImportJob
from .runner import LIVE

SHOW = {
    "all": lambda rows: rows,
    "errors": lambda rows: rows.with_errors(),
    "warnings": lambda rows: rows.with_warnings(),
}


def importable_kinds(user) -> list:
    return [kind for kind in KINDS.values() if kind.may_import(user)]


def require_importer(request) -> None:
    if not importable_kinds(request.user):
        raise PermissionDenied(_("Only supervisors and admins import files."))


def own_job(request, pk) -> ImportJob:
    require_importer(request)
    return get_object_or_404(ImportJob.objects.owned_by(request.user), pk=pk)


@require_http_methods(["GET", "HEAD", "POST"])
def import_list(request):
    """Upload a file, and list the user's imports."""
    require_importer(request)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        job = services.create_job(
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
            file_format=form.cleaned_data["file_format"],
            by=request.user,
        )
        return redirect(job)
    jobs = Paginator(ImportJob.objects.owned_by(request.user), settings.PAGINATE_BY)
    page = jobs.get_page(request.GET.get("page"))
    return render(
        request,
        "imports/import_list.html",
        {
            "form": form,
            "kinds": importable_kinds(request.user),
            "page_obj": page,
            "jobs": page.object_list,
        },
    )


@require_safe
def template_download(request, kind, file_format):
    """Return the blank CSV or XLSX of a kind, with its header row and hints."""
    require_importer(request)
    if kind not in KINDS or file_format not in ("csv", "xlsx"):
        raise Http404
    if not KINDS[kind].may_import(request.user):
        raise PermissionDenied
    content, content_type, name = template_file(kind, file_format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_safe
def job_detail(request, pk):
    """Show where the job is: progress while it runs, then the report row by row."""
    job = own_job(request, pk)
    show = request.GET.get("show", "all")
    if show not in SHOW:
        show = "all"
    page = None
    if job.shows_rows:
        rows = SHOW[show](job.rows.all())
        page = Paginator(rows, settings.PAGINATE_BY).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/job.html",
        {
            "job": job,
            "kind": KINDS[job.kind],
            "processed": live_progress(job),
            "planned": describe_counts(job.planned, PLANNED),
            "written": describe_counts(job.written, WRITTEN),
            "page_obj": page,
            "rows": page.object_list if page else [],
            "show": show,
        },
    )


PLANNED = {"create": _lazy("To add"), "update": _lazy("To change")}
WRITTEN = {"create": _lazy("Added"), "update": _lazy("Changed")}


def describe_counts(counts: dict, verbs: dict) -> list[tuple[str, str]]:
    """Return ``[("To add", "3 people, 2 detentions"), ...]`` from a job's counts."""
    lines = []
    for verb, by_model in counts.items():
        parts = []
        for model_name, n in sorted(by_model.items()):
            meta = apps.get_model("cases", model_name)._meta
            parts.append(f"{n} {meta.verbose_name if n == 1 else meta.verbose_name_plural}")
        if parts:
            lines.append((str(verbs.get(verb, verb)), ", ".join(parts)))
    return lines


def live_progress(job: ImportJob) -> int:
    """Return the rows done: the job row, or this process's memory when it knows more."""
    if job.is_running:
        return max(job.processed_rows, LIVE.get(job.pk, 0))
    return job.processed_rows


@require_safe
def job_status(request, pk):
    """Return the job's state as JSON, for the progress page to poll."""
    job = own_job(request, pk)
    processed = live_progress(job)
    return JsonResponse(
        {
            "status": job.status,
            "label": job.get_status_display(),
            "running": job.is_running,
            "stalled": job.is_stalled,
            "processed": processed,
            "total": job.total_rows,
            "percent": min(100, round(100 * processed / job.total_rows))
            if job.total_rows
            else None,
            "url": reverse("imports:job", args=[job.pk]),
        }
    )


@require_safe
def job_errors(request, pk):
    """Return the errors of a checked file as CSV (row, column, value, message), to correct it."""
    job = own_job(request, pk)
    if not job.shows_rows:  # no report (yet, or any more)
        raise Http404
    response = StreamingHttpResponse(errors_csv(job), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response


@require_POST
def job_confirm(request, pk):
    """Import the checked rows (once: a second confirmation changes nothing)."""
    job = own_job(request, pk)
    if not KINDS[job.kind].may_import(request.user):  # the permissions changed since the upload
        raise PermissionDenied(_("You may no longer import this kind of file."))
    if services.confirm_job(job=job, by=request.user):
        messages.success(request, _("Import confirmed: the rows are being written."))
    elif job.status in (ImportJob.Status.IMPORTING, ImportJob.Status.DONE):
        messages.info(request, _("This import was confirmed already; nothing was done twice."))
    else:
        messages.error(
            request,
            _("This import cannot be confirmed: %(status)s.")
            % {"status": job.get_status_display()},
        )
    return redirect(job)


@require_POST
def job_cancel(request, pk):
    """Cancel a job that has not finished; nothing it checked is written."""
    job = own_job(request, pk)
    if services.cancel_job(job=job, by=request.user):
        messages.success(request, _("Import cancelled: nothing was written."))
    else:
        messages.info(request, _("This import has finished; there is nothing to cancel."))
    return redirect(job)
