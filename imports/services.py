"""Upload, check, confirm, import, cancel: the life of an import job.

The check reads the file and validates every row with the models' rules, writing nothing but
its report (``ImportRow``). The import runs the same code again inside one transaction, saving
as it validates: if any row now fails (someone changed the records since the check), the
transaction is rolled back, nothing is written and the report says which rows and why.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePath
from types import SimpleNamespace

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

import audit
from audit.context import Actor, acting_as

from .files import FileRefused, Limits, Table, read_table
from .kinds import KINDS, RowCheck, Run
from .models import ImportJob, ImportRow
from .runner import LIVE, Lost, Progress, enqueue, side_connection

log = logging.getLogger(__name__)
Status = ImportJob.Status


class RowsFailed(Exception):
    """Rows failed when the import validated them again: roll everything back."""

    def __init__(self, rows: list[RowCheck]):
        super().__init__(f"{len(rows)} rows failed")
        self.rows = rows


# Upload, confirm, cancel (from the views) -----------------------------------------------------


@transaction.atomic
def create_job(*, kind: str, upload: UploadedFile, file_format: str, by) -> ImportJob:
    """Keep the uploaded file privately and queue its check."""
    purge_old_jobs()
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    job = ImportJob(
        kind=kind,
        file_format=file_format,
        original_name=PurePath(upload.name or "upload").name[:200],
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        language=translation.get_language() or settings.LANGUAGE_CODE,
        created_by=by,
    )
    job.upload.save(f"upload.{file_format}", upload, save=False)
    job.save()
    enqueue(job.pk, "check")
    return job


def confirm_job(*, job: ImportJob, by) -> bool:
    """Queue the import of a checked job; False when it was confirmed already (or not ready)."""
    confirmed = ImportJob.objects.filter(pk=job.pk, status=Status.READY).update(
        status=Status.IMPORTING,
        confirmed_at=timezone.now(),
        updated_at=timezone.now(),
        processed_rows=0,
    )
    if confirmed:
        enqueue(job.pk, "import")
    return bool(confirmed)


def cancel_job(*, job: ImportJob, by) -> bool:
    """Stop a job that has not finished; an import under way is rolled back."""
    cancelled = ImportJob.objects.filter(
        pk=job.pk, status__in=[*ImportJob.RUNNING, Status.READY]
    ).update(status=Status.CANCELLED, finished_at=timezone.now(), runner="")
    if cancelled:
        discard(job)
    return bool(cancelled)


def purge_old_jobs(*, now: dt.datetime | None = None) -> int:
    """Delete the files and row reports of jobs older than ``IMPORT_KEEP_DAYS``."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.IMPORT_KEEP_DAYS)
    old = ImportJob.objects.filter(created_at__lt=cutoff)
    old.filter(status__in=[*ImportJob.RUNNING, Status.READY]).update(
        status=Status.CANCELLED, finished_at=timezone.now(), runner=""
    )
    for job in old.exclude(upload=""):
        discard(job)
    deleted, _by_model = ImportRow.objects.filter(job__in=old).delete()
    return deleted


def discard(job: ImportJob) -> None:
    """Delete the uploaded file: a finished job keeps its report, not the data."""
    if job.upload.name:
        job.upload.storage.delete(job.upload.name)
        ImportJob.objects.filter(pk=job.pk).update(upload="")


# The background steps ------------------------------------------------------------------------


def run_step(*, job_id: int, step: str) -> str:
    """Run a job's "check" or "import" step: what the Celery task and the thread call."""
    if step == "check":
        return check_job(job_id=job_id)
    if step == "import":
        return import_job(job_id=job_id)
    raise ValueError(f"unknown import step {step!r}")


@contextmanager
def working_for(job: ImportJob) -> Iterator[None]:
    """Act as the uploader (the audit trail names them) in the language they uploaded in."""
    actor = Actor(request=SimpleNamespace(user=job.created_by), request_id=f"import-{job.pk}")
    with translation.override(job.language), acting_as(actor):
        yield


