"""Redis stopped while reminders are due: the app keeps working, and each reminder goes out
exactly once when Redis is back.

gunicorn, a Celery worker and Celery beat (a reminder pass every 2 s) run against the private
PostgreSQL and Redis, sending e-mail to our SMTP server. Redis is stopped with two reminders
due. While it is down:

- the pages answer at once (the case list, the case, the notifications), a write through a
  form is saved (a follow-up due tomorrow, whose own reminder falls due at once), and an
  export that would be queued on Celery is built in the web process instead;
- beat cannot queue the pass, and a pass run by hand (``manage.py run_reminders``, as cron
  would) claims the two reminders but cannot queue their delivery: they stay claimed.

Redis comes back (empty: nothing was saved); the worker and beat reconnect by themselves; the
pass requeues the claimed reminders and plans the follow-up's; each of the three is delivered
once: one e-mail each (distinct Message-IDs), one notification each.

Last, Redis is frozen (SIGSTOP: it accepts connections and never answers, like a host gone
behind a firewall): pages still answer at once, and an export gives up queueing after the
broker's socket timeout instead of hanging the request.
"""

import time

from reminders.dispatch import enqueue_all
from tests.faults.harness import Browser, app_env, free_port, run_django, serving, wait_until

QUICK = 5.0  # seconds: a page that takes longer with Redis down counts as hanging
FROZEN = 15.0  # seconds: the broker's socket timeout (5 s), one retry, and some slack


def due(postgres, database) -> list[tuple]:
    """(kind, e-mail, status, emailed, notifications) of each reminder due by now."""
    return postgres.query(
        database,
        "SELECT r.kind, u.email, r.status, r.emailed,"
        " (SELECT count(*) FROM reminders_notification n WHERE n.reminder_id = r.id)"
        " FROM reminders_reminder r JOIN auth_user u ON u.id = r.recipient_id"
        " WHERE r.due_at <= now() ORDER BY r.kind, u.email",
    )


def timed(browser: Browser, path: str, data: dict | None = None, limit: float = QUICK) -> int:
    started = time.monotonic()
    status, _ = browser.request(path, data, timeout=30)
    elapsed = time.monotonic() - started
    assert elapsed < limit, f"{path} took {elapsed:.1f} s with Redis down"
    return status


def test_pages_work_while_redis_is_down_and_reminders_go_out_once_it_is_back(
    postgres, database, redis, smtp, processes
):
    database, url = database
    env = app_env(
        url,
        redis.url(2),
        CELERY_QUEUE="faults-redis",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=smtp.port,
        REMINDER_PASS_SECONDS=2,
        REMINDER_REQUEUE_AFTER_SECONDS=4,
        EXPORT_XLSX_DIRECT_MAX_ROWS=0,  # every XLSX export is queued for the background
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = processes.gunicorn(env, port)
    worker = processes.worker(env)
    wait_until(lambda: serving(base), "gunicorn to answer", log=web.log)
    worker.wait_for("ready.")
    monitor, exporter = Browser(base), Browser(base)
    monitor.login("monitor-a")
    exporter.login("exporter")
    case = postgres.seed["case"]

    redis.stop()
    beat = processes.beat(env)
    # The pass as cron runs it: claims the two due reminders, cannot queue them.
    report = run_django(["manage.py", "run_reminders"], env)
    assert "claimed 2" in report, report
    assert [row[2] for row in due(postgres, database)] == ["claimed", "claimed"]

    for path in ("/", "/cases/", f"/cases/{case}/", "/notifications/"):
        assert timed(monitor, path) == 200, path
    path = f"/cases/{case}/followups/new/"
    fields = monitor.form(path, "description")
    tomorrow = time.strftime("%Y-%m-%d", time.localtime(time.time() + 86400))
    follow_up = {**fields, "kind": "letter", "description": "Written with Redis down"}
    assert timed(monitor, path, {**follow_up, "due_on": tomorrow}) == 302
    assert postgres.query(database, "SELECT due_on::text FROM cases_followup") == [(tomorrow,)]
    # An export that would be queued on Celery is built in the web process instead.
    assert timed(exporter, "/exports/cases.xlsx") == 302
    wait_until(
        lambda: postgres.query(database, "SELECT status FROM exports_exportjob") == [("ready",)],
        "the export to be built without Redis",
        log=web.log,
    )
    beat.wait_for("beat: Connection error")  # beat tried to queue a pass, and could not
    assert smtp.recipients() == []

    redis.start()
    wait_until(
        lambda: [row[2] for row in due(postgres, database)] == ["sent"] * 3,
        "the three reminders to be sent once Redis is back",
        log=worker.log,
    )
    # Two more passes find nothing to send again.
    passes = worker.log().count("reminder pass:")
    worker.wait_for("reminder pass:", count=passes + 2)
    assert sorted(smtp.recipients()) == [
        "monitor-a@example.org",
        "monitor-a@example.org",
        "monitor-b@example.org",
    ]
    assert len(set(smtp.message_ids())) == 3
    assert [
        (kind, email, emailed, notes) for kind, email, _, emailed, notes in due(postgres, database)
    ] == [
        ("followup_due", "monitor-a@example.org", True, 1),
        ("hearing_upcoming", "monitor-a@example.org", True, 1),
        ("hearing_upcoming", "monitor-b@example.org", True, 1),
    ]
    assert timed(monitor, "/notifications/") == 200

    # A Redis that accepts connections and never answers: the export's attempt to queue gives
    # up after the broker's socket timeout (5 s), then builds the file in the web process.
    redis.freeze()
    try:
        assert timed(monitor, f"/cases/{case}/") == 200
        assert timed(exporter, "/exports/cases.xlsx", limit=FROZEN) == 302
    finally:
        redis.freeze(False)
    wait_until(
        lambda: (
            postgres.query(database, "SELECT status FROM exports_exportjob")
            == [("ready",), ("ready",)]
        ),
        "the second export to be built",
        log=web.log,
    )


def test_once_the_broker_refuses_one_delivery_the_rest_wait_for_the_requeue_step():
    """A pass with many due reminders does not pay the broker's timeout once per reminder."""
    tried = []

    def broker_down_at_the_second(pk: int) -> bool:
        tried.append(pk)
        return pk != 2

    enqueue_all(broker_down_at_the_second, [1, 2, 3, 4])
    assert tried == [1, 2]
    tried.clear()
    enqueue_all(tried.append, [1, 2, 3])  # an enqueue that returns nothing: all are queued
    assert tried == [1, 2, 3]
