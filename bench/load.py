"""Load test: gunicorn with production settings on PostgreSQL, wrk on loopback.

Run (from the project root)::

    make load                                  # or: .venv/bin/python bench/load.py
    LOAD_DURATION=30 LOAD_CONNECTIONS=16 make load
    .venv/bin/python bench/load.py --quick     # 5 s phases: does it work at all?

1. Prepares the database (``LOAD_DB``, default ``load_national``): created, migrated and
   filled with the national-scale dataset of ``bench/dataset.py`` the first time (about four
   minutes; ``LOAD_SCALE=0.1`` for a smaller one, in ``load_national_0_1``), reused after; with
   ``--dataset existing`` and ``--database-url`` it uses a database as it is (the smoke test's).
2. Runs ``collectstatic`` (the production settings serve the hashed files with WhiteNoise) and
   makes the load user: a supervisor (sees every case), random password, an authenticator app.
3. Starts gunicorn as production would: ``DJANGO_DEBUG=0``, a random secret key, two-factor
   authentication required, ``LOAD_WORKERS`` (2) sync workers on ``127.0.0.1:LOAD_PORT`` (8801),
   logs under ``/tmp/load-PORT/``; it is stopped at the end whatever happens.
4. Logs in through the real forms (password, then the app's current code), checks each kind of
   page answers 200 with that session, and warms the workers up (``LOAD_WARMUP`` seconds).
5. For each phase (``LOAD_PHASES``: list, detail, timeline) runs ``wrk --latency`` for
   ``LOAD_DURATION`` (60) seconds at ``LOAD_CONNECTIONS`` (32) connections with
   ``bench/load/pages.lua``, which sends the session cookie and counts every status:
   - list: the case list as a supervisor uses it, open cases by last update, a few filters
     and pages;
   - detail, timeline: ``LOAD_CASES`` (200) cases drawn at random (fixed seed) from all
     (the timeline's include the dataset's case of 200 events).
6. Prints a table and the goals (list page: >= 100 requests/s, p99 <= 400 ms; no errors in any
   phase), and writes ``bench/load_results.json``: per phase requests/s, latency percentiles,
   errors, non-200 statuses, time in the workers (gunicorn's access log), the CPU time a
   request costs in the workers and in PostgreSQL (less sensitive than requests/s to the other
   programs of a shared machine), the load average before and after, the settings.

An error is any response but 200 (a 302 to the login page is a lost session) and any socket
error or timeout. Exit status: 1 on any error, or on a missed goal with ``LOAD_STRICT=1``;
2 when something is missing (wrk: ``apt-get install wrk``; PostgreSQL; the port is taken).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import http.cookiejar
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "load_results.json"
LUA = ROOT / "bench" / "load" / "pages.lua"
VENV = Path(os.environ.get("VENV", ROOT / ".venv"))
if not VENV.is_absolute():
    VENV = ROOT / VENV
USERNAME = "load-supervisor"
SEED = 20260407
PHASES = ("list", "detail", "timeline")
GOALS = {"list_rps": 100.0, "list_p99_ms": 400.0, "errors": 0}
ACCESS_FORMAT = '%(s)s %(L)s "%(r)s"'
# "postgres: 15/main: postgres dbname 127.0.0.1(5432) idle" (or without the cluster name).
BACKEND_TITLE = re.compile(r"^postgres: (?:[^ ]+: )?[^ ]+ ([^ ]+) ")
TOKEN = re.compile(
    r'name="csrfmiddlewaretoken"\s+value="([^"]+)"|value="([^"]+)"\s+name="csrfmiddlewaretoken"'
)


class Problem(Exception):
    """Something the load test needs is missing or broken (exit status 2)."""


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    quick = os.environ.get("LOAD_QUICK", "").lower() in ("1", "true", "yes")
    parser.add_argument("--quick", action="store_true", default=quick, help="5 s phases")
    parser.add_argument("--duration", type=int, default=env_int("LOAD_DURATION", 0) or None)
    warmup = os.environ.get("LOAD_WARMUP")
    parser.add_argument("--warmup", type=int, default=int(warmup) if warmup else None)
    parser.add_argument("--connections", type=int, default=env_int("LOAD_CONNECTIONS", 0) or None)
    parser.add_argument("--threads", type=int, default=env_int("LOAD_THREADS", 1))
    parser.add_argument("--workers", type=int, default=env_int("LOAD_WORKERS", 2))
    parser.add_argument("--port", type=int, default=env_int("LOAD_PORT", 8801))
    parser.add_argument("--cases", type=int, default=env_int("LOAD_CASES", 200))
    parser.add_argument(
        "--phases", default=os.environ.get("LOAD_PHASES", ",".join(PHASES)), help="list,detail..."
    )
    parser.add_argument(
        "--dataset",
        choices=("national", "existing"),
        default=os.environ.get("LOAD_DATASET", "national"),
        help="national: bench/dataset.py's, built once; existing: the database as it is",
    )
    parser.add_argument(
        "--scale", type=float, default=float(os.environ.get("LOAD_SCALE") or 1.0), help="national"
    )
    parser.add_argument("--db", default=os.environ.get("LOAD_DB", ""))
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", ""))
    parser.add_argument("--out", type=Path, default=Path(os.environ.get("LOAD_OUT", OUT)))
    args = parser.parse_args(argv)
    args.duration = args.duration or (5 if args.quick else 60)
    # In a 5 s run 32 connections would each wait most of it for their first response.
    args.connections = args.connections or (8 if args.quick else 32)
    args.warmup = args.warmup if args.warmup is not None else (2 if args.quick else 5)
    args.phases = [phase.strip() for phase in args.phases.split(",") if phase.strip()]
    unknown = set(args.phases) - set(PHASES)
    if unknown or not args.phases:
        parser.error(f"--phases: choose among {', '.join(PHASES)}")
    if args.threads > args.connections:
        parser.error("--threads cannot exceed --connections")
    if not args.database_url:
        if args.dataset == "existing":
            parser.error("--dataset existing needs --database-url")
        # One database a scale: bench/dataset.py would empty and refill one of another scale.
        scale = "" if args.scale == 1 else "_" + f"{args.scale:g}".replace(".", "_")
        name = args.db or f"load_national{scale}"
        args.database_url = f"postgres://postgres@127.0.0.1:5432/{name}"
    name = urllib.parse.urlparse(args.database_url).path.lstrip("/")
    if name == "monitoring" or (args.dataset != "existing" and name.startswith("test_")):
        parser.error(f"refusing to load-test the database {name!r}: use a scratch database")
    return args


# The production-like environment ----------------------------------------------------------


def production_environment(args) -> None:
    """Set the settings' environment for this process and for gunicorn (which inherits it)."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "monitoring.settings",
            "DATABASE_URL": args.database_url,
            "DJANGO_DEBUG": "0",
            "DEMO_MODE": "0",
            "DJANGO_SECURE": "0",  # plain HTTP on loopback; HTTPS is the proxy's (README)
            "STATIC_MANIFEST": "1",
            "DJANGO_SECRET_KEY": os.urandom(40).hex(),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_CSRF_TRUSTED_ORIGINS": "",
            "REQUIRE_2FA": "1",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    for name in ("REDIS_URL", "DB_CONN_MAX_AGE", "PAGINATE_BY", "AXES_FAILURE_LIMIT"):
        os.environ.pop(name, None)  # no broker; the production defaults


