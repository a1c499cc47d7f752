"""The case list and the case timeline read a fixed, small number of queries whatever the
number of rows or events, and a deep page is read by keyset, never by OFFSET."""

import datetime as dt

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.clocks import RuleBook, build_clock, detention_clocks
from cases.models import Detention, DetentionExtension
from cases.rules import forget_rule_table
from cases.timeline import CaseRecords
from tests.factories import (
    make_case,
    make_charge,
    make_detention,
    make_extension,
    make_followup,
    make_hearing,
    make_outcome,
    make_party,
)

pytestmark = pytest.mark.django_db

LIST = reverse("cases:case-list")


def queries(client, url, **params) -> tuple[list[str], object]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200
    return [query["sql"] for query in context.captured_queries], response


def with_defendants(case, n: int):
    for _ in range(n):
        make_party(case=case)
    return case


def test_the_case_list_reads_the_same_queries_for_one_row_or_a_full_page(
    client_for, monitor, settings
):
    settings.PAGINATE_BY = 5
    client = client_for(monitor)
    with_defendants(make_case(title="Only one"), 2)
    one, _response = queries(client, LIST, o="title")
    for n in range(11):
        with_defendants(make_case(title=f"Case {n:02d}", restricted=n % 2, monitors=[monitor]), 3)
    full, response = queries(client, LIST, o="title")
    # session, user (with the unread count and permissions), the page, the filter's courts;
    # and the capped count once there is more than a page.
    assert len(one) == 4 and len(full) == 5
    assert [case.defendant_count for case in response.context["object_list"]][1:] == [3] * 4
    next_page = QueryDict(response.context["page_obj"].next_query[1:])["page"]
    deep, response = queries(client, LIST, o="title", page=next_page)
    assert len(deep) == 5 and response.context["page_obj"].number == 2
    page_sql = next(sql for sql in deep if "defendant_count" in sql)
    assert "OFFSET" not in page_sql.upper() and "LIMIT 6" in page_sql


def test_the_defendant_count_is_read_per_row_not_by_a_grouped_join(client_for, supervisor):
    with_defendants(make_case(), 2)
    sqls, response = queries(client_for(supervisor), LIST)
    page_sql = next(sql for sql in sqls if "defendant_count" in sql)
    # A correlated subquery, read for the page's rows only: no join of the parties to group.
    assert 'JOIN "cases_caseparty"' not in page_sql
    assert response.context["object_list"][0].defendant_count == 2


def busy(case, n: int):
    for i in range(n):
        party = make_party(case=case)
        make_charge(party=party)
        make_outcome(party=party, appeal_filed_on=dt.date(2023, 6, 1), appealed_by="defendant")
        detention = make_detention(
            person=party.person,
            case=case,
            arrested_at=None,
            kind=Detention.Kind.SENTENCE if i == 0 else Detention.Kind.PRETRIAL,
            started_on=dt.date(2023, 1, 19),
            ended_on=None if i == 0 else dt.date(2023, 5, 1),
            end_reason="" if i == 0 else "bail",
        )
        make_extension(detention=detention)
        deleted = make_extension(detention=detention, months=5)
        DetentionExtension.all_objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
        make_hearing(case=case)
        make_followup(case=case)


def test_the_timeline_page_reads_a_fixed_number_of_queries(client_for, supervisor):
    case = make_case()
    busy(case, 1)
    client = client_for(supervisor)
    url = reverse("cases:case-timeline", args=[case.pk])
    forget_rule_table()
    first, _response = queries(client, url)
    few, _response = queries(client, url)
    busy(case, 6)
    many, response = queries(client, url)
    # session, user (with the unread count and permissions), the case (with the rule table's
    # fingerprint); detentions with their extensions, charges, hearings, observations,
    # outcomes, follow-ups; the rules only while the process has no current copy of them.
    assert len(few) == len(many) == 9
    assert len(first) == 10 and 'FROM "cases_legalrule"' in first[-1]
    assert len(response.context["entries"]) > 40


def test_the_timeline_clocks_match_those_read_by_cases_clocks(supervisor):
    case = make_case()
    busy(case, 3)
    pretrial_credit = make_party(case=case)
    make_outcome(party=pretrial_credit, sentence_months=12, verdict_on=dt.date(2023, 3, 1))
    make_detention(person=pretrial_credit.person, case=case, started_on=dt.date(2022, 11, 1))
    make_detention(
        person=pretrial_credit.person,
        case=case,
        kind=Detention.Kind.SENTENCE,
        started_on=dt.date(2023, 3, 1),
    )
    today = dt.date(2023, 8, 1)
    now = dt.datetime(2023, 8, 1, 9, 0, tzinfo=dt.UTC)
    rules = RuleBook()
    records = CaseRecords(case, supervisor)
    loaded = records.clock_inputs()
    ours = {
        d.pk: build_clock(d, today=today, now=now, rules=rules, loaded=loaded)
        for d in records.detentions
    }
    theirs = detention_clocks(
        Detention.objects.filter(case=case), today=today, now=now, rules=rules
    )
    assert ours == theirs and len(ours) == 5
    # A deleted extension order is neither counted nor shown.
    orders = records.extensions
    assert sorted(len(orders[pk]) for pk in ours) == [0, 0, 1, 1, 1]
    assert {order.months for pk in ours for order in orders[pk]} == {2}
