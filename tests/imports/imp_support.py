"""Files to upload and ways to run import jobs in the import tests."""

from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import Case, CaseParty, Charge, Detention, Person
from imports import services
from imports.models import ImportJob

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOMAIN_MODELS = (Person, Case, CaseParty, Charge, Detention)


def csv_bytes(rows: list[list], *, bom: bool = False, delimiter: str = ",") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def xlsx_bytes(rows: list[list], *, extra_sheets: tuple[str, ...] = ()) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for name in extra_sheets:
        book.create_sheet(name).append(["not read"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload_file(name: str, content: bytes) -> SimpleUploadedFile:
    content_type = XLSX_TYPE if name.endswith("x") else "text/csv"
    return SimpleUploadedFile(name, content, content_type=content_type)


def upload(client, kind: str, name: str, content: bytes):
    """Post the upload form; return the response."""
    return client.post(
        reverse("imports:import-list"), {"kind": kind, "file": upload_file(name, content)}
    )


def run_queued() -> list[str]:
    """Run the steps a worker would: the check of queued jobs, the import of confirmed ones."""
    results = []
    for job in ImportJob.objects.filter(status=ImportJob.Status.QUEUED).order_by("pk"):
        results.append(services.check_job(job_id=job.pk))
    for job in ImportJob.objects.filter(status=ImportJob.Status.IMPORTING).order_by("pk"):
        results.append(services.import_job(job_id=job.pk))
    return results


def checked(client, kind: str, name: str, content: bytes) -> ImportJob:
    """Upload a file and run its check; return the job."""
    response = upload(client, kind, name, content)
    assert response.status_code == 302, response.content.decode()[:3000]
    run_queued()
    return ImportJob.objects.order_by("-pk").first()


def confirm(client, job: ImportJob):
    response = client.post(reverse("imports:job-confirm", args=[job.pk]))
    run_queued()
    job.refresh_from_db()
    return response


def domain_counts() -> dict[str, int]:
    """Return the rows of every model an import may write, deleted ones included, and the
    audit events (but for logins: the test clients log in)."""
    counts = {model.__name__: model.all_objects.count() for model in DOMAIN_MODELS}
    counts["AuditEvent"] = AuditEvent.objects.exclude(action="login").count()
    return counts


def row_errors(job: ImportJob) -> list[tuple[int, str, str]]:
    """Return (row, column, message) of every error in the job's report."""
    found = []
    for row in job.rows.with_errors().order_by("number"):
        found += [(row.number, error["column"], error["message"]) for error in row.errors]
    return found
