"""PostgreSQL restarted while users write: the app recovers by itself, no acknowledged write
is lost.

gunicorn (2 sync workers, persistent database connections) serves two logged-in monitors who
add follow-ups through the real form as fast as the server answers. PostgreSQL is restarted
twice, and gunicorn never:

1. under that load, with ``pg_ctl restart -m immediate`` (no checkpoint, recovery from the
   WAL: what a crash does; fsync and synchronous_commit are on, as in production);
2. while nobody writes, with ``-m fast`` (a clean restart): the workers' persistent
   connections are all dead, and the very first requests afterwards must still succeed
   (``CONN_HEALTH_CHECKS`` notices and reconnects).

Every follow-up the app acknowledged (302 to the case) must be in the database afterwards; a
write that failed must have said so (a 5xx or a dropped connection, never a 200 or a 302
hiding a loss); once the database is back, nothing fails.
"""

import threading
import time

from tests.faults.harness import Browser, app_env, free_port, serving, wait_until

FAILED = {0, 500, 502, 503, 504}  # a refused or dropped connection, or the server's error page


class Writers:
    """Two monitors adding follow-ups in a loop; every answer recorded."""

    def __init__(self, base: str, case: int):
        self.path = f"/cases/{case}/followups/new/"
        self.results: list[tuple[float, str, int]] = []  # (time sent, description, status)
        self.running = threading.Event()
        self.stopping = threading.Event()
        self.idle = [threading.Event(), threading.Event()]
        self.threads = []
        for number, username in enumerate(("monitor-a", "monitor-b")):
            browser = Browser(base)
            browser.login(username)
            fields = browser.form(self.path, "description")
            thread = threading.Thread(
                target=self.write, args=(number, browser, fields), daemon=True
            )
            self.threads.append(thread)

    def write(self, number: int, browser: Browser, fields: dict) -> None:
        count = 0
        while not self.stopping.is_set():
            if not self.running.is_set():
                self.idle[number].set()
                self.running.wait(0.1)
                continue
            self.idle[number].clear()
            count += 1
            description = f"fault-write-{number}-{count}"
            sent = time.monotonic()
            status, _ = browser.request(
                self.path, {**fields, "kind": "letter", "description": description}, timeout=30
            )
            self.results.append((sent, description, status))
            if status != 302:
                time.sleep(0.1)  # the database is away: do not spin

    def start(self) -> None:
        self.running.set()
        for thread in self.threads:
            if not thread.is_alive():
                thread.start()

    def pause(self) -> None:
        self.running.clear()
        for idle in self.idle:
            idle.clear()
        wait_until(lambda: all(idle.is_set() for idle in self.idle), "the writers to pause")

    def stop(self) -> None:
        self.stopping.set()
        self.running.set()
        for thread in self.threads:
            thread.join(timeout=35)

    def acknowledged_since(self, moment: float) -> int:
        return sum(1 for sent, _, status in self.results if status == 302 and sent > moment)

    def failures_since(self, moment: float) -> list[tuple[float, int]]:
        return [
            (round(sent - moment, 2), status)
            for sent, _, status in self.results
            if sent > moment and status != 302
        ]


def test_no_acknowledged_write_is_lost_when_postgres_restarts(postgres, database, processes):
    database, url = database
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = processes.gunicorn(app_env(url), port)
    wait_until(lambda: serving(base), "gunicorn to answer", log=server.log)
    case = postgres.seed["case"]
    writers = Writers(base, case)
    try:
        writers.start()
        wait_until(lambda: writers.acknowledged_since(0) >= 10, "10 writes before the crash")
        crashed = time.monotonic()
        postgres.restart("immediate")
        back = time.monotonic()
        wait_until(lambda: writers.acknowledged_since(back) >= 10, "10 writes after the crash")
        writers.pause()
        postgres.restart("fast")
        restarted = time.monotonic()
        writers.start()
        wait_until(lambda: writers.acknowledged_since(restarted) >= 10, "10 writes after")
    finally:
        writers.stop()

    statuses = {status for _, _, status in writers.results}
    assert statuses <= {302} | FAILED, f"unexpected answers: {sorted(statuses)}"
    acknowledged = [description for _, description, status in writers.results if status == 302]
    stored = {
        description
        for (description,) in postgres.query(
            database, "SELECT description FROM cases_followup WHERE case_id = %s", case
        )
    }
    lost = [description for description in acknowledged if description not in stored]
    assert not lost, f"{len(lost)} acknowledged writes are not in the database: {lost[:5]}"
    # After the crash, once one write succeeded, all did.
    first = min(sent for sent, _, status in writers.results if status == 302 and sent > back)
    assert not writers.failures_since(first), writers.failures_since(first)
    # After the clean restart, the stale connections were replaced before they failed anyone.
    assert not writers.failures_since(restarted), writers.failures_since(restarted)
    # Without a restart of the app: the master and its first two workers served throughout.
    assert server.alive()
    assert server.log().count("Booting worker") == 2, server.log()[-3000:]
    refused = len(writers.failures_since(crashed))
    print(
        f"{len(acknowledged)} writes acknowledged; {refused} refused while PostgreSQL recovered "
        f"from the crash ({back - crashed:.1f} s), none after"
    )