def check_tools(args) -> None:
    if not shutil.which("wrk"):
        raise Problem("wrk is missing: apt-get install wrk (make load installs it)")
    if not (VENV / "bin" / "gunicorn").exists():
        raise Problem(f"no gunicorn in {VENV} (make install)")
    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", args.port)) == 0:
            raise Problem(f"something already answers on 127.0.0.1:{args.port} (set LOAD_PORT)")


# Database, user, URLs -----------------------------------------------------------------------


def prepare_database(args) -> dict:
    """Build or check the data; return what it holds."""
    from django.core.management import call_command
    from django.db import connection

    if args.dataset == "national":
        from bench.dataset import ensure_dataset

        # Creates, migrates and fills the database the first time (minutes), then reuses it.
        info = ensure_dataset(args.scale, url=args.database_url)
        info = {key: info[key] for key in ("scale", "version", "filled_at", "timeline_case")}
    else:
        info = {}
        call_command("migrate", verbosity=0)  # a no-op on an up-to-date database
    with connection.cursor() as cursor:
        counts = {}
        for table in ("cases_case", "cases_person", "cases_hearing", "cases_detention"):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 -- constant names
            counts[table.removeprefix("cases_")] = cursor.fetchone()[0]
    if not counts["case"]:
        raise Problem("the database holds no case: nothing to load-test")
    return {"counts": counts, **({"dataset": info} if info else {})}


