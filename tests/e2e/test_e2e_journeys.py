"""Three journeys through the application, each by the role that makes it, in chromium.

1. A field monitor logs a hearing in a case assigned to them: adds it from the case page,
   records that it was adjourned with the next date, observes it (a fair-trial violation), and
   finds all of it on the case page and the timeline.
2. A supervisor finds on the legal-clock dashboard a detention beyond its legal maximum, opens
   the case, assigns a field monitor, and the monitor then finds the case among their own.
3. An exporter filters and sorts the case list, downloads it as CSV and XLSX and the files hold
   the page's rows in the page's order; the people list's export shows a protected person by
   the pseudonym only; a large XLSX export runs in the background with its progress, and its
   one-time link works once.

Each step is saved as ``tests/e2e/artifacts/journeys/<journey>/NN-<step>.png``. Controls are
found by their role and accessible name, as a screen reader user finds them.
"""

import csv
import datetime as dt
import io
import re
import threading
from contextlib import contextmanager

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from e2e_axe import assert_accessible
from playwright.sync_api import expect

from cases.models import Case, Hearing
from monitoring import background
from observations.models import Checklist, Observation
from tests.factories import (
    make_case,
    make_charge,
    make_court,
    make_detention,
    make_offence,
    make_party,
    make_person,
    make_user,
)

pytestmark = pytest.mark.e2e


def local_input(day: dt.date, hour: int, minute: int = 0) -> str:
    """Return what a datetime-local input takes: 2026-01-15T08:30."""
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}"


def day_text(day: dt.date) -> str:
    """Return a day as the pages write it in English: 12 December 2026."""
    return f"{day.day} {day:%B %Y}"


def flash(page) -> str:
    return page.locator(".messages").inner_text()


def save(page, name: str = "Save") -> None:
    """Press the form's button; fail with the form's errors if it comes back with some."""
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()
    errors = page.locator(".errors, .field-errors").all_inner_texts()
    assert not errors, f"the form at {page.url} was refused: {errors}"


# 1. A field monitor logs a hearing ----------------------------------------------------------