def claim(job_id: int, *, statuses: list[str], status: str) -> tuple[ImportJob, str] | None:
    """Take the job for this run (a redelivered task takes it over from a dead one)."""
    token = uuid.uuid4().hex
    claimed = ImportJob.objects.filter(pk=job_id, status__in=statuses).update(
        status=status, runner=token, updated_at=timezone.now(), processed_rows=0
    )
    if not claimed:
        return None
    return ImportJob.objects.select_related("created_by").get(pk=job_id), token


def finish(job: ImportJob, token: str, *, status: str, **fields) -> bool:
    """Record the end of a step, unless the job was cancelled or taken over meanwhile."""
    now = timezone.now()
    if status in ImportJob.FINISHED:
        fields["finished_at"] = now
    done = (
        ImportJob.objects.filter(pk=job.pk, runner=token)
        .exclude(status=Status.CANCELLED)
        .update(status=status, updated_at=now, **fields)
    )
    if done and status in ImportJob.FINISHED and status != Status.DONE:
        discard(job)
    return bool(done)


def source_label(job: ImportJob) -> str:
    return f"import #{job.pk}: {job.original_name}"


def open_rows(job: ImportJob, run: Run) -> tuple[Table, Iterator[RowCheck]]:
    """Read the job's file and return its table and its rows, each checked as it comes."""
    kind = KINDS[job.kind]
    limits = Limits.from_settings()
    if not job.upload.name:
        raise FileRefused(_("The uploaded file is gone: upload it again."))
    with job.upload.open("rb") as stored:
        data = stored.read(limits.max_bytes + 1)
    if hashlib.sha256(data).hexdigest() != job.sha256:
        raise FileRefused(_("The stored file has changed since it was uploaded: upload it again."))
    table = read_table(io.BytesIO(data), job.file_format, limits)
    positions = kind.positions(table.header)
    width = len(table.header)

    def rows() -> Iterator[RowCheck]:
        for raw in table.rows:
            row = RowCheck.from_raw(raw, positions, width)
            if row.ok:  # a shifted row's values are not what their columns say
                check_row(kind, row, run)
            yield row

    return table, rows()


def check_row(kind, row: RowCheck, run: Run) -> None:
    """Check one row; in the import, in a savepoint undone if the row fails."""
    if not run.write:
        kind.check(row, run)
        return
    shared_before = set(run.shared)
    try:
        with transaction.atomic():
            kind.check(row, run)
            if not row.ok:
                transaction.set_rollback(True)
    except DatabaseError as error:
        row.error("", _("The database refused this row: %(error)s") % {"error": error})
    if not row.ok:
        # What this row made was rolled back: later rows must not build on it, and from
        # here on the run only checks (the import fails; the report lists every failing row).
        for stale in set(run.shared) - shared_before:
            del run.shared[stale]
        run.write = False


def as_report(job: ImportJob, row: RowCheck) -> ImportRow:
    return ImportRow(
        job=job,
        number=row.number,
        actions=row.actions,
        errors=row.errors,
        warnings=row.warnings,
        has_errors=bool(row.errors),
        has_warnings=bool(row.warnings),
    )


def check_job(*, job_id: int) -> str:
    """Check every row of the file and keep the report; write nothing else."""
    claimed = claim(job_id, statuses=[Status.QUEUED, Status.CHECKING], status=Status.CHECKING)
    if claimed is None:
        return "not waiting for a check"
    job, token = claimed
    ImportRow.objects.filter(job=job).delete()  # a run that died left part of a report
    progress = Progress(job, token=token, status=Status.CHECKING, alias="default")
    try:
        with working_for(job):
            run = Run(user=job.created_by, write=False, source=source_label(job))
            table, rows = open_rows(job, run)
            ImportJob.objects.filter(pk=job.pk, runner=token).update(
                total_rows=table.total, notes=table.notes
            )
            errors, warnings, done = _keep_reports(job, progress, rows)
    except FileRefused as refused:
        ImportRow.objects.filter(job=job).delete()
        finish(job, token, status=Status.REFUSED, problems=refused.messages)
        return "refused"
    except Lost:
        return "lost"
    except Exception:
        log.exception("import %s: the check failed", job.pk)
        finish(job, token, status=Status.FAILED, problems=[unexpected()])
        return "failed"
    finally:
        progress.forget()
    if done == 0:
        finish(job, token, status=Status.REFUSED, problems=[_("The file has no rows to import.")])
        return "refused"
    finish(
        job,
        token,
        status=Status.INVALID if errors else Status.READY,
        total_rows=done,
        processed_rows=done,
        error_rows=errors,
        warning_rows=warnings,
        planned=run.counts.as_dict(),
    )
    return "invalid" if errors else "ready"


