"""Private, real PostgreSQL, Redis and SMTP servers for the fault tests, and the app's processes.

The fixtures are in ``conftest.py``; the tests import the helpers from here.

The fault tests stop, kill and restart servers, so they never touch the shared ones (other
tests use them at the same time): each session (each xdist worker) starts its own PostgreSQL
cluster (``initdb`` into a temporary folder, fsync on, run as the ``postgres`` user when the
tests run as root) and its own ``redis-server``, both on free ports of 127.0.0.1. The cluster
is migrated once (or restored from a dump cached by an earlier session) into a template
database holding two monitors of one case with a hearing in three days (so a reminder is due
for each); every test gets a fresh copy of it. The app runs as real processes pointed at these
servers: gunicorn, ``celery worker`` and ``celery beat``, with production-like settings (DEBUG
off, the SMTP backend) and a real SMTP server of ours that records what it accepted.

Without ``redis-server`` or PostgreSQL's binaries the tests are skipped with the reason; with
``REQUIRE_SERVICES=1`` (CI) they fail instead.
"""

from __future__ import annotations

import contextlib
import email
import glob
import hashlib
import html.parser
import http.cookiejar
import os
import pwd
import secrets
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
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
TEMPLATE = "faults_template"
FAST_COMMITS = "-c synchronous_commit=off"
PASSWORD = "test-password-2026"  # tests.factories.PASSWORD
WAIT = 60  # seconds: the longest any one step may take before the test fails


# --- Prerequisites ------------------------------------------------------------------------


def unavailable(reason: str):
    """Skip, or fail when the environment says the services must be there (CI)."""
    if os.environ.get("REQUIRE_SERVICES"):
        pytest.fail(f"fault tests cannot run: {reason}")
    pytest.skip(reason)


def postgres_bindir() -> Path | None:
    """PostgreSQL's server binaries: the newest /usr/lib/postgresql/N/bin, else initdb on PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], object], what: str, timeout: float = WAIT, log=None):
    """Poll ``condition`` until it is true; fail with ``what`` (and a log's tail) otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    tail = f"\n--- log ---\n{log()[-4000:]}" if log else ""
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}{tail}")


# --- PostgreSQL ---------------------------------------------------------------------------


class PrivatePostgres:
    """A PostgreSQL cluster of our own: initdb'd into ``root``, listening on 127.0.0.1:port."""

    def __init__(self, bindir: Path, root: Path, port: int):
        self.bindir, self.root, self.port = bindir, root, port
        self.data = root / "data"
        self.log = root / "server.log"
        self.as_owner = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            self.as_owner = ["runuser", "-u", "postgres", "--"]
            owner = pwd.getpwnam("postgres")
            os.chown(root, owner.pw_uid, owner.pw_gid)

    def run(self, tool: str, *args: str, timeout: float = WAIT) -> str:
        command = [*self.as_owner, str(self.bindir / tool), *args]
        done = subprocess.run(  # noqa: S603 (fixed argv)
            command, capture_output=True, text=True, timeout=timeout, cwd=self.root
        )
        if done.returncode:
            log = self.log.read_text() if self.log.exists() else ""
            pytest.fail(f"{tool} {' '.join(args)} failed:\n{done.stdout}{done.stderr}\n{log}")
        return done.stdout

    def init(self) -> None:
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                 "--locale", "C.UTF-8", "--no-sync")  # fmt: skip
        # fsync and synchronous_commit stay on (the defaults): the tests assert that what was
        # acknowledged survives a crash-like restart.
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.root}'\n"
                "max_connections = 40\nshared_buffers = 32MB\n"
                # After a crash, one syncfs() instead of an fsync() of each of the thousands
                # of files (as safe; seconds faster on a busy disk).
                "recovery_init_sync_method = syncfs\n"
            )

    def client(self, tool: str, *args: str) -> None:
        """Run a client program (pg_dump, pg_restore) as ourselves, over TCP."""
        done = subprocess.run(  # noqa: S603 (fixed argv)
            [str(self.bindir / tool), *args], capture_output=True, text=True, timeout=WAIT
        )
        if done.returncode:
            pytest.fail(f"{tool} failed:\n{done.stdout}{done.stderr}")

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def restart(self, mode: str) -> None:
        """``pg_ctl restart -m mode``: ``immediate`` is a crash (recovery from the WAL)."""
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", mode, "-w", "-t", "60",
                 "restart")  # fmt: skip

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def connect(self, name: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=name, autocommit=True
        )

    def query(self, name: str, sql: str, *params) -> list[tuple]:
        with self.connect(name) as conn:
            return conn.execute(sql, params).fetchall()

    def fresh_database(self, name: str) -> str:
        """A new database copied from the migrated, seeded template; return its URL."""
        with self.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            # FILE_COPY checkpoints around the copy, so a crash later has little to redo.
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}" STRATEGY FILE_COPY')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# The template's data: two monitors (with e-mail addresses) of one case whose hearing is in
# three days, so one "hearing coming up" reminder (7 days before) is due for each of them; an
# exporter.
SEED = """
import datetime as dt, json
import django
django.setup()
from django.utils import timezone
from tests.factories import make_case, make_hearing, make_user
a = make_user("monitor", username="monitor-a", email="monitor-a@example.org")
b = make_user("monitor", username="monitor-b", email="monitor-b@example.org")
make_user("exporter", username="exporter")
case = make_case(monitors=[a, b])
make_hearing(case=case, scheduled_at=timezone.now() + dt.timedelta(days=3))
print(json.dumps({"case": case.pk, "monitor_a": a.pk, "monitor_b": b.pk}))
"""


