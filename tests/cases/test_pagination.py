"""Pagination links work: following "Next" really opens the next page (filters kept)."""

import re

import pytest
from django.urls import reverse

from tests.factories import make_case

pytestmark = pytest.mark.django_db


def test_the_next_link_opens_page_two_and_keeps_the_filter(client_for, supervisor, settings):
    settings.PAGINATE_BY = 2
    for n in range(5):
        make_case(title=f"Land dispute {n}")
    make_case(title="Unrelated")
    client = client_for(supervisor)
    page1 = client.get(reverse("cases:case-list"), {"q": "Land"})
    html = page1.content.decode()
    next_href = re.search(r'<a rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert next_href.startswith("?") and not next_href.startswith("??")
    assert "q=Land" in next_href and "page=2" in next_href
    page2 = client.get(reverse("cases:case-list") + next_href)
    assert page2.context["page_obj"].number == 2
    assert page2.context["page_obj"].paginator.count == 5
