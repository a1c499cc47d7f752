"""The search page: who may use it, what it says about bad input, and what it costs."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from search.search import MAX_LENGTH, MAX_WORDS, PREVIEW
from tests.factories import make_case, make_court, make_person, make_person_group, make_user

pytestmark = pytest.mark.django_db

URL = reverse("search:search")


# The ladder ------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(URL, {"q": "Kem Sokha"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_user_who_may_read_neither_people_nor_cases_is_refused(client_for):
    assert client_for(make_user(None)).get(URL, {"q": "Kem Sokha"}).status_code == 403


@pytest.mark.parametrize("role", ["monitor", "supervisor", "exporter", "admin"])
def test_every_role_may_search(client_for, role):
    make_person(name="Kem Sokha")
    response = client_for(make_user(role)).get(URL, {"q": "Kem Sokha"})
    assert response.status_code == 200
    assert response.context["found"]


def test_a_post_is_refused(client_for, monitor):
    assert client_for(monitor).post(URL, {"q": "Kem Sokha"}).status_code == 405


def test_the_header_of_every_page_has_a_labelled_search_box(client_for, monitor):
    html = client_for(monitor).get(reverse("home")).content.decode()
    form = re.search(r'<form class="site-search"[^>]*>.*?</form>', html, re.S).group()
    assert f'action="{URL}"' in form and 'method="get"' in form
    assert '<label class="visually-hidden" for="site-search-q">' in form
    assert 'id="site-search-q"' in form and 'name="q"' in form


def test_the_header_has_no_search_box_before_login(client):
    assert "site-search" not in client.get(reverse("login")).content.decode()


# Input ---------------------------------------------------------------------------------


def test_an_empty_box_shows_the_form_and_a_hint(client_for, monitor):
    for params in ({}, {"q": ""}, {"q": "   "}):
        response = client_for(monitor).get(URL, params)
        assert response.status_code == 200
        assert "Type a name, a word of a case, or a case number." in response.content.decode()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a", "Type at least 2 characters."),
        (" k ", "Type at least 2 characters."),
        ("k" * (MAX_LENGTH + 1), f"Type at most {MAX_LENGTH} characters (this has 101)."),
        (" ".join(["kem"] * 3 + [f"w{n}" for n in range(MAX_WORDS)]), "Use at most 10 words."),
    ],
)
def test_a_query_too_short_or_too_long_is_explained_beside_the_box(
    client_for, monitor, text, message
):
    response = client_for(monitor).get(URL, {"q": text})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html
    # The input is kept for correcting.
    assert f'value="{text}"' in html


HOSTILE = [
    "'; DROP TABLE cases_person; --",
    "' OR '1'='1",
    '" OR ""="',
    "%",
    "%%",
    "_",
    "__",
    "\\",
    "\\%",
    "a%b_c",
    "kem' | sokha",
    "!kem & (sokha",
    "kem:* <-> sokha",
    '"unclosed phrase',
    "-kem -sokha",
    "or or or",
    "<script>alert(1)</script>",
    "{{ 7*7 }}{% debug %}",
    "\x00kem",
    "kem\x01\x02sokha",
    "\u200b\u200b",
    "\U0001f600 kem",  # an emoji
    "\U0001f600\U0001f600",
    "ក" * MAX_LENGTH,
    "ក្ខ" * 40,
    "Ω≈ç√∫ ÅÍÎÏ",
    "\u202eesrever",
    "x" * 5000,
    "kem " * 200,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_answered_without_error(client_for, monitor, text):
    make_person(name="Kem Sokha")
    make_case(title="Treason trial of Kem Sokha", court_case_number="12x34")
    response = client_for(monitor).get(URL, {"q": text})
    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert "<script>alert(1)" not in html


def test_a_page_number_that_is_not_a_number_shows_the_first_page(client_for, monitor):
    make_person(name="Kem Sokha")
    response = client_for(monitor).get(URL, {"q": "Kem", "kind": "people", "page": "x'--"})
    assert response.status_code == 200
    assert response.context["groups"][0]["page_obj"].number == 1


def test_an_unknown_kind_shows_both_groups(client_for, monitor):
    make_person(name="Kem Sokha")
    response = client_for(monitor).get(URL, {"q": "Kem", "kind": "detentions'"})
    assert response.status_code == 200
    assert [group["kind"] for group in response.context["groups"]] == ["people", "cases"]


def test_nothing_found_says_so(client_for, monitor):
    response = client_for(monitor).get(URL, {"q": "Nobody Here"})
    assert response.status_code == 200
    assert "Nothing found for “Nobody Here”." in response.content.decode()


# Groups, "more" and pages --------------------------------------------------------------


def test_each_group_shows_the_first_results_and_links_to_more(client_for, monitor):
    for n in range(PREVIEW + 2):
        make_person(name=f"Sokha Person{n:02d}")
    make_case(title="Treason trial of Kem Sokha")
    response = client_for(monitor).get(URL, {"q": "Sokha"})
    people, cases = response.context["groups"]
    assert len(people["hits"]) == PREVIEW and people["more"]
    assert len(cases["hits"]) == 1 and not cases["more"]
    html = response.content.decode()
    assert "More people" in html and "More cases" not in html


def test_one_kind_is_paginated_and_counted(client_for, monitor, settings):
    settings.PAGINATE_BY = 5
    for n in range(12):
        make_person(name=f"Sokha Person{n:02d}")
    client = client_for(monitor)
    first = client.get(URL, {"q": "Sokha", "kind": "people"})
    (group,) = first.context["groups"]
    assert group["count"] == 12 and len(group["hits"]) == 5
    last = client.get(URL, {"q": "Sokha", "kind": "people", "page": 3})
    (group,) = last.context["groups"]
    assert len(group["hits"]) == 2
    seen = {hit.obj.pk for page in (1, 2, 3) for hit in _page(client, page)}
    assert len(seen) == 12  # pages neither overlap nor skip


def _page(client, number):
    response = client.get(URL, {"q": "Sokha", "kind": "people", "page": number})
    return response.context["groups"][0]["hits"]


# Query counts ----------------------------------------------------------------------------


def _count_queries(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("kind", [None, "people", "cases"])
def test_the_number_of_queries_does_not_grow_with_the_results(client_for, monitor, kind):
    params = {"q": "Sokha", **({"kind": kind} if kind else {})}
    client = client_for(monitor)
    client.get(URL, params)  # warm the session and permission caches alike for both runs
    make_person(name="Kem Sokha", group=make_person_group())
    make_case(title="Treason trial of Kem Sokha", court=make_court())
    one = _count_queries(client, params)
    for n in range(PREVIEW + 5):
        make_person(
            name=f"Sokha Person{n:02d}",
            group=make_person_group(),
            is_protected=n % 2 == 0,
            pseudonym=f"Sokha {n}",
        )
        make_case(title=f"Sokha case {n}", court=make_court(), court_case_number=f"{n}/2023")
    many = _count_queries(client, params)
    assert one == many
    assert many <= 10
