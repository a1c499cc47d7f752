"""The monitor's day and the one-page observation: drafts, submit once, roll-up, access."""

import datetime as dt
import io

import pytest
from conftest import today_at
from django.urls import reverse
from django.utils import timezone
from obs_support import page_data

from audit.models import AuditEvent
from cases.models import Hearing
from observations.models import Answer, Attachment, Observation
from tests.factories import make_case, make_court, make_hearing

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200
PDF = b"%PDF-1.7\n" + b"x" * 100


def observe_url(hearing):
    return reverse("observations:observe", args=[hearing.pk])


def autosave_url(hearing):
    return reverse("observations:autosave", args=[hearing.pk])


# The day --------------------------------------------------------------------------------------


def test_today_lists_the_monitors_hearings_first_with_a_button(client_for, monitor, hearing):
    other_case = make_case(court=make_court())
    earlier = make_hearing(case=other_case, scheduled_at=today_at(7, 0))
    tomorrow = make_hearing(case=other_case, scheduled_at=today_at(9) + dt.timedelta(days=1))
    response = client_for(monitor).get(reverse("observations:today"))
    assert response.status_code == 200
    todays = response.context["hearings"]
    assert todays == [hearing, earlier]  # theirs first, though later in the day
    assert response.context["upcoming"] == [tomorrow]
    html = response.content.decode()
    assert observe_url(hearing) in html
    assert observe_url(earlier) not in html  # not their case: they may only view it


def test_today_says_when_nothing_is_scheduled(client_for, monitor):
    response = client_for(monitor).get(reverse("observations:today"))
    assert "No hearing is scheduled today" in response.content.decode()


@pytest.mark.parametrize("n", [1, 6])
def test_today_query_count_does_not_grow(client_for, monitor, case, n, django_assert_num_queries):
    for i in range(n):
        make_hearing(case=case, scheduled_at=today_at(8, i))
    client = client_for(monitor)
    client.get(reverse("observations:today"))
    # Session, user (with the unread count and the permissions: accounts.backends), hearings.
    with django_assert_num_queries(3):
        client.get(reverse("observations:today"))


def test_today_hides_hearings_of_cases_the_user_cannot_see(client_for, other_monitor, monitor):
    secret = make_case(restricted=True, monitors=[monitor])
    make_hearing(case=secret, scheduled_at=today_at(10))
    response = client_for(other_monitor).get(reverse("observations:today"))
    assert response.context["hearings"] == []


# Access ---------------------------------------------------------------------------------------


def test_observe_ladder(client, client_for, monitor, other_monitor, supervisor, exporter, hearing):
    assert client.get(observe_url(hearing)).status_code == 302  # to the login page
    assert client_for(monitor).get(observe_url(hearing)).status_code == 200
    assert client_for(supervisor).get(observe_url(hearing)).status_code == 200
    assert client_for(other_monitor).get(observe_url(hearing)).status_code == 403
    assert client_for(exporter).get(observe_url(hearing)).status_code == 403
    secret = make_hearing(case=make_case(restricted=True))
    assert client_for(other_monitor).get(observe_url(secret)).status_code == 404


def test_the_monitor_attending_may_observe_a_case_they_are_not_assigned(client_for, other_monitor):
    hearing = make_hearing(case=make_case(), monitor=other_monitor)
    assert client_for(other_monitor).get(observe_url(hearing)).status_code == 200


def test_a_draft_is_private_to_its_author_and_supervisors(
    client_for, monitor, other_monitor, supervisor, hearing, items
):
    client_for(monitor).post(observe_url(hearing), page_data(items, action="save"))
    observation = Observation.objects.get()
    url = observation.get_absolute_url()
    assert client_for(monitor).get(url).status_code == 200
    assert client_for(supervisor).get(url).status_code == 200
    assert client_for(other_monitor).get(url).status_code == 404


# Drafts ---------------------------------------------------------------------------------------


