"""Search over the report's seed: Kem Sokha among the names that look like his."""

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from search.search import Query, search_cases, search_people


@pytest.fixture(scope="module")
def seed(django_db_setup, django_db_blocker):
    """Load the seed once for the module; roll it back when the module ends."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("loaddata", "report_cases", verbosity=0)
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def user(seed, monitor):
    return monitor


def people(user, text):
    return [hit.obj for hit in search_people(user=user, query=Query.parse(text))[:50]]


def references(user, text):
    return [hit.obj.reference for hit in search_cases(user=user, query=Query.parse(text))[:50]]


@pytest.mark.parametrize("text", ["kem sokha", "Kem Sokha", "Sokha Kem", "Sokhar", "kem sokhar"])
def test_kem_sokha_comes_first_among_the_report_s_people(user, text):
    names = [person.name for person in people(user, text)]
    # Kem Ley, Ley Sokhon and Khem Sophath are near, but never above him.
    assert names[:1] == ["Kem Sokha"], names
    assert names.count("Kem Sokha") == 1


@pytest.mark.parametrize("text", ["kem sokha", "Sokha Kem", "Sokhar"])
def test_his_treason_case_comes_first_among_the_cases(user, text):
    assert references(user, text)[:1] == ["UN23-P30-SOKHA"]


def test_a_word_of_a_summary_finds_the_case(user):
    # "espionage" is only in the summary of the Kem Sokha case.
    assert references(user, "espionage") == ["UN23-P30-SOKHA"]
    hit = search_cases(user=user, query=Query.parse("espionage"))[0]
    assert [str(match.label) for match in hit.matches] == ["Summary"]
    assert ("espionage", True) in hit.matches[0].parts


def test_a_reference_finds_its_case(user):
    assert references(user, "UN23-P39-NAGAWORLD")[:1] == ["UN23-P39-NAGAWORLD"]


def test_the_page_lists_him_with_what_matched(user, client_for):
    response = client_for(user).get(reverse("search:search"), {"q": "Sokha Kem"})
    assert response.status_code == 200
    people_group, cases_group = response.context["groups"]
    assert people_group["hits"][0].label == "Kem Sokha"
    assert cases_group["hits"][0].obj.reference == "UN23-P30-SOKHA"
    html = response.content.decode()
    assert "<mark>Kem</mark> <mark>Sokha</mark>" in html
