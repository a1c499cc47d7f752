"""The private calendar feed: the page, the token, the events, RFC 5545 text and what it hides."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Hearing
from reminders.calendar import escape_text, fold
from reminders.kinds import Kind
from reminders.models import CalendarFeed, RecordType, Reminder
from tests.factories import (
    make_case,
    make_court,
    make_detention,
    make_followup,
    make_hearing,
    make_party,
    make_person,
    make_user,
)

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Phnom_Penh")
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=LOCAL)
PAGE = reverse("reminders:calendar")
KHMER_COURT = "សាលាដំបូងរាជធានីភ្នំពេញ និងសាលាឧទ្ធរណ៍ " * 4


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def days(n: float, *, hour: int = 8, minute: int = 30) -> dt.datetime:
    """Return NOW's day plus ``n`` days at a local time."""
    return (NOW + dt.timedelta(days=n)).replace(hour=hour, minute=minute)


def feed_url(token: str) -> str:
    return reverse("reminders:calendar-feed", args=[token])


def fetch(user) -> bytes:
    """Issue a feed for ``user`` and fetch it without logging in."""
    response = Client().get(feed_url(CalendarFeed.issue(user)))
    assert response.status_code == 200
    return response.content


def events_of(raw: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(raw)
    events = calendar.walk("VEVENT")
    uids = [str(event["UID"]) for event in events]
    assert len(uids) == len(set(uids)), "UIDs must be unique"
    return {str(event["UID"]): event for event in events}


def remind(user, *, kind=Kind.PRETRIAL_REVIEW, record=None, case=None, deadline=None, **kw):
    """Return a reminder row for ``user`` about a detention (by default) and its deadline."""
    record = record or make_detention(case=case or make_case(monitors=[user]))
    record_type = {
        "Detention": RecordType.DETENTION,
        "FollowUp": RecordType.FOLLOWUP,
        "Hearing": RecordType.HEARING,
    }[type(record).__name__]
    deadline = deadline or days(20, hour=8, minute=0)
    kw.setdefault("offset_days", 7)
    return Reminder.objects.create(
        kind=kind,
        record_type=record_type,
        record_id=record.pk,
        case=record.case,
        deadline=deadline,
        recipient=user,
        due_at=deadline - dt.timedelta(days=kw["offset_days"]),
        **kw,
    )


# The page and the token ----------------------------------------------------------------


def test_create_shows_the_address_once_and_stores_only_its_hash(monitor, client_for):
    client = client_for(monitor)
    assert "You have no calendar feed." in client.get(PAGE).text
    response = client.post(PAGE, {"action": "issue"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "keep it secret" in response.text
    url = re.search(r'value="(http://testserver/calendar/[A-Za-z0-9_-]+\.ics)"', response.text)[1]
    token = url.rsplit("/", 1)[1].removesuffix(".ics")

    feed = CalendarFeed.objects.get(user=monitor)
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in feed.token_hash

    later = client.get(PAGE)
    assert token not in later.text
    assert "Last used" in later.text
    assert "never" in later.text

    assert Client().get(url.removeprefix("http://testserver")).status_code == 200
    feed.refresh_from_db()
    assert feed.last_used_at == NOW
    assert "1 December 2026, 09:00" in client.get(PAGE).text


def test_the_page_needs_csrf_and_a_known_action(monitor, client_for):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(monitor)
    assert strict.post(PAGE, {"action": "issue"}).status_code == 403
    response = client_for(monitor).post(PAGE, {"action": "steal"}, follow=True)
    assert "Unknown action." in response.text
    assert not CalendarFeed.objects.exists()


def test_revoked_feed_answers_404(monitor, client_for):
    token = CalendarFeed.issue(monitor)
    client_for(monitor).post(PAGE, {"action": "revoke"})
    assert not CalendarFeed.objects.filter(user=monitor).exists()
    assert Client().get(feed_url(token)).status_code == 404


def test_replacing_the_feed_kills_the_old_address(monitor, client_for):
    old = CalendarFeed.issue(monitor)
    response = client_for(monitor).post(PAGE, {"action": "issue"})
    assert old not in response.text
    new = re.search(r"/calendar/([A-Za-z0-9_-]+)\.ics", response.text)[1]
    assert Client().get(feed_url(old)).status_code == 404
    assert Client().get(feed_url(new)).status_code == 200
    assert CalendarFeed.objects.filter(user=monitor).count() == 1


def test_unknown_token_and_inactive_user_answer_404(monitor):
    token = CalendarFeed.issue(monitor)
    assert Client().get(feed_url("x" * 43)).status_code == 404
    monitor.is_active = False
    monitor.save()
    assert Client().get(feed_url(token)).status_code == 404


def test_feed_is_served_anonymously_as_private_uncached_calendar_text(monitor):
    response = Client().get(feed_url(CalendarFeed.issue(monitor)))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    assert Client().post(feed_url(CalendarFeed.issue(monitor))).status_code == 405


# The calendar text ---------------------------------------------------------------------


def test_calendar_header_and_crlf_lines(monitor):
    raw = fetch(monitor)
    assert raw.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert raw.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    calendar = icalendar.Calendar.from_ical(raw)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["X-WR-CALNAME"] == "Case monitoring"


def test_timed_and_all_day_hearings(monitor):
    court = make_court(name="Phnom Penh Municipal Court")
    case = make_case(monitors=[monitor], court=court)
    timed = make_hearing(case=case, court=court, scheduled_at=days(3), kind=Hearing.Kind.TRIAL)
    day_only = make_hearing(
        case=case, scheduled_at=days(10, hour=0, minute=0), time_known=False, kind="verdict"
    )
    raw = fetch(monitor)
    events = events_of(raw)

    event = events[f"hearing-{timed.pk}@testserver"]
    assert event["SUMMARY"] == f"Hearing: case {case.pk} (Trial)"
    assert event["LOCATION"] == "Phnom Penh Municipal Court"
    assert event.decoded("DTSTART") == days(3).astimezone(dt.UTC)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == dt.timedelta(hours=2)
    assert event["URL"] == f"http://testserver/hearings/{timed.pk}/"
    assert re.search(rb"DTSTART:\d{8}T\d{6}Z\r\n", raw)
    assert isinstance(event.decoded("DTSTAMP"), dt.datetime)
    assert event.decoded("DTSTAMP").utcoffset() == dt.timedelta(0)

    event = events[f"hearing-{day_only.pk}@testserver"]
    assert event.decoded("DTSTART") == days(10).date()
    assert not isinstance(event.decoded("DTSTART"), dt.datetime)
    assert event.decoded("DTEND") == days(11).date()
    assert event["SUMMARY"] == f"Hearing: case {case.pk} (Verdict)"
    assert event["LOCATION"] == "Phnom Penh Municipal Court"  # the case's, the hearing has none


def test_only_my_hearings_in_the_window_and_status(monitor, other_monitor, supervisor):
    mine = make_case(monitors=[monitor])
    theirs = make_case(monitors=[other_monitor])
    included = {
        make_hearing(case=mine, scheduled_at=days(-29)).pk,
        make_hearing(case=mine, scheduled_at=days(364), status="scheduled").pk,
        make_hearing(case=mine, scheduled_at=days(-2), status="held").pk,
        # Attending a hearing of a case I am not assigned to.
        make_hearing(case=theirs, monitor=monitor, scheduled_at=days(5)).pk,
    }
    make_hearing(case=mine, scheduled_at=days(-31))
    make_hearing(case=mine, scheduled_at=days(366))
    make_hearing(case=mine, scheduled_at=days(4), status="cancelled")
    make_hearing(case=mine, scheduled_at=days(4), status="adjourned", outcome="Judge ill")
    make_hearing(case=theirs, scheduled_at=days(6))

    uids = set(events_of(fetch(monitor)))
    assert uids == {f"hearing-{pk}@testserver" for pk in included}
    # A supervisor sees every case but the feed holds only what they attend or monitor.
    assert events_of(fetch(supervisor)) == {}


def test_deadlines_one_all_day_event_per_deadline(monitor, other_monitor):
    case = make_case(monitors=[monitor])
    detention = make_detention(case=case)
    deadline = days(20, hour=8, minute=0)
    for offset in (30, 14, 7):
        remind(monitor, record=detention, deadline=deadline, offset_days=offset)
    remind(monitor, record=detention, deadline=deadline, offset_days=1, status="sent", sent_at=NOW)
    remind(other_monitor, record=detention, deadline=deadline)
    followup = make_followup(case=case)
    remind(monitor, kind=Kind.FOLLOWUP_DUE, record=followup, deadline=days(2), offset_days=2)
    moved = make_detention(case=case)
    remind(monitor, record=moved, deadline=days(9), status="superseded")
    remind(monitor, record=make_detention(case=case), deadline=days(-31))
    remind(monitor, record=make_detention(case=case), deadline=days(366))

    events = events_of(fetch(monitor))
    stamp = deadline.strftime("%Y%m%d")
    uid = f"deadline-pretrial_review-detention-{detention.pk}-{stamp}@testserver"
    assert set(events) == {
        uid,
        f"deadline-followup_due-followup-{followup.pk}-{days(2):%Y%m%d}@testserver",
    }
    event = events[uid]
    assert event["SUMMARY"] == f"Pretrial detention review due: case {case.pk}"
    assert event.decoded("DTSTART") == deadline.date()
    assert event.decoded("DTEND") == deadline.date() + dt.timedelta(days=1)
    assert event["URL"] == f"http://testserver/detentions/{detention.pk}/"


def test_hearing_reminders_are_not_repeated_as_deadlines(monitor):
    case = make_case(monitors=[monitor])
    hearing = make_hearing(case=case, scheduled_at=days(3))
    remind(monitor, kind=Kind.HEARING_UPCOMING, record=hearing, deadline=hearing.scheduled_at)
    remind(
        monitor,
        kind=Kind.HEARING_REPORT_MISSING,
        record=hearing,
        deadline=hearing.scheduled_at,
        offset_days=-1,
    )
    assert set(events_of(fetch(monitor))) == {f"hearing-{hearing.pk}@testserver"}


# Folding and escaping ------------------------------------------------------------------


def test_long_khmer_court_name_folds_on_character_boundaries(monitor):
    court = make_court(name=KHMER_COURT.strip())
    make_hearing(case=make_case(monitors=[monitor]), court=court, scheduled_at=days(3))
    raw = fetch(monitor)
    lines = raw.split(b"\r\n")
    assert any(line.startswith(b" ") for line in lines), "the long line was folded"
    for line in lines:
        assert len(line) <= 75
        line.decode("utf-8")  # every physical line is valid UTF-8 on its own
    (event,) = events_of(raw).values()
    assert event["LOCATION"] == KHMER_COURT.strip()


def test_fold_never_splits_a_character():
    line = "LOCATION:" + "ក" * 100 + "a" * 3
    folded = fold(line)
    physical = folded.encode().split(b"\r\n")
    assert all(len(p) <= 75 for p in physical)
    assert all(p.startswith(b" ") for p in physical[1:])
    assert "".join(p.decode()[1:] if i else p.decode() for i, p in enumerate(physical)) == line
    assert fold("SUMMARY:short") == "SUMMARY:short"


def test_text_values_are_escaped(monitor):
    name = "Court; of, Appeal\\ Phnom Penh\nSecond line"
    make_hearing(
        case=make_case(monitors=[monitor]), court=make_court(name=name), scheduled_at=days(3)
    )
    raw = fetch(monitor)
    assert b"LOCATION:Court\\; of\\, Appeal\\\\ Phnom Penh\\nSecond line\r\n" in raw
    (event,) = events_of(raw).values()
    assert event["LOCATION"] == name
    assert escape_text("a\r\nb\x07c\td") == "a\\nbc\td"


# What the feed must never carry --------------------------------------------------------


def test_no_person_names_in_the_feed(client_for):
    user = make_user("monitor", username="sokha.monitor", first_name="Chan", last_name="Dara")
    person = make_person(name="Kem Sokha")
    case = make_case(monitors=[user], reference="UN23-P30-SOKHA", title="The case of Kem Sokha")
    make_party(case=case, person=person)
    hearing = make_hearing(case=case, monitor=user, scheduled_at=days(3))
    detention = make_detention(person=person, case=case)
    remind(user, record=detention)
    remind(user, kind=Kind.FOLLOWUP_DUE, record=make_followup(case=case, person=person))
    raw = fetch(user)
    assert len(events_of(raw)) == 3
    text = raw.decode().replace("\r\n ", "")
    for secret in ("Sokha", "SOKHA", "Kem", "Chan", "Dara", "sokha.monitor", "The case of"):
        assert secret not in text
    assert f"hearing-{hearing.pk}@" in text


def test_restricted_cases_show_only_that_something_exists(monitor):
    court = make_court(name="Secret Provincial Court")
    case = make_case(restricted=True, monitors=[monitor], reference="SECRET-REF", court=court)
    hearing = make_hearing(
        case=case, court=court, scheduled_at=days(3), kind=Hearing.Kind.DETENTION_REVIEW
    )
    detention = make_detention(case=case)
    remind(monitor, kind=Kind.BEYOND_LIMIT, record=detention, offset_days=0)
    raw = fetch(monitor)
    events = events_of(raw)
    text = raw.decode().replace("\r\n ", "")
    for secret in ("Secret", "SECRET", "detention", "review", "beyond", "limit", f"case {case.pk}"):
        assert secret.lower() not in text.lower().replace("/detentions/", "/")
    event = events[f"hearing-{hearing.pk}@testserver"]
    assert event["SUMMARY"] == "Restricted case hearing"
    assert "LOCATION" not in event
    assert event["URL"] == f"http://testserver/hearings/{hearing.pk}/"
    (deadline,) = [e for uid, e in events.items() if uid.startswith("deadline-")]
    assert deadline["SUMMARY"] == "Restricted case deadline"
    assert re.fullmatch(r"deadline-[0-9a-f]{32}@testserver", str(deadline["UID"]))
    # The opaque UID is stable from one fetch to the next.
    assert str(deadline["UID"]) in set(events_of(fetch(monitor)))


def test_cases_no_longer_visible_drop_out_of_the_feed(monitor, other_monitor):
    case = make_case(restricted=True, monitors=[monitor])
    make_hearing(case=case, scheduled_at=days(3))
    remind(monitor, record=make_detention(case=case))
    # Attending a hearing does not open a restricted case the user is not assigned to.
    make_hearing(
        case=make_case(restricted=True, monitors=[other_monitor]),
        monitor=monitor,
        scheduled_at=days(4),
    )
    assert len(events_of(fetch(monitor))) == 2
    case.monitors.remove(monitor)
    assert events_of(fetch(monitor)) == {}


def test_feed_queries_do_not_grow_with_events(monitor):
    token = CalendarFeed.issue(monitor)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert Client().get(feed_url(token)).status_code == 200
        return len(ctx.captured_queries)

    case = make_case(monitors=[monitor], court=make_court())
    make_hearing(case=case, scheduled_at=days(1))
    remind(monitor, record=make_detention(case=case))
    one = count()
    for n in range(10):
        other = make_case(monitors=[monitor], court=make_court(), restricted=bool(n % 2))
        make_hearing(case=other, court=make_court(), scheduled_at=days(n + 2))
        make_hearing(case=other, scheduled_at=days(n + 2), time_known=False)
        remind(monitor, record=make_detention(case=other), deadline=days(n + 30))
        remind(monitor, kind=Kind.FOLLOWUP_DUE, record=make_followup(case=other))
    assert count() == one


def test_the_feed_speaks_the_language_its_owner_saved(monitor):
    from accounts.language import save_language

    case = make_case(monitors=[monitor])
    hearing = make_hearing(case=case, scheduled_at=days(3), kind=Hearing.Kind.TRIAL)
    save_language(user=monitor, language="km")
    summary = str(events_of(fetch(monitor))[f"hearing-{hearing.pk}@testserver"]["SUMMARY"])
    assert any("\u1780" <= char <= "\u17ff" for char in summary), summary
    assert str(case.pk) in summary
