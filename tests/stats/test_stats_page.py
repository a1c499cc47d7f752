"""The statistics page: who may see it, the period form, a fixed number of queries, charts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from stats_support import D, page_row, stats_for

from cases.models import Role, Sex
from tests.factories import (
    make_case,
    make_charge,
    make_court,
    make_detention,
    make_facility,
    make_followup,
    make_hearing,
    make_outcome,
    make_party,
    make_person,
    make_user,
)

pytestmark = pytest.mark.django_db

PAGE = "stats:statistics"
DOWNLOAD = "stats:download"


@pytest.mark.parametrize("name", [PAGE, DOWNLOAD])
def test_anonymous_users_go_to_the_login_page(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", [PAGE, DOWNLOAD])
def test_a_user_who_sees_no_case_is_refused(client_for, name):
    response = client_for(make_user(None)).get(reverse(name))

    assert response.status_code == 403


@pytest.mark.parametrize("role", ["monitor", "supervisor", "exporter", "admin"])
@pytest.mark.parametrize("name", [PAGE, DOWNLOAD])
def test_every_role_that_sees_cases_may_see_and_download(client_for, role, name):
    response = client_for(make_user(role)).get(reverse(name))

    assert response.status_code == 200


@pytest.mark.parametrize("name", [PAGE, DOWNLOAD])
def test_the_pages_are_read_only(client_for, supervisor, name):
    assert client_for(supervisor).post(reverse(name)).status_code == 405


def test_the_nav_links_to_the_page(client_for, monitor):
    response = client_for(monitor).get(reverse("home"))

    assert reverse(PAGE) in response.text


# The period ---------------------------------------------------------------------------------


def test_the_default_period_is_the_reports(client_for, monitor):
    response = client_for(monitor).get(reverse(PAGE))
    period = response.context["period"]

    assert (period.start, period.end) == (D("2022-06-01"), D("2023-05-31"))
    assert 'value="2022-06-01"' in response.text
    assert 'value="2023-05-31"' in response.text
    assert "31 May 2023, the period's last day" in response.text


def test_an_end_before_the_start_is_explained_beside_the_field(client_for, monitor):
    response = client_for(monitor).get(reverse(PAGE), {"start": "2023-05-31", "end": "2023-01-01"})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "end": ["The end of the period cannot be before its start."]
    }
    field = re.search(r'<div class="field has-error">.*?</div>\s*</div>', response.text, re.S)
    assert 'name="end"' in field.group() and "cannot be before its start" in field.group()
    assert 'value="2023-05-31"' in response.text  # the input is kept
    assert "summary" not in response.context


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"start": "2023-02-30", "end": "2023-03-01"}, "start", "Enter a valid date."),
        ({"start": "2023-01-01", "end": ""}, "end", "This field is required."),
        ({"start": "1800-01-01", "end": "2023-03-01"}, "start", "Give a day between"),
        ({"start": "2023-01-01", "end": "2023-03-01", "measure": "x"}, "measure", "valid choice"),
    ],
)
def test_bad_input_is_refused_with_its_reason(client_for, monitor, query, field, message):
    response = client_for(monitor).get(reverse(PAGE), query)

    assert response.status_code == 400
    assert message in response.context["form"].errors[field][0]


def test_a_download_of_a_bad_period_or_table_is_refused(client_for, monitor):
    client = client_for(monitor)

    assert (
        client.get(reverse(DOWNLOAD), {"start": "2023-05-31", "end": "2023-01-01"}).status_code
        == 400
    )
    assert client.get(reverse(DOWNLOAD), {"table": "people"}).status_code == 400
    assert client.get(reverse(DOWNLOAD), {"format": "pdf"}).status_code == 400


def test_now_is_today_while_the_period_runs(client_for, monitor):
    today = timezone.localdate()
    end = today + dt.timedelta(days=30)
    response = client_for(monitor).get(
        reverse(PAGE), {"start": "2023-01-01", "end": end.isoformat()}
    )

    assert response.context["period"].as_of == today
    assert "the period has not ended" in response.text


# What the page shows -------------------------------------------------------------------------


def build(n: int, user) -> None:
    """Make ``n`` of everything the page counts, each of the same kinds."""
    court = make_court()
    prison = make_facility(capacity=10)
    activist = Role.objects.get(code=Role.Code.POLITICAL_ACTIVIST)
    for i in range(n):
        case = make_case(court=court)
        person = make_person(sex=(Sex.WOMAN, Sex.MAN)[i % 2], roles=[activist])
        party = make_party(case=case, person=person)
        make_charge(party=party, charged_on=D("2023-02-01"))
        make_outcome(party=party, verdict_on=D("2023-05-25"))
        make_detention(person=person, case=case, facility=prison, started_on=D("2021-01-01"))
        at = timezone.make_aware(dt.datetime(2023, 3, 1, 9))
        make_hearing(case=case, court=court, scheduled_at=at, status="held", monitor=user)
        make_followup(case=case, status="done", done_on=D("2023-03-02"))


def test_the_page_makes_the_same_queries_for_one_row_or_many(client_for, supervisor):
    client = client_for(supervisor)
    client.get(reverse(PAGE))  # the session and permission caches
    build(1, supervisor)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse(PAGE))
    build(6, supervisor)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse(PAGE))

    assert page_row(response.text, "summary", "Convicted")["Total"] == "7"
    assert len(one) == len(many)


@pytest.mark.parametrize("n", [1, 6])
def test_the_statistics_take_a_fixed_number_of_queries(supervisor, django_assert_num_queries, n):
    build(n, supervisor)
    stats = stats_for(supervisor, "2022-06-01", "2023-05-31")
    supervisor.get_all_permissions()  # the permission cache, loaded by the page's decorator

    # 6 people rows, the clocks (detentions, extensions, charges, rule table), 4 breakdowns,
    # sentences, 2 of hearings, follow-ups, occupancy.
    with django_assert_num_queries(6 + 4 + 4 + 1 + 2 + 1 + 1):
        stats.page(measure="convicted")


def test_charts_are_inline_svg_with_a_title_and_a_description(client_for, supervisor):
    build(2, supervisor)
    response = client_for(supervisor).get(reverse(PAGE))
    svg = re.search(r"<svg .*?</svg>", response.text, re.S).group()

    assert 'role="img"' in svg
    assert re.search(r'aria-labelledby="chart-summary-title chart-summary-desc"', svg)
    assert '<title id="chart-summary-title">People, by sex</title>' in svg
    assert "The table gives every number" in svg
    assert "style=" not in response.text
    assert "<script" not in response.text.split("<main", 1)[1]
    assert 'class="swatch seg-woman"' in response.text  # the legend


def test_a_protected_identity_is_never_shown(client_for, monitor):
    person = make_person(name="Real Hidden Name", is_protected=True, pseudonym="Witness Nine")
    make_outcome(party=make_party(person=person), verdict_on=D("2023-05-25"))
    client = client_for(monitor)
    page = client.get(reverse(PAGE)).text
    downloads = [
        client.get(reverse(DOWNLOAD), {"table": key}).content.decode("utf-8-sig")
        for key in ("summary", "role", "sentences")
    ]

    assert page_row(page, "summary", "Convicted")["Total"] == "1"
    for text in (page, *downloads):
        assert "Real Hidden Name" not in text
        assert "Witness Nine" not in text


def test_an_empty_period_says_so(client_for, monitor):
    response = client_for(monitor).get(reverse(PAGE), {"start": "1990-01-01", "end": "1990-12-31"})

    assert response.status_code == 200
    assert "Nothing recorded for this period." in response.text


def test_the_page_renders_in_khmer(client_for, monitor):
    build(1, monitor)
    response = client_for(monitor).get(reverse(PAGE), HTTP_ACCEPT_LANGUAGE="km")

    assert response.status_code == 200
    assert 'lang="km"' in response.text
    assert "<svg" in response.text
