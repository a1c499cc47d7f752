"""Start an export, write it (CSV stream, XLSX file), run background jobs, hand out downloads.

An export reads its list's rows once, through ``values_list(...).iterator(chunk_size=...)``:
one query whatever the number of rows, a bounded number of rows in memory. Rows are converted
and written a batch at a time (``EXPORT_CHUNK_ROWS``), one chunk of output per batch.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import os
import secrets
import uuid
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone, translation

import audit
from audit.models import Action
from monitoring import background

from .columns import Context, Plan, compile_columns
from .lists import LISTS, ExportList
from .models import ExportJob, Format, Profile, export_folder
from .spreadsheet import BOM
from .xlsx import SheetWriter

log = logging.getLogger(__name__)

EXPORT_PERMISSION = "cases.export_case"
FULL_PERMISSION = "cases.export_full"
DROPPED_PARAMETERS = ("page", "profile")


class ExportRefused(Exception):
    """Raised when a user may not (or may no longer) have an export."""


def may_export(user) -> bool:
    return user.is_active and user.has_perm(EXPORT_PERMISSION)


def may_export_full(user) -> bool:
    return may_export(user) and user.has_perm(FULL_PERMISSION)


def filter_query(query: QueryDict) -> str:
    """Return the list's query string without what only concerns the page or the export."""
    kept = query.copy()
    for key in DROPPED_PARAMETERS:
        kept.pop(key, None)
    return kept.urlencode()


def plan_for(export_list: ExportList, profile: str) -> Plan:
    """Compile the list's columns in the active language."""
    return compile_columns(export_list.columns, profile, Context())


def rows_of(job: ExportJob) -> QuerySet:
    export_list = LISTS[job.list_name]
    return export_list.rows(user=job.user, profile=job.profile, query=QueryDict(job.query))


def start_export(
    *, user, export_list: ExportList, fmt: str, profile: str, query: QueryDict
) -> ExportJob:
    """Record the export asked for (job row and audit event) and count its rows.

    An XLSX export of more than ``EXPORT_XLSX_DIRECT_MAX_ROWS`` rows is queued to be built in
    the background (after the commit); the others are written in the response.
    """
    if not may_export(user) or (profile == Profile.FULL and not may_export_full(user)):
        raise ExportRefused
    purge_exports()
    filters = filter_query(query)
    total = export_list.rows(user=user, profile=profile, query=QueryDict(filters)).count()
    later = fmt == Format.XLSX and total > settings.EXPORT_XLSX_DIRECT_MAX_ROWS
    now = timezone.now()
    job = ExportJob.objects.create(
        user=user,
        list_name=export_list.name,
        format=fmt,
        profile=profile,
        query=filters,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        background=later,
        status=ExportJob.Status.QUEUED if later else ExportJob.Status.RUNNING,
        total_rows=total,
        started_at=None if later else now,
        heartbeat_at=now,
        token=secrets.token_urlsafe(32) if later else "",
    )
    audit.record(
        action=Action.EXPORT,
        obj=job,
        actor=user,
        detail={
            "list": export_list.name,
            "format": fmt,
            "profile": profile,
            "rows": total,
            "filter": filters or "(none)",
        },
    )
    if later:
        transaction.on_commit(lambda: dispatch(job.pk))
    return job


def batches(plan: Plan, rows: QuerySet, size: int) -> Iterator[list[list]]:
    """Yield the converted rows, ``size`` at a time, from one streaming query."""
    convert = plan.convert
    iterator = rows.values_list(*plan.fields).iterator(chunk_size=size)
    while batch := [convert(row) for row in islice(iterator, size)]:
        yield batch


def csv_chunks(job: ExportJob, rows: QuerySet) -> Iterator[bytes]:
    """Yield the CSV (UTF-8 with a BOM, for spreadsheet programs) one batch of rows at a time.

    The job is marked sent with the number of rows once the last chunk is out, or failed when
    the download stops half-way.
    """
    written, complete = 0, False
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            plan = plan_for(LISTS[job.list_name], job.profile)
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            buffer.write(BOM)
            writer.writerow(plan.headers)
            for batch in batches(plan, rows, settings.EXPORT_CHUNK_ROWS):
                writer.writerows(batch)
                written += len(batch)
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
            yield buffer.getvalue().encode()
            complete = True
    finally:
        if complete:
            finish(job, rows=written, status=ExportJob.Status.SENT)
        else:
            finish(job, rows=written, status=ExportJob.Status.FAILED, error="interrupted")