def _keep_reports(job: ImportJob, progress: Progress, rows) -> tuple[int, int, int]:
    """Store the rows' reports in batches, with the progress; return the counts."""
    batch: list[ImportRow] = []
    errors = warnings = done = 0

    def flush() -> None:
        with transaction.atomic():
            progress.report(done, error_rows=errors, warning_rows=warnings)
            ImportRow.objects.bulk_create(batch)
        batch.clear()

    for row in rows:
        done += 1
        errors += bool(row.errors)
        warnings += bool(row.warnings)
        batch.append(as_report(job, row))
        if progress.due(done):
            flush()
    flush()
    return errors, warnings, done


def import_job(*, job_id: int) -> str:
    """Validate every row again and write them all in one transaction, or none."""
    claimed = claim(job_id, statuses=[Status.IMPORTING], status=Status.IMPORTING)
    if claimed is None:
        return "not confirmed"
    job, token = claimed
    try:
        with working_for(job), side_connection() as alias:
            progress = Progress(job, token=token, status=Status.IMPORTING, alias=alias)
            written = _write_all(job, token, progress)
    except RowsFailed as failed:
        _report_failure(job, token, failed.rows)
        return "failed"
    except FileRefused as refused:
        finish(job, token, status=Status.FAILED, problems=refused.messages)
        return "failed"
    except Lost:
        return "lost"
    except Exception:
        log.exception("import %s: the import failed", job.pk)
        finish(job, token, status=Status.FAILED, problems=[unexpected()])
        return "failed"
    finally:
        LIVE.pop(job.pk, None)
    discard(job)
    return f"done: {written}"


def _write_all(job: ImportJob, token: str, progress: Progress) -> dict:
    with transaction.atomic():
        run = Run(user=job.created_by, write=True, source=source_label(job))
        _table, rows = open_rows(job, run)
        failed: list[RowCheck] = []
        done = 0
        for row in rows:
            done += 1
            if not row.ok:
                failed.append(row)
            if progress.due(done):
                progress.report(done)
        if failed:
            raise RowsFailed(failed)
        written = run.counts.as_dict()
        now = timezone.now()
        finished = ImportJob.objects.filter(
            pk=job.pk, runner=token, status=Status.IMPORTING
        ).update(
            status=Status.DONE,
            written=written,
            processed_rows=done,
            updated_at=now,
            finished_at=now,
        )
        if not finished:
            raise Lost  # cancelled meanwhile: everything above is rolled back
        audit.record(
            action="import",
            obj=job,
            actor=job.created_by,
            detail={
                "kind": job.kind,
                "rows": done,
                "created": counts_text(written.get("create", {})),
                "updated": counts_text(written.get("update", {})),
                "sha256": job.sha256[:16],
            },
        )
    return written


def counts_text(counts: dict) -> str:
    return " ".join(f"{model}:{n}" for model, n in sorted(counts.items())) or "0"


def _report_failure(job: ImportJob, token: str, rows: list[RowCheck]) -> None:
    """Put the rows that now fail into the report and say why nothing was written."""
    with transaction.atomic():
        for row in rows:
            ImportRow.objects.update_or_create(
                job=job,
                number=row.number,
                defaults={
                    "actions": row.actions,
                    "errors": row.errors,
                    "warnings": row.warnings,
                    "has_errors": True,
                    "has_warnings": bool(row.warnings),
                },
            )
        numbers = ", ".join(str(row.number) for row in rows[:20])
        finish(
            job,
            token,
            status=Status.FAILED,
            error_rows=len(rows),
            problems=[
                _(
                    "The records changed since the check: %(count)s rows now fail (rows "
                    "%(numbers)s). Nothing was written."
                )
                % {"count": len(rows), "numbers": numbers},
                _("Correct the file (or the records) and upload it again."),
            ],
        )


def unexpected() -> str:
    return _("An unexpected error stopped the work; nothing was written. Try again later.")
