"""The preview writes nothing, a bad row blocks everything, confirming twice writes once."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from imp_support import (
    checked,
    confirm,
    csv_bytes,
    domain_counts,
    row_errors,
    run_queued,
    upload,
    xlsx_bytes,
)

from cases.models import Detention, DetentionFacility, Person
from cases.services.records import delete_record
from imports import services
from imports.models import ImportJob, ImportRow
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db

PEOPLE = [
    ["name", "sex", "birth"],
    ["Kem Sokha", "man", "1953"],
    ["Chhim Sithar", "woman", "1987-02"],
    ["Seam Pluk", "man", ""],
]


def test_the_preview_shows_every_row_and_writes_nothing(client_for, supervisor):
    client = client_for(supervisor)
    before = domain_counts()
    job = checked(client, "persons", "people.csv", csv_bytes(PEOPLE))
    assert domain_counts() == before  # no person, no audit event
    assert job.status == ImportJob.Status.READY
    assert (job.total_rows, job.processed_rows, job.error_rows) == (3, 3, 0)
    assert job.planned == {"create": {"person": 3}}

    page = client.get(job.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "New person “Kem Sokha” (man, born 1953)" in html
    assert "New person “Chhim Sithar” (woman, born February 2023" not in html
    assert "born February 1987" in html
    assert reverse("imports:job-confirm", args=[job.pk]) in html
    assert "3 people" in html
    assert domain_counts() == before  # looking at the preview writes nothing either


def test_one_bad_row_blocks_the_file_and_the_report_names_row_and_column(client_for, supervisor):
    rows = [*PEOPLE, ["Ny Nak", "banana", "2001"]]
    client = client_for(supervisor)
    before = domain_counts()
    job = checked(client, "persons", "people.csv", csv_bytes(rows))
    assert job.status == ImportJob.Status.INVALID and job.error_rows == 1
    [(number, column, message)] = row_errors(job)
    assert (number, column) == (5, "sex")
    assert message == "“banana” is not one of: woman, man, other, unknown."
    page = client.get(job.get_absolute_url() + "?show=errors").content.decode()
    assert "banana" in page and reverse("imports:job-confirm", args=[job.pk]) not in page
    # Confirming anyway changes nothing.
    confirm(client, job)
    assert job.status == ImportJob.Status.INVALID
    assert domain_counts() == before
    assert not job.upload  # the data is not kept once it cannot be imported


def test_model_rules_and_unknown_reference_data_are_reported_by_column(
    client_for, supervisor, places
):
    rows = [
        ["name", "kind", "started", "ended", "end_reason", "facility", "case_reference"],
        ["Sun Thun", "pretrial", "2023-03-01", "2023-02-01", "bail", "Prey Sar (CC1)", ""],
        ["Ny Nak", "pretrial", "2023-03-01", "", "", "Nowhere prison", ""],
        ["Sok Chea", "jail", "2023-13-01", "", "", "", "NO-SUCH-CASE"],
    ]
    job = checked(client_for(supervisor), "detentions", "list.csv", csv_bytes(rows))
    errors = row_errors(job)
    assert (2, "ended", "A detention cannot end before it starts.") in errors
    assert (
        3,
        "facility",
        "No detention facility is called “Nowhere prison”. Add it first, or correct the spelling.",
    ) in errors
    columns = {(number, column) for number, column, _message in errors}
    assert {(4, "kind"), (4, "started"), (4, "case_reference")} <= columns
    assert Detention.objects.count() == 0


def test_the_errors_download_as_csv_with_row_column_value_and_message(
    client_for, supervisor, places
):
    rows = [
        ["name", "kind", "started", "ended", "end_reason", "facility", "case_reference"],
        ["Sun Thun", "pretrial", "2023-03-01", "2023-02-01", "bail", "Prey Sar (CC1)", ""],
        ["Ny Nak", "pretrial", "2023-03-01", "", "", "=cmd|' /C calc'!A0", ""],
        ["Sok Chea", "pretrial", "2023-03-01", "", "", "", ""],  # no error: not listed
    ]
    client = client_for(supervisor)
    job = checked(client, "detentions", "list.csv", csv_bytes(rows))
    url = reverse("imports:job-errors", args=[job.pk])
    assert url in client.get(job.get_absolute_url()).content.decode()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        body = b"".join(response.streaming_content).decode("utf-8")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="import-{job.pk}-errors.csv"' in response["Content-Disposition"]
    assert body.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(body[1:])))
    assert lines[0] == ["row", "column", "value", "message"]
    assert ["2", "ended", "2023-02-01", "A detention cannot end before it starts."] in lines
    [(number, _column, value, message)] = [line for line in lines if line[1] == "facility"]
    assert (number, value) == ("3", "'=cmd|' /C calc'!A0")  # never a formula
    assert message.startswith("No detention facility is called")
    assert {line[0] for line in lines[1:]} == {"2", "3"}
    assert len(captured) <= 8  # the session, the user, the job, the rows in one batch
    other = client_for(make_user("supervisor"))
    assert other.get(url).status_code == 404  # a job is its uploader's alone


def test_duplicates_inside_the_file_are_errors_and_namesakes_warnings(client_for, supervisor):
    recorded = make_person(name="Kem Sokha", sex="man")
    rows = [*PEOPLE, ["kem  sokha", "man", "1953"], ["Sokha Kem", "man", ""]]
    job = checked(client_for(supervisor), "persons", "people.csv", csv_bytes(rows))
    assert row_errors(job) == [
        (5, "name", "Row 2 adds the same person (same name, sex and birth).")
    ]
    [warning] = ImportRow.objects.get(job=job, number=2).warnings
    assert warning["column"] == "name"
    assert warning["message"].startswith(f"Maybe recorded already: #{recorded.pk} “Kem Sokha”")
    # The duplicate finder knows word order; later rows are compared with earlier ones.
    warnings = [w["message"] for w in ImportRow.objects.get(job=job, number=6).warnings]
    assert f"#{recorded.pk} “Kem Sokha” (same words in another order)" in warnings[0]
    assert warnings[1] == "Row 2 adds someone with a like name: check it is not this person."


def test_a_protected_namesake_is_not_revealed_to_who_may_not_see_it(supervisor):
    from imports.namesakes import Namesakes

    protected = make_person(name="Kem Sokha", is_protected=True, pseudonym="Witness A")
    newcomer = Person(name="Kem Sokha")
    monitor = make_user("monitor")
    assert not Namesakes(monitor, sees_protected=False).find(newcomer, 2)
    found = Namesakes(supervisor, sees_protected=True).find(newcomer, 2)
    assert [person for person, _why in found.recorded] == [protected]


def test_the_records_changing_after_the_check_fail_the_import_and_write_nothing(
    client_for, supervisor, places
):
    rows = [
        ["name", "kind", "started", "facility"],
        ["Sun Thun", "pretrial", "2023-01-05", "Prey Sar (CC1)"],
        ["Ny Nak", "pretrial", "2023-01-06", ""],
    ]
    client = client_for(supervisor)
    job = checked(client, "detentions", "list.csv", csv_bytes(rows))
    assert job.status == ImportJob.Status.READY
    delete_record(record=places["facility"], by=supervisor)  # meanwhile, someone deletes it
    before = domain_counts()
    confirm(client, job)
    assert job.status == ImportJob.Status.FAILED
    assert domain_counts() == before  # not even Ny Nak, whose row still passes
    assert "rows now fail (rows 2)" in job.problems[0] and "Nothing was written" in job.problems[0]
    assert [(n, c) for n, c, _m in row_errors(job)] == [(2, "facility")]
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Not imported: nothing was written." in page
    assert DetentionFacility.all_objects.filter(pk=places["facility"].pk).exists()


def test_a_second_confirmation_creates_nothing_twice(client_for, supervisor):
    client = client_for(supervisor)
    job = checked(client, "persons", "people.xlsx", xlsx_bytes(PEOPLE))
    confirm(client, job)
    assert job.status == ImportJob.Status.DONE and Person.objects.count() == 3
    after = domain_counts()
    response = confirm(client, job)  # the same form posted again
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages[-1] == "This import was confirmed already; nothing was done twice."
    # A task delivered twice finds nothing to do either.
    assert services.import_job(job_id=job.pk) == "not confirmed"
    assert services.check_job(job_id=job.pk) == "not waiting for a check"
    assert domain_counts() == after


def test_confirming_while_the_import_runs_queues_it_once(client_for, supervisor):
    client = client_for(supervisor)
    job = checked(client, "persons", "people.csv", csv_bytes(PEOPLE))
    client.post(reverse("imports:job-confirm", args=[job.pk]))
    client.post(reverse("imports:job-confirm", args=[job.pk]))  # before the worker started
    assert run_queued() == ["done: {'create': {'person': 3}}"]
    assert Person.objects.count() == 3


def test_a_cancelled_job_is_not_imported_and_its_file_is_gone(client_for, supervisor):
    client = client_for(supervisor)
    job = checked(client, "persons", "people.csv", csv_bytes(PEOPLE))
    stored = job.upload.name
    assert job.upload.storage.exists(stored)
    client.post(reverse("imports:job-cancel", args=[job.pk]))
    confirm(client, job)
    assert job.status == ImportJob.Status.CANCELLED
    assert not job.upload.storage.exists(stored)
    assert Person.objects.count() == 0


def test_an_import_cancelled_while_it_runs_writes_nothing(client_for, supervisor, monkeypatch):
    client = client_for(supervisor)
    job = checked(client, "persons", "people.csv", csv_bytes(PEOPLE))
    client.post(reverse("imports:job-confirm", args=[job.pk]))
    real = services.open_rows

    def cancel_midway(job, run):
        table, rows = real(job, run)

        def cancelling():
            for number, row in enumerate(rows):
                if number == 1:  # the user presses "Cancel" while the rows are written
                    # (here on the import's own connection, so the rollback undoes the
                    # cancellation too; from the page it is a separate, committed request)
                    ImportJob.objects.filter(pk=job.pk).update(status="cancelled")
                yield row

        return table, cancelling()

    monkeypatch.setattr(services, "open_rows", cancel_midway)
    before = domain_counts()
    assert run_queued() == ["lost"]
    assert domain_counts() == before


def test_the_status_answers_json_for_the_progress_page(client_for, supervisor):
    client = client_for(supervisor)
    response = upload(client, "persons", "people.csv", csv_bytes(PEOPLE))
    job = ImportJob.objects.get()
    status = client.get(reverse("imports:job-status", args=[job.pk])).json()
    assert status["status"] == "queued" and status["running"] is True
    page = client.get(response["Location"]).content.decode()
    assert '<progress id="import-progress-bar"' in page and "js/imports.js" in page
    assert 'http-equiv="refresh"' in page  # without JavaScript the page refreshes itself
    run_queued()
    status = client.get(reverse("imports:job-status", args=[job.pk])).json()
    assert status == {
        "status": "ready",
        "label": "Checked: waiting for your confirmation",
        "running": False,
        "stalled": False,
        "processed": 3,
        "total": 3,
        "percent": 100,
        "url": job.get_absolute_url(),
    }


def test_the_preview_page_costs_the_same_queries_for_one_row_or_many(
    client_for, supervisor, settings
):
    settings.PAGINATE_BY = 20
    client = client_for(supervisor)
    small = checked(client, "persons", "one.csv", csv_bytes(PEOPLE[:2]))
    many_rows = [PEOPLE[0]] + [[f"Person {n}", "woman", str(1950 + n)] for n in range(45)]
    large = checked(client, "persons", "many.csv", csv_bytes(many_rows))
    assert large.total_rows == 45

    def queries(job, query=""):
        client.get(job.get_absolute_url() + query)  # warm the session and caches
        with CaptureQueriesContext(connection) as captured:
            assert client.get(job.get_absolute_url() + query).status_code == 200
        return len(captured)

    assert queries(small) == queries(large) == queries(large, "?page=3&show=all")