def has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def migrations_key() -> str:
    """A hash of every migration file Django would apply: it names the cached schema dump."""
    from django.db.migrations.loader import MigrationLoader

    digest = hashlib.sha256()
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for key in sorted(loader.disk_migrations):
        digest.update(repr(key).encode())
        digest.update(
            Path(sys.modules[loader.disk_migrations[key].__module__].__file__).read_bytes()
        )
    return digest.hexdigest()[:16]


def build_template(server: PrivatePostgres) -> None:
    """Migrate the template database, or restore it from the dump a previous session cached.

    Migrating takes 10 to 30 s of CPU on 2 cores; restoring the dump about one. The dump is
    named after a hash of the migration files, so any change to them builds a new one; it is
    kept in a folder only this user can write (a restore runs its SQL as a superuser).
    """
    folder = Path(tempfile.gettempdir()) / f"monitoring-faults-{os.geteuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    if folder.stat().st_uid != os.geteuid() or folder.stat().st_mode & 0o077:
        folder = Path(tempfile.mkdtemp(prefix="faults-cache-"))  # not ours: no cache
    cache = folder / f"{migrations_key()}.dump"
    with server.connect() as conn:
        conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
    url = server.url(TEMPLATE)
    client = ["-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres"]
    if cache.exists():
        server.client("pg_restore", *client, "-d", TEMPLATE, "--single-transaction", str(cache))
        return
    # Building the template is not under test: its commits need not wait for the disk.
    run_django(["manage.py", "migrate", "--noinput"], app_env(url, PGOPTIONS=FAST_COMMITS))
    partial = cache.with_suffix(f".{os.getpid()}")
    server.client("pg_dump", *client, "-Fc", "-f", str(partial), TEMPLATE)
    partial.replace(cache)  # atomic: a concurrent session reads a whole file or none
    for old in folder.glob("*.dump"):
        if old != cache:
            old.unlink(missing_ok=True)