def test_a_field_monitor_logs_a_hearing(new_context, log_in, journey):
    steps = journey("monitor-logs-a-hearing")
    monitor = make_user("monitor", username="sophea", first_name="Sophea", last_name="Chan")
    case = make_case(
        monitors=[monitor], court=make_court(name="Phnom Penh Court"), title="Trial of the nurses"
    )
    make_party(case=case, person=make_person(name="Chhim Sithar"))
    counsel = Checklist.objects.current().items.get(code="hearing-counsel-present")
    today = timezone.localdate()
    yesterday, in_two_weeks = today - dt.timedelta(days=1), today + dt.timedelta(days=14)

    page = new_context().new_page()
    log_in(page, monitor, next_url=case.get_absolute_url())
    assert "No hearing scheduled." in page.get_by_role("main").inner_text()
    steps.step(page, "case-page")

    page.get_by_role("link", name="Add a hearing").click()
    page.get_by_label("Kind").select_option(label="Trial")
    page.get_by_label("Scheduled for").fill(local_input(yesterday, 8, 30))
    page.get_by_label("Monitor attending").select_option(label="Sophea Chan")
    assert_accessible(page)
    steps.step(page, "hearing-form")
    save(page)
    hearing = Hearing.objects.get(case=case)
    assert (hearing.kind, hearing.monitor) == (Hearing.Kind.TRIAL, monitor)
    assert page.url.endswith(hearing.get_absolute_url()), page.url
    steps.step(page, "hearing-added")

    page.get_by_role("link", name="Record the outcome").click()
    page.get_by_label("Status").select_option(label="Adjourned")
    page.get_by_label("Outcome notes").fill("The judge adjourned: the prosecution was not ready.")
    page.get_by_label(re.compile(r"^Next hearing:")).fill(local_input(in_two_weeks, 9))
    steps.step(page, "outcome-form")
    save(page)
    assert "The next hearing is scheduled for" in flash(page)
    steps.step(page, "outcome-recorded")
    hearing.refresh_from_db()
    assert hearing.status == Hearing.Status.ADJOURNED
    following = Hearing.objects.get(previous=hearing)
    assert timezone.localtime(following.scheduled_at).date() == in_two_weeks

    assert page.url.endswith(hearing.get_absolute_url()), page.url
    page.get_by_role("link", name="Observe").click()
    item = page.get_by_role("group", name=re.compile(re.escape(counsel.label)))
    item.get_by_role("radio", name="Violated").check()
    item.get_by_text("Note", exact=True).click()
    item.get_by_role("textbox").fill("Counsel was sent out while the judge questioned him.")
    page.get_by_role("radio", name="Adjourned").check()
    page.get_by_label("Summary").fill("Adjourned for the prosecution; counsel was sent out.")
    steps.step(page, "observation")
    save(page, "Submit")
    assert "Observation submitted" in flash(page)
    observation = Observation.objects.get(hearing=hearing)
    assert observation.status == Observation.Status.SUBMITTED
    assert observation.answers.get(item=counsel).verdict == "violated"

    page.goto(case.get_absolute_url())
    main = page.get_by_role("main")
    next_hearing = main.get_by_role("link", name=re.compile(re.escape(day_text(in_two_weeks))))
    assert next_hearing.get_attribute("href") == following.get_absolute_url()
    assert "1 violation recorded" in main.inner_text()
    assert_accessible(page)
    steps.step(page, "case-page-after")

    page.get_by_role("link", name="Timeline").click()
    page.wait_for_url(f"**{reverse('cases:case-timeline', args=[case.pk])}")
    entries = page.locator("ol.timeline > li")
    expect(entries).to_have_count(3)  # all_inner_texts() does not wait for the page
    adjourned, observed, next_one = entries.all_inner_texts()
    assert "Trial hearing adjourned" in adjourned and "prosecution was not ready" in adjourned
    assert "Hearing observed: 1 right violated" in observed and "By Sophea Chan" in observed
    assert "danger" in entries.nth(1).get_attribute("class")  # flagged red
    assert "Trial hearing scheduled" in next_one and "to come" in next_one
    assert day_text(in_two_weeks) in next_one
    assert_accessible(page)
    steps.step(page, "timeline")


# 2. A supervisor assigns a monitor to a detention beyond its legal limit --------------------


def detained_for(days: int, *, name: str, case: Case):
    """Detain ``name``, a defendant charged with a misdemeanour, for ``days`` days until today."""
    person = make_person(name=name)
    party = make_party(case=case, person=person)
    make_charge(party=party, offence=make_offence(offence_class="misdemeanour"))
    started = timezone.localdate() - dt.timedelta(days=days)
    return make_detention(person=person, case=case, started_on=started)


