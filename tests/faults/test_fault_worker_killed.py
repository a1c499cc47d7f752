"""The Celery worker killed with SIGKILL in the middle of sending: each reminder goes out once.

A real worker (two pool processes, embedded beat running the reminder pass every 2 s) sends
through the SMTP backend to our SMTP server, which hangs on both messages at once:

- monitor A's before accepting it (no ``250`` to its DATA yet): the message is in flight;
- monitor B's after accepting it, on the client's QUIT: the server has the message, the worker
  has not heard the end of the conversation.

Then the worker's whole process group (main process, pool processes, beat) gets SIGKILL, and a
new worker starts. The outbox requeues what was claimed and not recorded as sent, the
delivery locks the row and checks it, so in the end each monitor has exactly one e-mail (and
one notification). B's case holds because delivery commits "sent" as soon as the server has
accepted the message, before the polite QUIT; what is left is the window between the server's
``250`` and that commit (one database round trip), where a crash would send a second copy
with the same Message-ID (README "Reminders").
"""

from tests.faults.harness import app_env, wait_until

A, B = "monitor-a@example.org", "monitor-b@example.org"


def reminders(postgres, database) -> list[tuple]:
    """(e-mail, status, emailed, attempts, notifications) of each reminder due by now."""
    return postgres.query(
        database,
        "SELECT u.email, r.status, r.emailed, r.attempts,"
        " (SELECT count(*) FROM reminders_notification n WHERE n.reminder_id = r.id)"
        " FROM reminders_reminder r JOIN auth_user u ON u.id = r.recipient_id"
        " WHERE r.due_at <= now() ORDER BY u.email",
    )


def test_a_worker_killed_mid_send_delivers_each_reminder_once(
    postgres, database, redis, smtp, processes
):
    database, url = database
    env = app_env(
        url,
        redis.url(1),
        CELERY_QUEUE="faults-kill",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=smtp.port,
        REMINDER_PASS_SECONDS=2,
        REMINDER_REQUEUE_AFTER_SECONDS=4,
    )
    smtp.stall(A, at="data")
    smtp.stall(B, at="quit")
    worker = processes.worker(env, beat=True)
    wait_until(lambda: sorted(smtp.stalled) == [A, B], "both sends to hang", log=worker.log)
    assert smtp.recipients() == [B]  # the server accepted B's message, not yet A's

    worker.kill()
    wait_until(lambda: not smtp.stalled, "the killed worker's SMTP connections to close")
    assert [message["To"] for message in smtp.dropped] == [A]
    before = {email: status for email, status, *_ in reminders(postgres, database)}
    assert before == {A: "claimed", B: "sent"}, before  # B recorded before its QUIT

    restarted = processes.worker(env, name="restarted", beat=True)
    wait_until(
        lambda: all(row[1] == "sent" for row in reminders(postgres, database)),
        "every reminder to be sent after the restart",
        log=restarted.log,
    )
    # Two more passes find nothing to requeue, and nothing more leaves.
    passes = restarted.log().count("reminder pass:")
    restarted.wait_for("reminder pass:", count=passes + 2)
    assert sorted(smtp.recipients()) == [A, B], smtp.recipients()
    assert len(set(smtp.message_ids())) == 2
    assert [row[1:3] + row[4:] for row in reminders(postgres, database)] == [
        ("sent", True, 1),
        ("sent", True, 1),
    ]
    assert "reminder pass: planned" in restarted.log()