def run_django(args: list[str], env: dict) -> str:
    done = subprocess.run(  # noqa: S603 (fixed argv)
        [PYTHON, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    if done.returncode:
        pytest.fail(f"{' '.join(args)[:80]} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


# --- Redis --------------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server of our own, which a test may stop and start again on the same port."""

    def __init__(self, root: Path, port: int):
        self.root, self.port = root, port
        self.log = root / "redis.log"
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        if self.process and self.process.poll() is None:
            return
        self.process = subprocess.Popen(  # noqa: S603 (fixed argv)
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.root)],
            stdout=self.log.open("a"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        wait_until(self.ping, "redis-server to answer", log=self.log.read_text)

    def stop(self) -> None:
        """Stop the server (SIGTERM: it exits at once, nothing saved): clients get refused."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=WAIT)
        assert not self.ping()

    def freeze(self, frozen: bool = True) -> None:
        """SIGSTOP the server (it accepts connections and never answers), or SIGCONT it."""
        self.process.send_signal(signal.SIGSTOP if frozen else signal.SIGCONT)

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as conn:
            conn.sendall(b"FLUSHALL\r\n")
            assert conn.recv(16).startswith(b"+OK")


# --- SMTP ---------------------------------------------------------------------------------


class SmtpSink:
    """A small SMTP server (the RFC 5321 commands smtplib uses) that records what it accepts.

    A message counts as accepted when the server has answered ``250`` to its DATA, as a real
    server does. ``stall(recipient, at)`` makes the next message to ``recipient`` hang, before
    that ``250`` (``at="data"``: the message is then not accepted) or after it, on the
    client's QUIT (``at="quit"``: accepted, but the client never hears the end), until the
    client goes away; ``stalled`` lists the recipients hanging now.
    """

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.accepted: list[email.message.Message] = []
        self.dropped: list[email.message.Message] = []  # whole DATA received, never accepted
        self.stalls: dict[str, str] = {}
        self.stalled: list[str] = []
        self.lock = threading.Lock()
        self.closing = False
        threading.Thread(target=self.serve, daemon=True).start()

    def stall(self, recipient: str, at: str) -> None:
        self.stalls[recipient] = at

    def recipients(self) -> list[str]:
        with self.lock:
            return [message["To"] for message in self.accepted]

    def message_ids(self) -> list[str]:
        with self.lock:
            return [message["Message-ID"] for message in self.accepted]

    def serve(self) -> None:
        while not self.closing:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self.session, args=(conn,), daemon=True).start()

    def close(self) -> None:
        self.closing = True
        self.server.close()

    def _hang(self, conn: socket.socket, recipient: str) -> None:
        """Answer nothing until the client's process closes the connection (or 2 minutes)."""
        with self.lock:
            self.stalled.append(recipient)
        conn.settimeout(120)
        with contextlib.suppress(OSError):
            while conn.recv(1024):
                pass
        with self.lock:
            self.stalled.remove(recipient)

    def session(self, conn: socket.socket) -> None:
        reader = conn.makefile("rb")

        def reply(line: str) -> None:
            conn.sendall(line.encode() + b"\r\n")

        recipients: list[str] = []
        last: list[str] = []
        with conn, contextlib.suppress(OSError):
            reply("220 sink.test ESMTP")
            while line := reader.readline():
                verb = line[:4].decode(errors="replace").upper()
                if verb in {"EHLO", "HELO"}:
                    reply("250 sink.test")
                elif verb == "MAIL":
                    recipients = []
                    reply("250 OK")
                elif verb == "RCPT":
                    recipients.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                    reply("250 OK")
                elif verb == "DATA":
                    reply("354 go ahead")
                    lines = []
                    while (part := reader.readline()) not in {b".\r\n", b".\n", b""}:
                        lines.append(part[1:] if part.startswith(b"..") else part)
                    message = email.message_from_bytes(b"".join(lines))
                    stalled = [r for r in recipients if self.stalls.get(r) == "data"]
                    if stalled:
                        self.stalls.pop(stalled[0])
                        self._hang(conn, stalled[0])
                        with self.lock:
                            self.dropped.append(message)
                        return
                    with self.lock:
                        self.accepted.append(message)
                    last, recipients = recipients, []
                    reply("250 OK queued")
                elif verb == "QUIT":
                    stalled = [r for r in last if self.stalls.get(r) == "quit"]
                    if stalled:
                        self.stalls.pop(stalled[0])
                        self._hang(conn, stalled[0])
                        return
                    reply("221 bye")
                    return
                elif verb in {"RSET", "NOOP"}:
                    reply("250 OK")
                else:
                    reply("502 not implemented")


# --- The app's processes ------------------------------------------------------------------


def app_env(database_url: str, redis_url: str = "", **extra) -> dict[str, str]:
    """Production-like settings for a process of the app (DEBUG off, no demo mode)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "EMAIL_", "CELERY_", "REMINDER_", "PYTEST_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="monitoring.settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DJANGO_DEBUG="0",
        DEMO_MODE="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        REQUIRE_2FA="0",
        STATIC_MANIFEST="0",
        AXES_FAILURE_LIMIT="1000",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        MEDIA_ROOT=tempfile.gettempdir(),
    )
    env.update({key: str(value) for key, value in extra.items()})
    return env


class Process:
    """One of the app's processes (its own process group), with its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict, logs: Path):
        self.name = name
        self.log_path = logs / f"{name}.log"
        self.process = subprocess.Popen(  # noqa: S603 (fixed argv)
            [PYTHON, *argv],
            cwd=BASE_DIR,
            env=env,
            stdout=self.log_path.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_for(self, text: str, timeout: float = WAIT, count: int = 1) -> None:
        def seen():
            if not self.alive():
                code = self.process.returncode
                pytest.fail(f"{self.name} exited ({code}):\n{self.log()[-4000:]}")
            return self.log().count(text) >= count

        wait_until(seen, f"{text!r} in the {self.name} log", timeout, log=self.log)

    def kill(self) -> None:
        """SIGKILL the whole process group (the main process and every child) at once."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=WAIT)

    def stop(self) -> None:
        """At the end of a test: nothing to finish or save, so SIGKILL the group (fast)."""
        self.kill()


# --- A browser without a browser ----------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class _Form(html.parser.HTMLParser):
    """The fields of every <form> of a page, with the values a browser would submit."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self.select: str | None = None
        self.first_option: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({})
        elif not self.forms or (not a.get("name") and tag != "option"):
            return
        elif tag == "input":
            kind = a.get("type", "text")
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            if kind not in {"submit", "button", "file"}:
                self.forms[-1][a["name"]] = a.get("value") or ("on" if kind == "checkbox" else "")
        elif tag == "select":
            self.select, self.first_option = a["name"], None
        elif tag == "option" and self.select:
            value = a.get("value", "")
            if self.first_option is None:
                self.first_option = value
                self.forms[-1].setdefault(self.select, value)
            if "selected" in a:
                self.forms[-1][self.select] = value
        elif tag == "textarea":
            self.textarea = a["name"]
            self.forms[-1][self.textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea and self.forms:
            self.forms[-1][self.textarea] += data


class Browser:
    """Cookies, CSRF tokens and forms over plain HTTP; redirects are returned, not followed."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect
        )

    def request(self, path: str, data: dict | None = None, timeout: float = 20):
        """Return (status, body); a refused or dropped connection is status 0."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)  # noqa: S310 (http://)
        if data is not None:
            request.add_header("Referer", self.base + path)
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            return 0, repr(error)

    def form(self, path: str, field: str) -> dict[str, str]:
        """The fields of the page's form that has ``field``, as a browser would send them."""
        status, page = self.request(path)
        assert status == 200, f"GET {path}: {status}\n{page[:2000]}"
        parser = _Form()
        parser.feed(page)
        forms = [form for form in parser.forms if field in form]
        assert forms, f"no form with {field!r} on {path}"
        return forms[0]

    def login(self, username: str, password: str = PASSWORD) -> None:
        fields = self.form("/accounts/login/", "username")
        status, page = self.request(
            "/accounts/login/", {**fields, "username": username, "password": password}
        )
        assert status == 302, f"login as {username}: {status}\n{page[:2000]}"


class Processes:
    """Starts the app's processes for one test; ``stop_all`` stops those still running."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.started: list[Process] = []

    def gunicorn(self, env: dict, port: int) -> Process:
        return self.start("gunicorn", [
            "-m", "gunicorn", "monitoring.wsgi:application", "--bind", f"127.0.0.1:{port}",
            "--workers", "2", "--timeout", "30", "--graceful-timeout", "5",
            "--access-logfile", "-",
        ], env)  # fmt: skip

    def worker(self, env: dict, name: str = "worker", beat: bool = False) -> Process:
        """``celery worker`` on the env's queue, two pool processes; ``beat``: embedded beat."""
        argv = [
            "-m", "celery", "-A", "monitoring", "worker", "--queues", env["CELERY_QUEUE"],
            "--concurrency", "2", "--pool", "prefork", "--without-gossip",
            "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
            "--hostname", f"{name}@faults",
        ]  # fmt: skip
        if beat:
            argv += ["--beat", "--schedule", str(self.logs / "beat-schedule")]
        return self.start(name, argv, env)

    def beat(self, env: dict) -> Process:
        return self.start("beat", [
            "-m", "celery", "-A", "monitoring", "beat", "--loglevel", "INFO",
            "--schedule", str(self.logs / "beat-schedule"),
        ], env)  # fmt: skip

    def start(self, name: str, argv: list[str], env: dict) -> Process:
        process = Process(name, argv, env, self.logs)
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.started):
            process.stop()


def serving(base: str) -> bool:
    return Browser(base).request("/accounts/login/", timeout=5)[0] == 200
