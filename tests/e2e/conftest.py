"""Browser tests: Playwright's sync API driving Debian's chromium against the live server.

Fixtures: ``browser`` (one headless chromium per xdist worker, kept from one browser test to
the next and stopped when the run leaves this folder), ``context``/``page`` (desktop, 1280x800),
``phone``/``phone_page`` (375x812, mobile, touch), ``new_context(**options)`` for anything else,
and ``log_in(page, user)`` through the real login form; ``e2e_axe.py`` holds
``assert_accessible(page)`` (axe-core). Every test here is marked ``e2e``; when one fails, each
of its pages is saved as a screenshot in ``tests/e2e/artifacts/``. ``journey(name).step(page,
step)`` saves a journey's steps, failing or not, as ``artifacts/journeys/<name>/NN-<step>.png``.

The live server is pytest-django's: session-scoped, one per xdist worker, serving static files
through ``StaticFilesHandler``. Its tests use a transactional database; ``serialized_rollback``
puts back what the data migrations wrote (groups, legal rules) before each test, and the flush
after it removes everything the test made, so nothing leaks into other tests.
"""

import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).parent
ARTIFACTS = HERE / "artifacts"
TIMEOUT_MS = 10_000
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()
JOURNEYS = ARTIFACTS / "journeys"
LOADED_AT = time.time()


def browser_missing() -> str:
    """Return why the browser tests cannot run here, or an empty string."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (make install)"
    return ""


def pytest_collection_modifyitems(config, items):
    """Mark the tests of this folder ``e2e`` with rollback of the migrations' data; skip them
    when there is no browser, unless REQUIRE_BROWSER=1 (then the ``browser`` fixture fails)."""
    missing = browser_missing()
    required = os.environ.get("REQUIRE_BROWSER") == "1"
    for item in items:
        if HERE not in item.path.parents:
            continue
        if item.get_closest_marker("e2e") is None:
            item.add_marker(pytest.mark.e2e)
        if item.get_closest_marker("django_db") is None:
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))
        if missing and not required:
            item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {missing}"))


def pytest_terminal_summary(terminalreporter):
    """Say where the journeys' screenshots are, when this run saved some (``pytest tests/e2e``:
    a run from the root does not load this file before the tests, see the README)."""
    if JOURNEYS.exists() and any(p.stat().st_mtime >= LOADED_AT for p in JOURNEYS.rglob("*.png")):
        terminalreporter.write_line(f"journey screenshots: {JOURNEYS}/<journey>/NN-<step>.png")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures know in teardown if the test failed."""
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


class Chromium:
    """The worker's headless chromium: started by the first browser test of a run of them,
    stopped after the last (Playwright's event loop must not outlive them, see ``start``)."""

    playwright = None
    browser = None
    allowed_async_unsafe = False

    @classmethod
    def start(cls):
        from django.db import connections
        from playwright.sync_api import sync_playwright

        # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
        # make here (factories) would otherwise raise SynchronousOnlyOperation. Only while the
        # browser runs: `check --deploy` in a subprocess of a later test would refuse it.
        if "DJANGO_ALLOW_ASYNC_UNSAFE" not in os.environ:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            cls.allowed_async_unsafe = True

        # Playwright leaves its event loop running in this thread, and Django then keeps
        # database connections per async context instead of per thread: the tests would get
        # fresh connection objects without the state pytest-django gave the thread's ones
        # (the data kept for ``serialized_rollback``). Give the loop's context the same ones.
        thread_connections = {alias: connections[alias] for alias in connections}
        cls.playwright = sync_playwright().start()
        for alias, connection in thread_connections.items():
            connections[alias] = connection
        cls.browser = cls.playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True
        )
        return cls.browser

    @classmethod
    def stop(cls):
        if cls.playwright is not None:
            if cls.browser is not None:
                cls.browser.close()
            cls.playwright.stop()
            cls.playwright = cls.browser = None
        if cls.allowed_async_unsafe:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            cls.allowed_async_unsafe = False


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Stop the browser after the test's fixtures when the next test is not a browser test."""
    try:
        return (yield)
    finally:
        if nextitem is None or HERE not in nextitem.path.parents:
            Chromium.stop()