def test_autosave_keeps_the_newest_typing_and_ignores_a_late_older_save(
    client_for, monitor, hearing, items
):
    client = client_for(monitor)
    newer = page_data(items, answers={0: "violated"}, notes={0: "newer"}, draft_seq=200)
    older = page_data(items, answers={0: "respected"}, notes={0: "older"}, draft_seq=100)
    first = client.post(autosave_url(hearing), newer).json()
    assert first["saved"] is True and first["seq"] == 200
    late = client.post(autosave_url(hearing), older).json()
    assert late["saved"] is False and late["seq"] == 200
    answer = Answer.objects.get()
    assert (answer.verdict, answer.note) == ("violated", "newer")
    assert Observation.objects.get().status == "draft"


def test_autosave_keeps_valid_fields_and_reports_a_bad_one(client_for, monitor, hearing, items):
    data = page_data(items, answers={1: "respected"}, draft_seq=5, judges="Judge A")
    data["started_at"] = "25:99"
    result = client_for(monitor).post(autosave_url(hearing), data).json()
    assert "started_at" in result["errors"]
    observation = Observation.objects.get()
    assert observation.judges == "Judge A"
    assert observation.answers.get().verdict == "respected"


def test_autosave_only_writes_what_changed(client_for, monitor, hearing, items):
    client = client_for(monitor)
    client.post(autosave_url(hearing), page_data(items, answers={0: "violated"}, draft_seq=1))
    before = AuditEvent.objects.filter(model="observations.answer").count()
    client.post(autosave_url(hearing), page_data(items, answers={0: "violated"}, draft_seq=2))
    assert AuditEvent.objects.filter(model="observations.answer").count() == before


def test_draft_page_shows_what_was_saved(client_for, monitor, hearing, items):
    client = client_for(monitor)
    client.post(
        autosave_url(hearing),
        page_data(items, answers={2: "violated"}, notes={2: "Handcuffed in court"}, draft_seq=9),
    )
    html = client.get(observe_url(hearing)).content.decode()
    assert "Handcuffed in court" in html
    assert 'data-server-seq="9"' in html


# Submit ---------------------------------------------------------------------------------------


def test_submit_records_the_observation_and_the_hearing(client_for, monitor, hearing, items):
    data = page_data(
        items,
        answers={0: "respected", 5: "violated"},
        notes={5: "No warrant shown"},
        result="held",
        started_at="08:45",
        action="submit",
    )
    response = client_for(monitor).post(observe_url(hearing), data)
    observation = Observation.objects.get()
    assert response.status_code == 302 and response.url == observation.get_absolute_url()
    assert observation.status == "submitted" and observation.submitted_at
    hearing.refresh_from_db()
    assert hearing.status == Hearing.Status.HELD
    held = timezone.localtime(hearing.held_at)
    assert (held.date(), held.hour, held.minute) == (timezone.localdate(), 8, 45)


def test_a_replayed_submit_creates_nothing_twice(client_for, monitor, hearing, items):
    next_at = (hearing.scheduled_at + dt.timedelta(days=14)).strftime("%Y-%m-%dT%H:%M")
    data = page_data(
        items,
        answers={3: "violated"},
        result="adjourned",
        next_hearing_at=next_at,
        action="submit",
    )
    client = client_for(monitor)
    first = client.post(observe_url(hearing), data)
    events = AuditEvent.objects.count()
    again = client.post(observe_url(hearing), data)  # the network dropped the first answer
    assert again.status_code == 302 and again.url == first.url
    assert Observation.objects.count() == 1
    assert Answer.objects.count() == 1
    assert Hearing.objects.filter(case=hearing.case).count() == 2  # the adjourned-to one, once
    assert AuditEvent.objects.count() == events
    page = client.get(again.url)
    assert "already submitted" in " ".join(str(m) for m in page.context["messages"])