def make_user():
    """Create (or reset) the load user: a supervisor with a password and an authenticator app."""
    import secrets

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cases import access

    password = secrets.token_urlsafe(24)
    user, _created = get_user_model().objects.get_or_create(
        username=USERNAME, defaults={"email": f"{USERNAME}@example.org"}
    )
    user.set_password(password)
    user.is_active = True
    user.save()
    user.groups.set([Group.objects.get(name=access.ROLE_SUPERVISOR)])
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name="load test", confirmed=True)
    return user, password, device


def pick_urls(user, args, heavy: int | None = None) -> dict[str, list[str]]:
    """The paths of each phase, the same for the same data (fixed seed)."""
    from django.conf import settings

    from cases.models import Case

    listing = {"status": "open", "o": "-updated"}
    rows = Case.objects.visible_to(user).filter(status=Case.Status.OPEN).count()
    numbers = [n for n in (2, 3) if rows > (n - 1) * settings.PAGINATE_BY]
    try:  # pages 2 and 3 as their "Next" links give them (a keyset cursor), where there is one
        from cases.pagination import list_page_url
    except ImportError:
        pages = [f"/cases/?{urllib.parse.urlencode({**listing, 'page': n})}" for n in numbers]
    else:
        pages = [list_page_url("cases:case-list", user, listing, n) for n in numbers]
    list_paths = [
        f"/cases/?{urllib.parse.urlencode(listing)}",
        *pages,
        *(f"/cases/?{urllib.parse.urlencode({**listing, 'stage': s})}" for s in Case.Stage.values),
    ]
    pks = list(Case.objects.visible_to(user).order_by("pk").values_list("pk", flat=True))
    count = min(args.cases, len(pks))
    detail = random.Random(SEED).sample(pks, count)
    timeline = random.Random(SEED + 1).sample(pks, count)
    if heavy and heavy in pks and heavy not in timeline:  # the dataset's case of 200 events
        timeline[-1] = heavy
    return {
        "list": list_paths,
        "detail": [f"/cases/{pk}/" for pk in detail],
        "timeline": [f"/cases/{pk}/timeline/" for pk in timeline],
    }


# gunicorn --------------------------------------------------------------------------------


