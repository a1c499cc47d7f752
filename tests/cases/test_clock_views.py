"""Legal clocks on the pages: each date with its article and confidence, unverified limits
labelled, the case timeline's deadlines, and the supervisors' dashboard (permission ladder,
order, filters, counts, highlighting, protected names, fixed queries)."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.clocks import RELEASE_OVERDUE
from cases.models import Charge, Detention, LegalRule
from cases.rules import ClockState
from tests.factories import (
    make_case,
    make_charge,
    make_court,
    make_detention,
    make_extension,
    make_facility,
    make_offence,
    make_outcome,
    make_party,
    make_person,
    make_user,
)

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = D(2023, 4, 10)
DASHBOARD = "/clocks/"


@pytest.fixture(autouse=True)
def on_the_tenth_of_april():
    with time_machine.travel(dt.datetime(2023, 4, 10, 5, tzinfo=dt.UTC), tick=False):
        yield


def count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def detained(*classes, case=None, person=None, **kw) -> Detention:
    """Return a current detention whose defendant faces charges of these offence classes."""
    case = case or make_case()
    person = person or make_person()
    party = make_party(case=case, person=person)
    for offence_class in classes:
        make_charge(party=party, offence=make_offence(offence_class=offence_class))
    kw.setdefault("started_on", D(2023, 1, 1))
    return make_detention(person=person, case=case, **kw)


def page(client, url, params=None) -> str:
    response = client.get(url, params or {})
    assert response.status_code == 200
    return response.content.decode()


# Detention, person, case and timeline pages ----------------------------------------------


def test_detention_page_shows_each_date_with_its_article_and_confidence(client_for, supervisor):
    detention = detained("misdemeanour")
    html = page(client_for(supervisor), detention.get_absolute_url())
    assert "Legal clock" in html and "Review due" in html
    assert "1 May 2023" in html and "1 July 2023" in html  # authorised end, legal maximum
    assert "CCPC art. 209 · confidence: High" in html
    assert "unverified limit" not in html


def test_an_unverified_rule_is_labelled_as_an_unverified_limit(client_for, supervisor):
    LegalRule.objects.filter(measure="pretrial", offence_class="misdemeanour").update(
        confidence="unverified"
    )
    detention = detained("misdemeanour")
    html = page(client_for(supervisor), detention.get_absolute_url())
    assert "confidence: Unverified" in html
    assert "unverified limit" in html


def test_unknown_class_shows_both_deadlines_and_asks_for_the_article(client_for, supervisor):
    detention = detained("unknown")
    charge = Charge.objects.get(party__person=detention.person)
    html = page(client_for(supervisor), detention.get_absolute_url())
    assert "Offence class unknown" in html
    assert "if felony" in html and "if misdemeanour" in html
    assert "CCPC art. 208" in html and "CCPC art. 209" in html
    assert reverse("cases:charge-update", args=[charge.pk]) in html


def test_a_child_in_pretrial_detention_is_flagged_not_allowed(client_for, supervisor):
    detention = detained("felony", person=make_person(birth_on=D(2010, 1, 1)))
    html = page(client_for(supervisor), detention.get_absolute_url())
    assert "Not allowed by law" in html
    assert "unverified limit" in html  # the age of 14 rule is unverified


def test_person_page_shows_the_clock_of_each_running_detention(client_for, supervisor):
    person = make_person()
    detained("felony", person=person)
    detained(
        "misdemeanour",
        person=person,
        started_on=D(2021, 1, 1),
        ended_on=D(2021, 3, 1),
        end_reason="bail",
    )
    html = page(client_for(supervisor), person.get_absolute_url())
    assert "CCPC art. 208 · confidence: Medium" in html
    assert "1 July 2023" in html
    assert "CCPC art. 209" not in html  # the ended detention has no running clock


def test_case_page_shows_clocks_of_the_detained_and_appeal_deadlines(client_for, supervisor):
    detention = detained("felony")
    party = detention.case.parties.get()
    make_outcome(party=party, verdict_on=D(2023, 3, 20))
    html = page(client_for(supervisor), detention.case.get_absolute_url())
    assert "Within the period" in html
    assert "CCPC art. 208 · confidence: Medium" in html
    assert "Deadline 20 April 2023" in html
    assert "10 days left" in html
    assert "CCPC ~art. 382 (number unverified) · confidence: Medium" in html


def test_timeline_lists_deadlines_with_their_rule(client_for, supervisor):
    detention = detained("misdemeanour")
    make_outcome(party=detention.case.parties.get(), verdict_on=D(2023, 3, 20))
    url = reverse("cases:case-timeline", args=[detention.case_id])
    html = page(client_for(supervisor), url)
    assert "Authorised end of the pretrial detention of" in html
    assert "Legal maximum of the pretrial detention of" in html
    assert "Appeal deadline (First instance)" in html
    assert "Rule: CCPC art. 209 · confidence: High" in html
    only = page(client_for(supervisor), url, {"kind": "deadline"})
    assert "Pretrial detention began" not in only and "Authorised end" in only


def test_timeline_shows_a_deadline_passed_while_detained(client_for, supervisor):
    detention = detained(
        "misdemeanour", started_on=D(2022, 1, 1), ended_on=D(2022, 8, 1), end_reason="bail"
    )
    html = page(client_for(supervisor), reverse("cases:case-timeline", args=[detention.case_id]))
    assert "Passed while detained" in html
    assert "1 May 2022" in html and "1 July 2022" in html


@pytest.mark.parametrize("url_of", ["detention", "person", "case"])
def test_clock_pages_cost_the_same_for_one_or_many(client_for, supervisor, url_of):
    client = client_for(supervisor)
    person = make_person()
    first = detained("misdemeanour", person=person)
    make_outcome(party=first.case.parties.get())
    urls = {
        "detention": first.get_absolute_url(),
        "person": person.get_absolute_url(),
        "case": first.case.get_absolute_url(),
    }
    # The first page a process serves reads the rule table into its copy (cases.rules):
    # counted from the second on, whichever test this process ran before.
    count_queries(client, urls[url_of])
    one = count_queries(client, urls[url_of])
    for month in range(2, 6):
        make_extension(detention=first, ordered_on=D(2023, month, 1), months=1)
        other = detained("unknown", case=first.case, started_on=D(2023, month, 1))
        make_outcome(party=other.case.parties.get(person=other.person))
        detained("felony", person=person, kind=Detention.Kind.POLICE_CUSTODY)
    assert count_queries(client, urls[url_of]) == one


# The dashboard ----------------------------------------------------------------------------


def test_dashboard_permission_ladder(client, client_for, monitor, exporter, supervisor, admin_user):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client_for(monitor).get(DASHBOARD).status_code == 403
    assert client_for(exporter).get(DASHBOARD).status_code == 403
    assert client_for(supervisor).get(DASHBOARD).status_code == 200
    assert client_for(admin_user).get(DASHBOARD).status_code == 200
    assert reverse("cases:clock-dashboard") == DASHBOARD


def test_home_links_supervisors_to_the_dashboard(client_for, monitor, supervisor):
    assert DASHBOARD in page(client_for(supervisor), reverse("home"))
    assert DASHBOARD not in page(client_for(monitor), reverse("home"))


@pytest.fixture
def ward(supervisor):
    """Detainees in every state, created out of order, with the expected dashboard order."""
    within = detained("felony", started_on=D(2023, 3, 1))
    review = detained("misdemeanour", started_on=D(2023, 1, 1))
    unknown = detained("unknown", started_on=D(2023, 2, 1))
    beyond = detained("misdemeanour", started_on=D(2022, 6, 1))
    expired = detained("misdemeanour", started_on=D(2022, 12, 1))
    overdue_release = make_detention(
        person=(sentenced := make_party(case=make_case())).person,
        case=sentenced.case,
        kind=Detention.Kind.SENTENCE,
        started_on=D(2022, 3, 1),
    )
    make_outcome(party=sentenced, verdict_on=D(2022, 3, 1), sentence_months=12)
    supervision = detained("felony", kind=Detention.Kind.SUPERVISION)
    detained("felony", ended_on=D(2023, 3, 1), end_reason="bail")  # not detained now
    return [beyond, overdue_release, expired, unknown, review, within, supervision]


def test_dashboard_sorts_by_urgency_then_deadline(client_for, supervisor, ward):
    response = client_for(supervisor).get(DASHBOARD)
    clocks = response.context["clocks"]
    assert [c.detention for c in clocks] == ward
    assert [c.state for c in clocks] == [
        ClockState.BEYOND_LEGAL_MAXIMUM,
        RELEASE_OVERDUE,
        ClockState.EXPIRED_WITHOUT_EXTENSION,
        ClockState.CLASS_UNKNOWN,
        ClockState.REVIEW_DUE,
        ClockState.WITHIN_PERIOD,
        "no_clock",
    ]


def test_dashboard_counts_states_and_highlights_overdue_rows(client_for, supervisor, ward):
    response = client_for(supervisor).get(DASHBOARD)
    counts = {row["state"]: row["count"] for row in response.context["counts"]}
    assert counts[ClockState.BEYOND_LEGAL_MAXIMUM] == 1
    assert sum(counts.values()) == len(ward) == response.context["total"]
    html = response.content.decode()
    assert html.count('<tr class="overdue">') == 3
    assert "unlawful since" in html
    for detention in ward:
        assert detention.get_absolute_url() in html
        assert detention.person.get_absolute_url() in html
        assert detention.case.get_absolute_url() in html


def test_dashboard_filters_by_computed_state_and_class(client_for, supervisor, ward):
    client = client_for(supervisor)
    by_state = client.get(DASHBOARD, {"state": ClockState.REVIEW_DUE})
    assert [c.detention for c in by_state.context["clocks"]] == [ward[4]]
    # The counts stay those of every state, so the other states remain one click away.
    assert len(by_state.context["counts"]) == len(ward)
    by_class = client.get(DASHBOARD, {"offence_class": "unknown"})
    # The sentenced person has no charge recorded: class unknown too.
    assert [c.detention for c in by_class.context["clocks"]] == [ward[1], ward[3]]
    both = client.get(DASHBOARD, {"offence_class": "unknown", "state": RELEASE_OVERDUE})
    assert [c.detention for c in both.context["clocks"]] == [ward[1]]


def test_dashboard_filters_by_court_and_facility(client_for, supervisor):
    court, facility = make_court(), make_facility()
    in_court = detained("felony", case=make_case(court=court))
    in_prison = detained("felony", facility=facility)
    detained("felony")
    client = client_for(supervisor)
    assert [c.detention for c in client.get(DASHBOARD, {"court": court.pk}).context["clocks"]] == [
        in_court
    ]
    by_facility = client.get(DASHBOARD, {"facility": facility.pk}).context["clocks"]
    assert [c.detention for c in by_facility] == [in_prison]


def test_dashboard_bad_filter_is_explained_and_empty_state_shown(client_for, supervisor):
    detained("felony")
    client = client_for(supervisor)
    response = client.get(DASHBOARD, {"court": "999999"})
    assert response.context["clocks"] == []
    html = response.content.decode()
    assert "has-error" in html and "Nobody detained now matches these filters." in html
    assert "Clear the filters" in html


def test_dashboard_empty_state(client_for, supervisor):
    assert "Nobody is recorded as detained now." in page(client_for(supervisor), DASHBOARD)


def test_dashboard_paginates(client_for, supervisor, settings):
    settings.PAGINATE_BY = 2
    for _ in range(5):
        detained("felony")
    client = client_for(supervisor)
    first = client.get(DASHBOARD)
    assert len(first.context["clocks"]) == 2 and first.context["total"] == 5
    assert 'href="?page=2"' in first.content.decode()
    last = client.get(DASHBOARD, {"page": 3})
    assert len(last.context["clocks"]) == 1


def test_dashboard_names_only_what_the_user_may_see(client_for):
    boss = make_user(None, username="boss")
    codenames = ["manage_all_cases", "view_detention"]
    boss.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    secret = make_person(name="Real Name", is_protected=True, pseudonym="Witness K")
    detained("felony", person=secret)
    detained("felony", case=make_case(restricted=True), person=make_person(name="Hidden One"))
    html = page(client_for(boss), DASHBOARD)
    assert "Witness K" in html and "Real Name" not in html
    assert "Hidden One" not in html  # a restricted case this user may not see


def test_dashboard_queries_do_not_grow_with_rows(client_for, supervisor):
    client = client_for(supervisor)

    def add_mix():
        court, facility = make_court(), make_facility()
        detained("misdemeanour", case=make_case(court=court), facility=facility)
        detained("unknown", kind=Detention.Kind.POLICE_CUSTODY, arrested_at=None)
        party = make_party(case=make_case(court=court))
        make_detention(person=party.person, case=party.case, kind=Detention.Kind.SENTENCE)
        make_outcome(party=party, sentence_months=24)

    add_mix()
    one = count_queries(client, DASHBOARD)
    for _ in range(9):
        add_mix()
    assert count_queries(client, DASHBOARD) == one
    assert count_queries(client, DASHBOARD, {"state": "serving", "offence_class": "felony"}) == one