def test_a_supervisor_assigns_a_monitor_to_an_overdue_detention(new_context, log_in, journey):
    steps = journey("supervisor-assigns-a-monitor")
    supervisor = make_user("supervisor", username="supervisor", first_name="Vanna")
    monitor = make_user("monitor", username="dara", first_name="Dara", last_name="Pich")
    make_user("monitor", username="bopha", first_name="Bopha", last_name="Keo")
    overdue_case = make_case(title="Detention of the land activists")
    detained_for(250, name="Tep Vanny", case=overdue_case)  # past the 6-month maximum
    recent_case = make_case(title="Arrest of the union leader")
    detained_for(10, name="Rong Chhun", case=recent_case)

    page = new_context().new_page()
    log_in(page, supervisor, next_url=reverse("cases:clock-dashboard"))
    assert_accessible(page)
    steps.step(page, "clock-dashboard")
    states = page.get_by_role("list", name="Detainees by state")
    states.get_by_role("link", name=re.compile("Beyond the legal maximum")).click()
    page.wait_for_url(re.compile(r"state="))
    rows = page.get_by_role("row").filter(has=page.get_by_role("cell"))
    assert rows.count() == 1, rows.all_inner_texts()
    row = rows.first
    assert "Tep Vanny" in row.inner_text() and "unlawful since" in row.inner_text()
    steps.step(page, "beyond-the-maximum")

    row.get_by_role("link", name=overdue_case.reference).click()
    page.wait_for_url(f"**{overdue_case.get_absolute_url()}")
    facts = page.locator("dl.facts")
    assert "Assigned monitors\nnone" in facts.inner_text()
    assert "Beyond the legal maximum" in page.get_by_role("main").inner_text()
    steps.step(page, "case-page")

    page.get_by_role("link", name="Edit", exact=True).first.click()  # the case's, not a charge's
    monitors = page.get_by_role("group", name="Assigned monitors")
    monitors.get_by_role("checkbox", name="Dara Pich").check()
    assert_accessible(page)
    steps.step(page, "case-form")
    save(page)
    assert overdue_case.reference in page.get_by_role("heading", level=1).inner_text()
    assert "Assigned monitors\nDara Pich" in page.locator("dl.facts").inner_text()
    assert list(overdue_case.monitors.all()) == [monitor]
    steps.step(page, "monitor-assigned")

    page = new_context().new_page()
    log_in(page, monitor)
    mine = page.get_by_role("region", name="My cases")
    assert mine.get_by_role("link").all_inner_texts() == [
        f"{overdue_case.reference}: {overdue_case.title}"
    ]
    steps.step(page, "monitor-home")
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_text("Filter", exact=True).click()
    page.get_by_label("Only cases assigned to me").check()
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"mine=on"))
    assert [row[0] for row in table_rows(page)] == [overdue_case.reference]
    steps.step(page, "monitor-cases")


# 3. An exporter downloads a filtered, sorted case list ----------------------------------------


def table_rows(page) -> list[list[str]]:
    """Return the texts of the cells of each body row of the page's table."""
    rows = page.get_by_role("table").get_by_role("row").filter(has=page.get_by_role("cell"))
    return [row.get_by_role("cell").all_inner_texts() for row in rows.all()]


def column_headers(page) -> list[str]:
    """Return the table's column headers without the sort arrows and their spoken state."""
    texts = page.get_by_role("table").get_by_role("columnheader").all_inner_texts()
    return [re.split(r"\s*[▲▼(]", text)[0].strip() for text in texts]


def download(page, link_name: str, tmp_path):
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name, exact=True).click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    return path