class Server:
    """gunicorn on 127.0.0.1:port with its logs in a folder; ``stop()`` always ends it."""

    def __init__(self, args, folder: Path) -> None:
        self.args = args
        self.base = f"http://127.0.0.1:{args.port}"
        self.access_log = folder / "access.log"
        self.server_log = folder / "server.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            str(VENV / "bin" / "gunicorn"),
            "monitoring.wsgi:application",
            f"--bind=127.0.0.1:{self.args.port}",
            f"--workers={self.args.workers}",
            "--worker-class=sync",
            "--timeout=30",
            "--no-control-socket",
            f"--access-logfile={self.access_log}",
            f"--access-logformat={ACCESS_FORMAT}",
            "--error-logfile=-",
        ]
        with open(self.server_log, "ab") as log:  # gunicorn's log and the app's (stderr)
            self.process = subprocess.Popen(  # noqa: S603 -- our own command line
                command,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Problem(f"gunicorn died:\n{self.tail()}")
            if self.status("/accounts/login/") == 200 and len(self.worker_pids()) == self.workers:
                return
            time.sleep(0.3)
        raise Problem(f"{self.base}/accounts/login/ does not answer 200:\n{self.tail()}")

    @property
    def workers(self) -> int:
        return self.args.workers

    def status(self, path: str) -> int | None:
        try:
            with urllib.request.urlopen(self.base + path, timeout=5) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return None

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                pids.append(int(entry.name))
        return sorted(pids)

    def tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.server_log.read_text().splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # gunicorn's graceful stop: workers finish their request
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time of a process so far (None when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_backends(database: str) -> list[int]:
    """The PostgreSQL backends serving ``database`` on this machine (by their process title)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().decode("utf-8", "replace")
            except OSError:
                continue
            match = BACKEND_TITLE.match(title)
            if match and match.group(1) == database:
                pids.append(int(entry.name))
    return pids


class CpuSampler(threading.Thread):
    """Sum the CPU time the gunicorn workers and their PostgreSQL backends use while it runs.

    A backend may end during a phase (a connection older than CONN_MAX_AGE is closed after
    its request), so the processes are read twice a second: at most the last half second of
    an ended backend is missed.
    """

    def __init__(self, server: Server, database: str) -> None:
        super().__init__(daemon=True)
        self.server, self.database = server, database
        self.first: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self.finished = threading.Event()

    def sample(self) -> None:
        processes = [("workers", pid) for pid in self.server.worker_pids()]
        processes += [("database", pid) for pid in database_backends(self.database)]
        for key in processes:
            seconds = cpu_seconds(key[1])
            if seconds is not None:
                # A process that appears during the phase counts from zero.
                self.first.setdefault(key, 0.0 if self.started_sampling else seconds)
                self.last[key] = seconds
        self.started_sampling = True

    def run(self) -> None:
        while not self.finished.wait(0.5):
            self.sample()

    def start(self) -> None:
        self.started_sampling = False
        self.sample()
        super().start()

    def stop(self) -> dict[str, float]:
        self.finished.set()
        self.join()
        self.sample()
        totals = {"workers": 0.0, "database": 0.0}
        for key, seconds in self.last.items():
            totals[key[0]] += seconds - self.first[key]
        return totals


# Logging in ------------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def open_url(opener, url: str, data: dict | None = None) -> tuple[int, str, str]:
    """Return (status, Location, body) without following redirects."""
    request = urllib.request.Request(  # noqa: S310 -- the server's own loopback address
        url,
        data=urllib.parse.urlencode(data).encode() if data is not None else None,
        headers={"Referer": url},
    )
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, "", response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", ""), ""


def form_token(page: str, url: str) -> str:
    match = TOKEN.search(page)
    if not match:
        raise Problem(f"no csrfmiddlewaretoken on {url}")
    return match.group(1) or match.group(2)


def log_in(base: str, password: str, device) -> str:
    """Log in through the password form, then the code form; return the Cookie header."""
    from django_otp.oath import TOTP

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    login = f"{base}/accounts/login/"
    status, _location, page = open_url(opener, login)
    token = form_token(page, login)
    fields = {"csrfmiddlewaretoken": token, "username": USERNAME, "password": password}
    status, location, _page = open_url(opener, login, fields)
    if status != 302 or "two-factor/verify" not in location:
        raise Problem(f"the password login answered {status} {location!r}, not the code page")
    verify = urllib.parse.urljoin(login, location)
    status, _location, page = open_url(opener, verify)
    token = form_token(page, verify)
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    status, location, _page = open_url(
        opener, verify, {"csrfmiddlewaretoken": token, "code": f"{code.token():0{device.digits}d}"}
    )
    if status != 302 or "/accounts/" in location:
        raise Problem(f"the code form answered {status} {location!r}: not logged in")
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def check_pages(base: str, cookie: str, urls: dict[str, list[str]]) -> None:
    """Each kind of page answers 200 to the session (not a redirect to a login or code page)."""
    for phase, paths in urls.items():
        for path in paths[:1]:
            request = urllib.request.Request(base + path, headers={"Cookie": cookie})  # noqa: S310
            opener = urllib.request.build_opener(NoRedirect)
            try:
                with opener.open(request, timeout=30) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = f"{error.code} {error.headers.get('Location', '')}"
            if status != 200:
                raise Problem(f"{phase}: GET {path} answered {status}, not 200")


# wrk -------------------------------------------------------------------------------------


def run_wrk(args, base: str, folder: Path, name: str, paths: list[str], seconds: int) -> dict:
    paths_file = folder / f"{name}.paths"
    paths_file.write_text("\n".join(paths) + "\n")
    command = [
        "wrk",
        f"--threads={args.threads}",
        f"--connections={args.connections}",
        f"--duration={seconds}s",
        "--timeout=30s",
        "--latency",
        f"--script={LUA}",
        base,
        "--",
        str(paths_file),
        str(folder / "cookie"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    (folder / f"wrk-{name}.txt").write_text(done.stdout + done.stderr)
    for line in done.stdout.splitlines():
        if line.startswith("LOAD-RESULT "):
            return json.loads(line.removeprefix("LOAD-RESULT "))
    raise Problem(f"wrk gave no result (exit {done.returncode}):\n{done.stdout}{done.stderr}")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]  # the nearest rank


def access_lines(server: Server, offset: int) -> tuple[list[tuple[str, float, str]], int]:
    """The access log's lines from offset on: (status, seconds, request line); the new end."""
    with open(server.access_log, "rb") as log:
        log.seek(offset)
        data = log.read()
    lines = []
    for line in data.decode("utf-8", "replace").splitlines():
        status, seconds, request = line.split(" ", 2)
        lines.append((status, float(seconds), request.strip('"')))
    return lines, offset + len(data)


def summarise(raw: dict, access: list, cpu: dict, paths: list) -> dict:
    seconds = raw["duration_us"] / 1e6
    others = dict(raw["other_statuses"])
    socket_errors = sum(raw["socket_errors"].values())
    latency = raw["latency_us"]
    server_times = [seconds_ * 1000 for _status, seconds_, _request in access]
    return {
        "urls": len(paths),
        "example_url": paths[0],
        "seconds": round(seconds, 2),
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "latency_ms": {
            **{f"p{p}": round(us / 1000, 1) for p, us in latency["percentiles"].items()},
            "mean": round(latency["mean"] / 1000, 1),
            "max": round(latency["max"] / 1000, 1),
        },
        "errors": sum(others.values()) + socket_errors,
        "non_2xx": sum(count for status, count in others.items() if not status.startswith("2")),
        "statuses": {"200": raw["ok"], **others},
        "socket_errors": raw["socket_errors"],
        "non_200_examples": [
            f"{status} {request}" for status, _s, request in access if status != "200"
        ][:5],
        "server_ms": {
            "p50": round(percentile(server_times, 50), 1),
            "p95": round(percentile(server_times, 95), 1),
            "p99": round(percentile(server_times, 99), 1),
        },
        "served": len(access),  # by the workers in the phase, some after wrk stopped waiting
        # CPU time a request costs, whatever else the machine runs: gunicorn's workers and
        # the PostgreSQL backends that serve them (2 cores / this = the most requests/s).
        "cpu_ms_per_request": {
            name: round(seconds * 1000 / len(access), 1) if access else None
            for name, seconds in cpu.items()
        },
        # What the machine's cores would serve at that cost if the load test had them all
        # (wrk, gunicorn's master and the kernel left out): an optimistic ceiling.
        "cpu_ceiling_rps": round((os.cpu_count() or 1) * len(access) / sum(cpu.values()), 1)
        if access and sum(cpu.values())
        else None,
        "load_average": None,  # filled by the caller
    }


def goals(phases: dict) -> dict:
    result: dict = {}
    if "list" in phases:
        listing = phases["list"]
        result["list_rps"] = {
            "goal": f">= {GOALS['list_rps']:g}",
            "value": listing["rps"],
            "pass": listing["rps"] >= GOALS["list_rps"],
        }
        result["list_p99_ms"] = {
            "goal": f"<= {GOALS['list_p99_ms']:g}",
            "value": listing["latency_ms"]["p99"],
            "pass": listing["latency_ms"]["p99"] <= GOALS["list_p99_ms"],
        }
    errors = sum(phase["errors"] for phase in phases.values())
    result["errors"] = {"goal": "0 (all phases)", "value": errors, "pass": errors == 0}
    return result


def cpu_text(cpu: dict) -> str:
    """ "12+5": milliseconds of CPU a request in the workers + in PostgreSQL."""
    if cpu["workers"] is None:
        return "-"
    return f"{cpu['workers']:.0f}+{cpu['database']:.0f}"


def print_table(result: dict) -> None:
    print()
    print(
        f"{'page':<9} {'URLs':>5} {'requests':>9} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'max ms':>7} {'errors':>6} {'non-2xx':>7} {'app p50':>7} "
        f"{'CPU ms/req':>10} {'ceiling':>7}  load avg"
    )
    for name, phase in result["phases"].items():
        latency = phase["latency_ms"]
        print(
            f"{name:<9} {phase['urls']:>5} {phase['requests']:>9} {phase['rps']:>7} "
            f"{latency['p50']:>7} {latency['p95']:>7} {latency['p99']:>7} {latency['max']:>7} "
            f"{phase['errors']:>6} {phase['non_2xx']:>7} {phase['server_ms']['p50']:>7} "
            f"{cpu_text(phase['cpu_ms_per_request']):>10} {phase['cpu_ceiling_rps'] or '-':>7}  "
            + " ".join(f"{value:.2f}" for value in phase["load_average"])
        )
        for example in phase["non_200_examples"]:
            print(f"          e.g. {example}")
    print(
        "app p50: time in the worker (access log); CPU ms/req: in the workers + in PostgreSQL; "
        "ceiling: requests/s all the CPUs would serve at that cost"
    )
    print()
    settings = result["settings"]
    print(
        f"gunicorn: {settings['workers']} sync workers; wrk: {settings['connections']} "
        f"connections, {settings['threads']} thread(s), {settings['duration_s']} s a page type; "
        f"{os.cpu_count()} CPUs; load average before "
        + " ".join(f"{v:.2f}" for v in result["load_average_before"])
        + ", after "
        + " ".join(f"{v:.2f}" for v in result["load_average_after"])
    )
    for name, goal in result["goals"].items():
        verdict = "PASS" if goal["pass"] else "FAIL"
        print(f"  {verdict}  {name}: {goal['value']} (goal {goal['goal']})")


def code_version() -> str:
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


# Main ------------------------------------------------------------------------------------


def run(args) -> int:
    check_tools(args)
    folder = Path(tempfile.gettempdir()) / f"load-{args.port}"
    folder.mkdir(exist_ok=True)
    lock = open(folder / ".lock", "w")  # noqa: SIM115 -- held until the process ends
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise Problem(f"another load test on port {args.port} is running") from None
    for old in folder.iterdir():
        if old.name != ".lock":
            old.unlink()

    started = time.monotonic()

    def step(text: str) -> None:
        print(f"[{time.monotonic() - started:5.1f} s] {text}", flush=True)

    production_environment(args)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    database = urllib.parse.urlparse(args.database_url).path.lstrip("/")
    step(f"database {database}")
    data = prepare_database(args)
    step(f"data: {data['counts']}; collectstatic, the load user, the URLs")
    call_command("collectstatic", "--noinput", verbosity=0)
    user, password, device = make_user()
    urls = pick_urls(user, args, data.get("dataset", {}).get("timeline_case"))
    connection.close()

    server = Server(args, folder)
    try:
        step(f"gunicorn: {args.workers} sync workers on {server.base}, logs in {folder}/")
        server.start()
        step("log in (password, then the authenticator code); check each kind of page")
        cookie = log_in(server.base, password, device)
        (folder / "cookie").write_text(cookie + "\n")
        check_pages(server.base, cookie, urls)
        if args.warmup:
            step(f"warm-up: {args.warmup} s")
            every = [path for paths in urls.values() for path in paths[:20]]
            run_wrk(args, server.base, folder, "warmup", every, args.warmup)
        _lines, offset = access_lines(server, 0)
        load_before = os.getloadavg()
        phases = {}
        for name in args.phases:
            step(
                f"{name}: {args.duration} s at {args.connections} connections "
                f"({len(urls[name])} URLs, e.g. {urls[name][0]})"
            )
            sampler = CpuSampler(server, database)
            sampler.start()
            raw = run_wrk(args, server.base, folder, name, urls[name], args.duration)
            cpu = sampler.stop()
            access, offset = access_lines(server, offset)
            phases[name] = summarise(raw, access, cpu, urls[name])
            phases[name]["load_average"] = [round(v, 2) for v in os.getloadavg()]
        load_after = os.getloadavg()
    finally:
        server.stop()
        (folder / "cookie").unlink(missing_ok=True)

    result = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "code": code_version(),
        "database": database,
        "data": data,
        "user": "a supervisor (sees every case), password and authenticator code",
        "settings": {
            "server": "gunicorn",
            "workers": args.workers,
            "worker_class": "sync",
            "bind": f"127.0.0.1:{args.port}",
            "django": "DJANGO_DEBUG=0, REQUIRE_2FA=1, STATIC_MANIFEST=1, PostgreSQL, no Redis",
            "tool": "wrk --latency (bench/load/pages.lua)",
            "connections": args.connections,
            "threads": args.threads,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "logs": str(folder),
        },
        "cpus": os.cpu_count(),
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in load_after],
        "phases": phases,
        "urls": {name: paths for name, paths in urls.items() if name in args.phases},
        "goals": goals(phases),
        "total_seconds": round(time.monotonic() - started, 1),
    }
    args.out.write_text(json.dumps(result, indent=1, default=str) + "\n")
    print_table(result)
    print(f"Written: {args.out}")
    if not result["goals"]["errors"]["pass"]:
        print(f"error: responses other than 200, or socket errors; see {folder}/", file=sys.stderr)
        return 1
    strict = os.environ.get("LOAD_STRICT", "").lower() in ("1", "true", "yes")
    if strict and not all(goal["pass"] for goal in result["goals"].values()):
        return 1
    return 0


def main() -> None:
    args = parse_args()

    def interrupted(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)
    try:
        sys.exit(run(args))
    except Problem as problem:
        print(f"error: {problem}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
