"""List pages by keyset (cases.pagination): "Next" and "Previous" walk every visible row exactly
once and in order, ties and empty dates included; filters and sort stay on; old ``?page=N``
links and broken cursors still answer."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.urls import reverse

from cases import pagination
from cases.models import Case
from tests.factories import make_case

pytestmark = pytest.mark.django_db

LIST = reverse("cases:case-list")


def link(response, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', response.content.decode())
    return found.group(1).replace("&amp;", "&") if found else None


def walk(client, query: str = "") -> tuple[list[list[int]], list]:
    """Follow "Next" from the first page; return the pks of each page, and the responses."""
    pages, responses = [], []
    url = f"{LIST}?{query}"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        responses.append(response)
        pages.append([case.pk for case in response.context["object_list"]])
        next_href = link(response, "next")
        url = LIST + next_href if next_href else None
        assert len(pages) < 50, "the walk does not end"
    return pages, responses


@pytest.fixture
def ties():
    """Eleven cases with equal titles, dates and stages, and some without a date."""
    cases = []
    for n in range(11):
        cases.append(
            make_case(
                title=["Same title", "Land dispute", "Another"][n % 3],
                opened_on=None if n % 4 == 0 else dt.date(2023, 1, 1 + n % 2),
                stage=["trial", "appeal"][n % 2],
            )
        )
    return cases


SORTS = ["", "o=title", "o=-title", "o=opened", "o=-opened", "o=stage", "o=-updated", "o=reference"]


@pytest.mark.parametrize("sort", SORTS)
def test_walking_next_shows_every_row_once_in_order(client_for, supervisor, settings, ties, sort):
    settings.PAGINATE_BY = 3
    client = client_for(supervisor)
    pages, responses = walk(client, sort)
    walked = [pk for page in pages for pk in page]
    settings.PAGINATE_BY = 1000
    everything = [case.pk for case in client.get(f"{LIST}?{sort}").context["object_list"]]
    assert walked == everything and len(everything) == 11
    assert [r.context["page_obj"].number for r in responses] == [1, 2, 3, 4]
    # And "Previous" goes back through the same pages.
    settings.PAGINATE_BY = 3
    back = []
    response = responses[-1]
    while href := link(response, "prev"):
        response = client.get(LIST + href)
        back.append([case.pk for case in response.context["object_list"]])
    assert back == pages[-2::-1]
    assert response.context["page_obj"].number == 1


def test_empty_dates_sort_where_the_database_puts_them(client_for, supervisor):
    undated = make_case(opened_on=None)
    dated = make_case(opened_on=dt.date(2020, 1, 1))
    client = client_for(supervisor)
    up = list(client.get(LIST, {"o": "opened"}).context["object_list"])
    down = list(client.get(LIST, {"o": "-opened"}).context["object_list"])
    largest = connection.features.nulls_order_largest  # PostgreSQL: NULL after every value
    assert up == ([dated, undated] if largest else [undated, dated])
    assert down == up[::-1]


def test_filter_and_sort_stay_on_every_page(client_for, supervisor, settings):
    settings.PAGINATE_BY = 2
    for n in range(5):
        make_case(title=f"Land dispute {n}")
    make_case(title="Unrelated")
    client = client_for(supervisor)
    pages, responses = walk(client, "q=Land&o=-title")
    assert [pk for page in pages for pk in page] == [
        case.pk for case in Case.objects.filter(title__startswith="Land").order_by("-title")
    ]
    for response in responses[1:]:
        assert response.context["request"].GET["q"] == "Land"
        assert response.context["request"].GET["o"] == "-title"
    next_href = link(responses[0], "next")
    assert next_href.startswith("?") and "q=Land" in next_href and "page=2~" in next_href
    assert responses[1].context["paginator"].count == 5
    assert "Page 2 of 3" in responses[1].content.decode()


def test_a_monitor_never_pages_onto_a_restricted_case(client_for, monitor, settings):
    settings.PAGINATE_BY = 2
    visible = [make_case(title=f"Open {n}") for n in range(3)]
    assigned = make_case(title="Assigned", restricted=True, monitors=[monitor])
    make_case(title="Hidden", restricted=True)
    pages, _responses = walk(client_for(monitor), "o=title")
    walked = [pk for page in pages for pk in page]
    assert sorted(walked) == sorted([case.pk for case in visible] + [assigned.pk])


def test_old_page_numbers_still_work(client_for, supervisor, settings):
    settings.PAGINATE_BY = 2
    cases = [make_case(title=f"Case {n:02d}") for n in range(5)]
    client = client_for(supervisor)
    page2 = client.get(LIST, {"o": "title", "page": "2"})
    assert list(page2.context["object_list"]) == cases[2:4]
    assert page2.context["page_obj"].number == 2
    past_the_end = client.get(LIST, {"o": "title", "page": "99"})
    assert list(past_the_end.context["object_list"]) == cases[4:]
    assert past_the_end.context["page_obj"].number == 3
    assert list(client.get(LIST, {"o": "title", "page": "x"}).context["object_list"]) == cases[:2]


@pytest.mark.parametrize(
    "page",
    [
        "2~garbage",
        "2~eyJzIjoxfQ.forged",
        "~",
        "x~y~z",
        "2~" + "A" * 5000,
    ],
)
def test_a_bad_cursor_shows_a_page_never_an_error(client_for, supervisor, settings, page):
    settings.PAGINATE_BY = 2
    cases = [make_case(title=f"Case {n:02d}") for n in range(5)]
    response = client_for(supervisor).get(LIST, {"o": "title", "page": page})
    assert response.status_code == 200
    shown = list(response.context["object_list"])
    expected = cases[2:4] if page.startswith("2~") else cases[:2]
    assert shown == expected  # the page by its number when there is one, else the first


def test_a_cursor_made_for_another_sort_is_ignored(client_for, supervisor, settings):
    settings.PAGINATE_BY = 2
    for n in range(5):
        make_case(title=f"Case {n:02d}")
    client = client_for(supervisor)
    href = link(client.get(LIST, {"o": "title"}), "next")
    token = re.search(r"page=([^&]+)", href).group(1)
    by_date = client.get(LIST, {"o": "-opened", "page": token})
    assert by_date.status_code == 200
    expected = list(client.get(LIST, {"o": "-opened", "page": "2"}).context["object_list"])
    assert list(by_date.context["object_list"]) == expected


def test_the_total_is_capped_never_counted_in_full(client_for, supervisor, settings, monkeypatch):
    settings.PAGINATE_BY = 2
    monkeypatch.setattr(pagination, "COUNT_CAP", 4)
    for n in range(5):
        make_case(title=f"Case {n}")
    response = client_for(supervisor).get(LIST)
    html = response.content.decode()
    assert response.context["paginator"].count is None
    assert "(more than 4)" in html and "Page 1" in html and "Page 1 of" not in html
    assert link(response, "next") and "Last" not in html
    # Everything on one page: counted from the page itself.
    settings.PAGINATE_BY = 50
    response = client_for(supervisor).get(LIST)
    assert response.context["paginator"].count == 5 and "(5)" in response.content.decode()


def test_an_empty_list_says_so(client_for, supervisor):
    response = client_for(supervisor).get(LIST, {"q": "nothing like this"})
    assert response.status_code == 200
    assert "No case matches these filters." in response.content.decode()
    assert response.context["paginator"].count == 0


def test_list_page_url_reaches_the_same_page_as_walking(client_for, supervisor, settings):
    settings.PAGINATE_BY = 2
    for n in range(7):
        make_case(title=f"Case {n % 3}")
    client = client_for(supervisor)
    pages, _responses = walk(client, "o=-title")
    url = pagination.list_page_url("cases:case-list", supervisor, {"o": "-title"}, 3)
    response = client.get(url)
    assert [case.pk for case in response.context["object_list"]] == pages[2]
    assert response.context["page_obj"].number == 3
