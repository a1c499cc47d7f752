"""A monitor logs a hearing on a phone with a dropped connection, and nothing is lost.

Chromium at 375x812: the monitor opens today's hearing, answers part of the checklist, the
connection drops (Playwright's offline mode: requests fail, ``navigator.onLine`` is false),
they keep typing, the connection comes back, the pending answers reach the server, they finish
and submit; the case's roll-up shows the answers. A second test closes the page while offline
and reopens it later: the answers typed offline come back from the phone and are sent.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from e2e_axe import assert_accessible

from cases.models import Hearing
from observations.models import Answer, Checklist, Observation
from tests.factories import make_case, make_court, make_hearing, make_user

pytestmark = pytest.mark.e2e

SAVED = "Saved on the server"
OFFLINE = "No connection"


def hearing_today():
    monitor = make_user("monitor", username="field-monitor")
    case = make_case(monitors=[monitor], court=make_court(), title="Trial of the union leaders")
    start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(8, 30)))
    hearing = make_hearing(case=case, court=case.court, scheduled_at=start)
    return monitor, case, hearing


def items_by_code() -> dict:
    return {item.code: item for item in Checklist.objects.current().items.all()}


def choose(page, item, verdict: str) -> None:
    page.locator(f"label[for='id_item-{item.pk}_{VERDICTS.index(verdict)}']").tap()


def write_note(page, item, text: str) -> None:
    fieldset = page.locator(f"#item-{item.code}")
    fieldset.locator("summary").tap()
    fieldset.locator("textarea").fill(text)


VERDICTS = ["respected", "violated", "not_observed", "not_applicable"]


def wait_for_status(page, text: str) -> None:
    page.locator("#save-status").filter(has_text=text).wait_for()


def test_a_monitor_logs_a_hearing_through_a_dropped_connection(phone, log_in):
    monitor, case, hearing = hearing_today()
    items = items_by_code()
    page = phone.new_page()
    log_in(page, monitor, next_url=reverse("observations:today"))

    assert_accessible(page)
    page.get_by_role("link", name="Observe this hearing").tap()
    page.wait_for_url(f"**{reverse('observations:observe', args=[hearing.pk])}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scroll
    box = page.locator(f"label[for='id_item-{items['logistics-announced'].pk}_0']").bounding_box()
    assert box["height"] >= 44  # a touch target

    choose(page, items["logistics-announced"], "respected")
    choose(page, items["logistics-monitor-access"], "respected")
    choose(page, items["pretrial-counsel"], "violated")
    write_note(page, items["pretrial-counsel"], "No lawyer during police questioning.")
    page.locator("#id_judges").fill("Judge Ros Piseth")
    wait_for_status(page, SAVED)
    assert Answer.objects.filter(observation__hearing=hearing).count() == 3

    phone.set_offline(True)
    choose(page, items["hearing-counsel-present"], "violated")
    write_note(page, items["hearing-counsel-present"], "Counsel ordered out of the courtroom.")
    choose(page, items["hearing-public"], "respected")
    wait_for_status(page, OFFLINE)
    page.wait_for_timeout(1500)  # an autosave would have been sent by now: it cannot be
    stored = Answer.objects.filter(observation__hearing=hearing)
    assert not stored.filter(item=items["hearing-counsel-present"]).exists()
    assert_accessible(page)

    phone.set_offline(False)
    wait_for_status(page, SAVED)
    counsel = stored.get(item=items["hearing-counsel-present"])
    assert (counsel.verdict, counsel.note) == ("violated", "Counsel ordered out of the courtroom.")

    page.locator("label[for='id_result_0']").tap()  # held
    page.locator("#id_summary").fill("Verdict postponed to next month.")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit").tap()
    assert "Observation submitted" in page.locator(".messages").inner_text()

    observation = Observation.objects.get(hearing=hearing)
    assert observation.status == Observation.Status.SUBMITTED
    assert observation.answers.count() == 5
    assert Hearing.objects.get(pk=hearing.pk).status == Hearing.Status.HELD

    page.goto(reverse("observations:case-observations", args=[case.pk]))
    violated = page.locator("tr.violated")
    assert violated.count() == 2
    assert "Defence counsel was present" in violated.nth(1).inner_text()
    assert "Counsel ordered out of the courtroom." in violated.nth(1).inner_text()
    row = page.locator(f"#rollup-{items['logistics-announced'].code}")
    assert row.locator("td.n-respected").inner_text() == "1"
    assert_accessible(page)
    page.goto(observation.get_absolute_url())
    assert_accessible(page)
    page.goto(case.get_absolute_url())
    assert "2 violations recorded" in page.locator("#fair-trial ~ p").first.inner_text()
    assert_accessible(page)


def test_answers_typed_offline_come_back_when_the_page_is_reopened(phone, log_in):
    monitor, _case, hearing = hearing_today()
    items = items_by_code()
    page = phone.new_page()
    log_in(page, monitor)
    url = reverse("observations:observe", args=[hearing.pk])
    page.goto(url)
    choose(page, items["logistics-public"], "violated")
    wait_for_status(page, SAVED)

    phone.set_offline(True)
    choose(page, items["logistics-media"], "violated")
    write_note(page, items["logistics-media"], "Journalists turned away at the gate.")
    wait_for_status(page, OFFLINE)
    page.close()  # the phone's battery died, or the browser was closed
    assert not Answer.objects.filter(item=items["logistics-media"]).exists()

    phone.set_offline(False)
    page = phone.new_page()
    page.goto(url)
    wait_for_status(page, SAVED)
    media = Answer.objects.get(item=items["logistics-media"])
    assert (media.verdict, media.note) == ("violated", "Journalists turned away at the gate.")
    assert page.locator(f"#id_item-{items['logistics-media'].pk}_1").is_checked()


def test_a_submit_sent_twice_records_one_observation(phone, log_in):
    monitor, _case, hearing = hearing_today()
    items = items_by_code()
    page = phone.new_page()
    log_in(page, monitor)
    page.goto(reverse("observations:observe", args=[hearing.pk]))
    choose(page, items["hearing-tribunal"], "respected")
    page.locator("label[for='id_result_0']").tap()
    # The form as it was sent, to replay it the way a browser retries after a network error.
    form = page.evaluate(
        "() => Object.fromEntries(new FormData(document.getElementById('observation-form')))"
    )
    form["action"] = "submit"
    form.pop("files", None)
    for _ in range(2):
        response = page.request.post(
            reverse("observations:observe", args=[hearing.pk]),
            form=form,
            headers={"Referer": page.url},
            max_redirects=0,
        )
        assert response.status == 302
    assert Observation.objects.filter(hearing=hearing).count() == 1
    assert Answer.objects.filter(observation__hearing=hearing).count() == 1