def write_xlsx(
    job: ExportJob,
    rows: QuerySet,
    target,
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the XLSX to ``target`` (a path or a binary file); return the number of rows."""
    export_list = LISTS[job.list_name]
    with translation.override(job.language or settings.LANGUAGE_CODE):
        plan = plan_for(export_list, job.profile)
        sheet = SheetWriter(target, title=str(export_list.title), headers=plan.headers)
        written = 0
        for batch in batches(plan, rows, settings.EXPORT_CHUNK_ROWS):
            sheet.write_rows(batch)
            written += len(batch)
            if progress is not None:
                progress(written)
        sheet.close()
    return written


def xlsx_now(job: ExportJob, rows: QuerySet) -> bytes:
    """Return a small XLSX export at once."""
    buffer = io.BytesIO()
    written = write_xlsx(job, rows, buffer)
    finish(job, rows=written, status=ExportJob.Status.SENT)
    return buffer.getvalue()


def finish(job: ExportJob, *, rows: int, status: str, error: str = "", **fields) -> None:
    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(
        status=status, rows_done=rows, finished_at=now, heartbeat_at=now, error=error, **fields
    )


def file_name_for(job: ExportJob) -> str:
    today = timezone.localdate().isoformat()
    return f"{job.list_name}-{today}.{job.format}"


# Background jobs ----------------------------------------------------------------------------


def dispatch(job_id: int) -> None:
    """Build the job on Celery when Redis is configured, else in a thread of this process.

    At most ``EXPORT_THREADS`` export threads run at once (``monitoring/background.py``).
    """
    background.submit(
        "exports.tasks.build_export",
        job_id,
        name=f"export-{job_id}",
        limit=settings.EXPORT_THREADS,
    )


def claim(job_id: int, *, now: dt.datetime) -> ExportJob | None:
    """Take a queued job (or one whose worker died) for this worker; None if someone has it."""
    stale = now - dt.timedelta(seconds=settings.EXPORT_STALE_SECONDS)
    jobs = ExportJob.objects.filter(pk=job_id, background=True)
    waiting = jobs.filter(status=ExportJob.Status.QUEUED)
    abandoned = jobs.filter(status=ExportJob.Status.RUNNING, heartbeat_at__lt=stale)
    name = f"{uuid.uuid4().hex}.xlsx"
    for candidates in (waiting, abandoned):
        if candidates.update(
            status=ExportJob.Status.RUNNING,
            started_at=now,
            heartbeat_at=now,
            rows_done=0,
            file_name=name,
        ):
            return ExportJob.objects.select_related("user").get(pk=job_id)
    return None


def run_export_job(*, job_id: int) -> str:
    """Build a background export into the private folder and make its link live."""
    job = claim(job_id, now=timezone.now())
    if job is None:
        return "not claimed"
    if not may_export(job.user) or (job.profile == Profile.FULL and not may_export_full(job.user)):
        finish(job, rows=0, status=ExportJob.Status.FAILED, error="no longer allowed")
        return "refused"
    folder = export_folder()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    final = folder / job.file_name
    partial = final.with_name(final.name + ".part")

    def progress(rows: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(rows_done=rows, heartbeat_at=timezone.now())

    try:
        with private_file(partial) as out:
            written = write_xlsx(job, rows_of(job), out, progress=progress)
        partial.rename(final)
    except Exception:
        partial.unlink(missing_ok=True)
        log.exception("export %s failed", job.pk)
        finish(job, rows=0, status=ExportJob.Status.FAILED, error="error")
        return "failed"
    expires = timezone.now() + dt.timedelta(hours=settings.EXPORT_LINK_HOURS)
    finish(
        job,
        rows=written,
        status=ExportJob.Status.READY,
        total_rows=max(job.total_rows, written),
        size=final.stat().st_size,
        expires_at=expires,
    )
    return "ready"


def private_file(path: Path):
    """Open a new file only its owner may read (the process's umask may be looser)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return os.fdopen(descriptor, "wb")


# Downloads and clean-up ---------------------------------------------------------------------


def take_download(job: ExportJob, *, now: dt.datetime):
    """Mark the job downloaded, once, and return its open file (already unlinked), or None.

    The file leaves the disk as the download starts: a second request finds nothing.
    """
    taken = ExportJob.objects.filter(
        pk=job.pk, status=ExportJob.Status.READY, expires_at__gt=now
    ).update(status=ExportJob.Status.DOWNLOADED, downloaded_at=now)
    if not taken or job.path is None:
        return None
    try:
        handle = job.path.open("rb")
    except FileNotFoundError:
        return None
    job.path.unlink(missing_ok=True)
    return handle


def purge_exports(*, now: dt.datetime | None = None) -> int:
    """Delete the files of expired links and of jobs that died; return how many jobs changed."""
    now = now or timezone.now()
    changed = 0
    for job in ExportJob.objects.expired(now=now):
        remove_files(job)
        changed += ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.READY).update(
            status=ExportJob.Status.EXPIRED
        )
    stale = now - dt.timedelta(seconds=settings.EXPORT_STALE_SECONDS)
    dead = ExportJob.objects.filter(
        status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING], heartbeat_at__lt=stale
    )
    for job in dead:
        remove_files(job)
        changed += ExportJob.objects.filter(pk=job.pk, heartbeat_at__lt=stale).update(
            status=ExportJob.Status.FAILED, error="interrupted", finished_at=now
        )
    return changed


def remove_files(job: ExportJob) -> None:
    if job.path is not None:
        job.path.unlink(missing_ok=True)
        job.path.with_name(job.path.name + ".part").unlink(missing_ok=True)