@pytest.fixture
def browser():
    """Return the worker's headless chromium (Debian's, never a downloaded one)."""
    missing = browser_missing()
    if missing:
        pytest.fail(f"REQUIRE_BROWSER=1 but the browser tests cannot run: {missing}")
    return Chromium.browser or Chromium.start()


@pytest.fixture(autouse=True)
def password_only(settings):
    """Log in with a password alone: two-factor authentication has its own tests.

    ``make test`` sets DEMO_MODE=1, which already turns REQUIRE_2FA off; this keeps the
    browser tests independent of the environment.
    """
    settings.REQUIRE_2FA = False


def screenshot_name(nodeid: str, index: int) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_") + f"-{index}.png"


@pytest.fixture
def new_context(request, browser, live_server) -> Iterator[Callable]:
    """Return a function that opens a browser context on the live server (desktop by default).

    Contexts are closed after the test; when it failed, each open page is saved as a
    screenshot in tests/e2e/artifacts/ first.
    """
    contexts = []

    def open_context(**options):
        context = browser.new_context(base_url=live_server.url, **{**DESKTOP, **options})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield open_context

    reports = request.node.stash.get(REPORTS, {})
    failed = any(report.failed for report in reports.values())
    pages = [page for context in contexts for page in context.pages]
    if failed and pages:
        ARTIFACTS.mkdir(exist_ok=True)
        for index, page in enumerate(pages):
            path = ARTIFACTS / screenshot_name(request.node.nodeid, index)
            try:
                page.screenshot(path=path, full_page=True)
            except Exception as error:  # a crashed page must not hide the test's own failure
                print(f"no screenshot of {page.url}: {error}")
            else:
                print(f"screenshot of {page.url}: {path}")
    for context in contexts:
        context.close()


@pytest.fixture
def context(new_context):
    """Return a desktop browser context (1280x800)."""
    return new_context()


@pytest.fixture
def page(context):
    """Return a page in the desktop context."""
    return context.new_page()


@pytest.fixture
def phone(new_context):
    """Return a phone browser context: 375x812, mobile viewport, touch."""
    return new_context(**PHONE)


@pytest.fixture
def phone_page(phone):
    """Return a page in the phone context."""
    return phone.new_page()


class Journey:
    """Screenshots of a journey's steps: ``artifacts/journeys/<name>/NN-<step>.png``.

    The folder is emptied when the journey starts, so it holds the last run's steps only.
    """

    def __init__(self, name: str):
        self.folder = JOURNEYS / name
        self.steps = 0
        if self.folder.exists():
            for old in self.folder.glob("*.png"):
                old.unlink()
        self.folder.mkdir(parents=True, exist_ok=True)

    def step(self, page, name: str) -> Path:
        """Save the page as step NN of the journey and return the file's path."""
        self.steps += 1
        path = self.folder / f"{self.steps:02d}-{name}.png"
        page.screenshot(path=path, full_page=True)
        return path


@pytest.fixture
def journey() -> Iterator[Callable[[str], Journey]]:
    """Return a function that starts the screenshots of a named journey."""
    journeys = []

    def start(name: str) -> Journey:
        journeys.append(Journey(name))
        return journeys[-1]

    yield start
    for started in journeys:
        print(f"journey screenshots: {started.folder} ({started.steps} steps)")


@pytest.fixture
def log_in():
    """Return a function that logs a user in through the real login form.

    The user must have the factories' password (``make_user``) unless one is given; it
    returns on the page the login led to (``next_url``, else home).
    """

    def log_in_as(page, user, password: str = PASSWORD, next_url: str = ""):
        login = reverse("login")
        page.goto(f"{login}?{urlencode({'next': next_url})}" if next_url else login)
        page.locator("input[name=username]").fill(user.get_username())
        page.locator("input[name=password]").fill(password)
        with page.expect_navigation():
            page.locator("form.record-form button[type=submit]").click()
        if page.url.split("?")[0].endswith(login):
            errors = page.locator(".errors, .field-errors").all_inner_texts()
            raise AssertionError(f"login as {user.get_username()} failed: {errors}")
        return page

    return log_in_as
