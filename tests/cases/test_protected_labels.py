"""A protected identity never leaks through page titles, messages or search."""

import pytest
from django.urls import reverse

from tests.factories import make_case, make_detention, make_party, make_person

pytestmark = pytest.mark.django_db


def test_edit_page_and_message_use_the_pseudonym(client_for, monitor):
    person = make_person(name="Real Name", is_protected=True, pseudonym="Witness B")
    case = make_case(monitors=[monitor])
    make_party(case=case, person=person)
    detention = make_detention(person=person, case=case)
    client = client_for(monitor)

    page = client.get(reverse("cases:detention-update", args=[detention.pk])).content.decode()
    assert "Real Name" not in page
    assert "Witness B" in page


def test_search_finds_protected_people_by_pseudonym_only(client_for, monitor, supervisor):
    make_person(name="Real Name", is_protected=True, pseudonym="Witness B")
    url = reverse("cases:person-list")
    by_name = client_for(monitor).get(url, {"q": "Real"}).content.decode()
    assert "Witness B" not in by_name
    by_pseudonym = client_for(monitor).get(url, {"q": "Witness"}).content.decode()
    assert "Witness B" in by_pseudonym
    assert "Real Name" in client_for(supervisor).get(url, {"q": "Real"}).content.decode()