def read_csv(path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff"), "the CSV starts with a byte order mark, for Excel"
    return list(csv.reader(io.StringIO(text[1:])))


def read_xlsx(path) -> list[list]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [list(row) for row in book.active.iter_rows(values_only=True)]
    finally:
        book.close()


@contextmanager
def busy_export_threads(count: int):
    """Hold the web process's ``count`` export threads busy until ``release()`` is called.

    Threads in the same group as the exports (``monitoring.background``, at most
    ``EXPORT_THREADS`` at once): an export asked for meanwhile waits, as it would behind other
    users' exports, so its page shows it queued.
    """
    done, holding = threading.Event(), threading.Semaphore(0)

    def hold():
        holding.release()
        done.wait(30)

    for n in range(count):
        background.run_in_thread(hold, name=f"export-busy{n}", limit=count)
    for _ in range(count):
        assert holding.acquire(timeout=10), "the export threads could not be made busy"
    try:
        yield done.set
    finally:
        done.set()


def test_an_exporter_downloads_what_the_filtered_list_shows(
    new_context, log_in, journey, settings, tmp_path
):
    steps = journey("exporter-downloads")
    exporter = make_user("exporter", username="exporter")
    land = Case.Category.LAND
    witness = make_person(name="Sok Phalla", is_protected=True, pseudonym="Witness K")
    lake = make_case(title="Boeung Kak lake evictions", category=land)
    make_party(case=lake, person=witness)
    make_party(case=lake, person=make_person(name="Tep Vanny"))
    sugar = make_case(title="Koh Kong sugar concessions, Sre Ambel", category=land)
    make_party(case=sugar)
    make_case(title="Prey Lang forest patrol", category=land)
    make_case(title="Borei Keila evictions", category=land, status=Case.Status.CLOSED)
    make_case(title="Garment workers' strike", category=Case.Category.LABOUR)
    make_case(title="Areng valley dam", category=land, restricted=True)  # not the exporter's

    page = new_context(accept_downloads=True).new_page()
    log_in(page, exporter, next_url=reverse("cases:case-list"))
    page.get_by_text("Filter", exact=True).click()
    page.get_by_label("Status").select_option(label="Open")
    page.get_by_label("Category").select_option(label="Land")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"category=land"))
    page.get_by_role("link", name="Title", exact=True).click()  # ascending
    page.wait_for_url(re.compile(r"o=title(&|$)"))  # else the next click may hit this page
    page.get_by_role("link", name=re.compile(r"^Title")).click()  # descending
    page.wait_for_url(re.compile(r"o=-title"))
    assert_accessible(page)
    steps.step(page, "filtered-list")
    shown = table_rows(page)
    titles = [row[1] for row in shown]
    assert titles == [
        "Prey Lang forest patrol",
        "Koh Kong sugar concessions, Sre Ambel",
        "Boeung Kak lake evictions",
    ]

    csv_rows = read_csv(download(page, "CSV", tmp_path))
    xlsx_rows = read_xlsx(download(page, "XLSX", tmp_path))
    assert csv_rows[0] == [str(header) for header in xlsx_rows[0]]
    headers = csv_rows[0]
    assert headers[:4] == ["ID", "Reference", "Title", "Category"]
    for header in column_headers(page):
        assert header in headers, f"the list's column {header!r} is not exported"
    exported = [dict(zip(headers, row, strict=True)) for row in csv_rows[1:]]
    assert [(r["Reference"], r["Title"], r["Category"]) for r in exported] == [
        (row[0], row[1], row[2]) for row in shown
    ]
    assert [r["Defendants"] for r in exported] == [row[6] for row in shown] == ["0", "1", "2"]
    assert [row[1:3] for row in xlsx_rows[1:]] == [[r["Reference"], r["Title"]] for r in exported]
    assert [row[headers.index("Defendants")] for row in xlsx_rows[1:]] == [0, 1, 2]  # numbers

    # The people list: the protected witness by the pseudonym only, as the pages show them.
    page.get_by_role("link", name="People", exact=True).click()
    page.wait_for_url(f"**{reverse('cases:person-list')}")  # rows.all() does not wait
    rows = page.get_by_role("table").get_by_role("row").filter(has=page.get_by_role("cell"))
    names = [row.get_by_role("link").first.inner_text() for row in rows.all()]
    steps.step(page, "people-list")
    people_csv = download(page, "CSV", tmp_path)
    people = read_csv(people_csv)
    assert [row[people[0].index("Name")] for row in people[1:]] == names
    assert "Witness K" in names
    assert "Sok Phalla" not in people_csv.read_text(encoding="utf-8-sig")

    # A large XLSX export is built in the background: waiting behind other exports, it shows
    # its progress, then a link that works once.
    settings.EXPORT_XLSX_DIRECT_MAX_ROWS = 2
    settings.REDIS_URL = ""  # the threads of this process build it, not a Celery worker
    page.go_back()
    with busy_export_threads(settings.EXPORT_THREADS) as release:
        page.get_by_role("link", name="XLSX", exact=True).click()
        progress = page.get_by_role("progressbar")
        progress.wait_for()
        assert "0 of 3 rows (0%)" in page.get_by_role("status").inner_text()
        assert_accessible(page)
        steps.step(page, "export-queued")
        release()
        ready = page.get_by_role("link", name="Download the spreadsheet")
        ready.wait_for()
    assert "3 rows." in page.get_by_role("main").inner_text()
    steps.step(page, "export-ready")
    link = ready.get_attribute("href")
    big = read_xlsx(download(page, "Download the spreadsheet", tmp_path))
    assert [row[1] for row in big[1:]] == [row[0] for row in shown]
    again = page.request.get(link)
    assert again.status == 410 and "Export again" in again.text()
    page.goto(link)
    steps.step(page, "link-used")