def test_submit_without_saying_what_happened_is_refused_and_keeps_everything(
    client_for, monitor, hearing, items
):
    data = page_data(items, answers={4: "violated"}, notes={4: "Beaten"}, action="submit")
    response = client_for(monitor).post(observe_url(hearing), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "held, adjourned or cancelled" in html
    assert "Beaten" in html
    observation = Observation.objects.get()
    assert observation.status == "draft"
    assert observation.answers.get().note == "Beaten"


def test_autosave_after_submit_is_refused(client_for, monitor, hearing, items):
    client = client_for(monitor)
    client.post(observe_url(hearing), page_data(items, result="held", action="submit"))
    response = client.post(autosave_url(hearing), page_data(items, judges="x", draft_seq=10**13))
    assert response.status_code == 409
    assert Observation.objects.get().judges == ""


# Attachments ----------------------------------------------------------------------------------


def upload(name, content, content_type="image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def test_a_photo_and_a_pdf_are_attached_and_served_only_to_those_who_may_see_them(
    client_for, monitor, other_monitor, hearing, items, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    data = page_data(items, answers={0: "respected"}, action="save")
    data["files"] = [upload("court list.jpg", JPEG), upload("order.pdf", PDF, "application/pdf")]
    response = client_for(monitor).post(observe_url(hearing), data)
    assert response.status_code == 302
    kinds = sorted(Attachment.objects.values_list("kind", "content_type"))
    assert kinds == [("document", "application/pdf"), ("photo", "image/jpeg")]
    photo = Attachment.objects.get(kind="photo")
    assert "court list" not in photo.file.name  # stored under a random name
    download = client_for(monitor).get(photo.get_absolute_url())
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == JPEG
    assert "attachment" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert client_for(other_monitor).get(photo.get_absolute_url()).status_code == 404


def test_the_same_file_sent_twice_is_stored_once(
    client_for, monitor, hearing, items, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(monitor)
    for _ in range(2):
        data = page_data(items, action="save")
        data["files"] = [upload("p.jpg", JPEG)]
        client.post(observe_url(hearing), data)
    assert Attachment.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.jpg", b"<script>alert(1)</script>", "is not a photo"),
        ("tool.exe", b"MZ\x90\x00" + b"\x00" * 50, "is not a photo"),
        ("empty.jpg", b"", "The submitted file is empty"),
    ],
)
def test_a_wrong_file_is_refused_and_the_rest_of_the_form_is_kept(
    client_for, monitor, hearing, items, settings, tmp_path, name, content, message
):
    settings.MEDIA_ROOT = tmp_path
    data = page_data(items, answers={6: "violated"}, notes={6: "Kept note"}, action="submit")
    data["result"] = "held"
    data["files"] = [upload(name, content)]
    response = client_for(monitor).post(observe_url(hearing), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "Kept note" in html
    assert Attachment.objects.count() == 0
    observation = Observation.objects.get()
    assert observation.status == "draft"  # nothing submitted with a refused file
    assert observation.answers.get().note == "Kept note"


def test_an_oversized_file_is_refused_with_its_size_and_the_limit(
    client_for, monitor, hearing, items, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.ATTACHMENT_MAX_MB = {"photo": 1, "audio": 1, "document": 1}
    data = page_data(items, judges="Judge B", action="save")
    data["files"] = [upload("big.jpg", JPEG + b"\x00" * (1024 * 1024))]
    response = client_for(monitor).post(observe_url(hearing), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "the limit for this kind of file is 1.0" in html
    assert 'value="Judge B"' in html
    assert Observation.objects.get().judges == "Judge B"
    assert Attachment.objects.count() == 0


# Roll-up, timeline, assessment, quick add -----------------------------------------------------


def submit(client, hearing, items, answers, **fields):
    fields.setdefault("result", "held")
    data = page_data(items, answers=answers, action="submit", **fields)
    response = client.post(observe_url(hearing), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_case_page_and_roll_up_count_answers_and_highlight_violations(
    client_for, monitor, supervisor, case, hearing, items
):
    second = make_hearing(case=case, scheduled_at=hearing.scheduled_at + dt.timedelta(days=30))
    submit(client_for(monitor), hearing, items, {0: "respected", 17: "violated"})
    submit(client_for(supervisor), second, items, {0: "respected", 17: "violated", 18: "respected"})
    rollup = (
        client_for(monitor)
        .get(reverse("observations:case-observations", args=[case.pk]))
        .context["rollup"]
    )
    rows = {row.code: row for row in rollup.rows}
    assert rollup.observations == 2
    assert rows[items[0].code].count("respected") == 2
    assert rows[items[17].code].violated == 2
    assert rollup.total_violations == 2
    page = client_for(monitor).get(case.get_absolute_url()).content.decode()
    assert "2 violations recorded" in page
    assert items[17].text in page


def test_case_page_query_count_does_not_grow_with_observations(
    client_for, monitor, supervisor, case, items, django_assert_num_queries
):
    client = client_for(monitor)
    first = make_hearing(case=case, scheduled_at=today_at(8))
    submit(client, first, items, {0: "violated"})
    client.get(case.get_absolute_url())
    with django_assert_num_queries(count := _count(client, case)):
        client.get(case.get_absolute_url())
    for day in range(1, 5):
        extra = make_hearing(case=case, scheduled_at=today_at(8) + dt.timedelta(days=day))
        submit(client, extra, items, {0: "violated", day: "violated"})
    with django_assert_num_queries(count):
        client.get(case.get_absolute_url())


def _count(client, case) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(case.get_absolute_url())
    return len(queries)


def test_timeline_flags_an_observed_violation(client_for, monitor, case, hearing, items):
    submit(client_for(monitor), hearing, items, {17: "violated", 0: "respected"})
    response = client_for(monitor).get(reverse("cases:case-timeline", args=[case.pk]))
    entries = [e for e in response.context["entries"] if e.kind == "observation"]
    assert len(entries) == 1
    assert entries[0].severity == "danger"
    assert "1 right violated" in entries[0].title


def test_supervisor_grades_the_trial_and_a_monitor_may_not(client_for, monitor, supervisor, case):
    url = reverse("observations:assess", args=[case.pk])
    assert client_for(monitor).get(url).status_code == 403
    client = client_for(supervisor)
    assert client.post(url, {"grade": "D", "reasoning": ""}).status_code == 400
    response = client.post(url, {"grade": "D", "reasoning": "Counsel excluded twice."})
    assert response.status_code == 302
    page = client_for(monitor).get(case.get_absolute_url()).content.decode()
    assert "D: serious violations" in page


def test_quick_add_schedules_the_next_hearing_in_two_fields(client_for, monitor, case):
    url = reverse("observations:quick-hearing", args=[case.pk])
    response = client_for(monitor).post(url, {"scheduled_at": "2031-02-03T09:00", "kind": "trial"})
    assert response.status_code == 302
    hearing = Hearing.objects.get(case=case)
    assert hearing.court == case.court
    assert hearing.status == "scheduled"
    page = client_for(monitor).get(case.get_absolute_url()).content.decode()
    assert 'id="quick-hearing"' in page


def test_quick_add_with_a_bad_date_says_so_and_creates_nothing(client_for, monitor, case):
    url = reverse("observations:quick-hearing", args=[case.pk])
    response = client_for(monitor).post(
        url, {"scheduled_at": "not a date", "kind": "trial"}, follow=True
    )
    assert "Next hearing on" in response.content.decode()
    assert not Hearing.objects.filter(case=case).exists()


def test_quick_add_is_refused_to_a_monitor_of_another_case(client_for, other_monitor, case):
    url = reverse("observations:quick-hearing", args=[case.pk])
    response = client_for(other_monitor).post(
        url, {"scheduled_at": "2031-02-03T09:00", "kind": "trial"}
    )
    assert response.status_code == 403
    assert not Hearing.objects.filter(case=case).exists()


def test_every_write_of_an_observation_is_audited(client_for, monitor, hearing, items):
    submit(client_for(monitor), hearing, items, {0: "violated"})
    models = set(AuditEvent.objects.values_list("model", flat=True))
    assert {"observations.observation", "observations.answer"} <= models
    assert isinstance(io.BytesIO(), io.BytesIO)


def test_the_observation_page_speaks_khmer_to_a_khmer_user(client_for, monitor, hearing, items):
    client = client_for(monitor)
    client.post(reverse("accounts:language"), {"language": "km", "next": "/"})
    html = client.get(observe_url(hearing)).content.decode()
    assert items[0].text_km in html
    assert "បានរំលោភ" in html  # Violated
    assert "រក្សាទុកសេចក្ដីព្រាង" in html  # Save draft
    assert items[0].text not in html
