"""What the search finds, on SQLite and PostgreSQL alike (the same tests run on both)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Person
from search.search import Query, search_cases, search_people
from tests.factories import make_case, make_party, make_person

pytestmark = pytest.mark.django_db


def people(user, text):
    return [hit.obj for hit in search_people(user=user, query=Query.parse(text))[:50]]


def cases(user, text):
    return [hit.obj for hit in search_cases(user=user, query=Query.parse(text))[:50]]


def test_khmer_script_finds_the_person_in_any_word_order(supervisor):
    kem = make_person(name="Kem Sokha", name_khmer="កឹម សុខា")
    make_person(name="Kem Ley", name_khmer="កែម ឡី")
    for text in ("កឹម សុខា", "សុខា កឹម", "សុខា"):
        assert people(supervisor, text) == [kem], text
    hit = search_people(user=supervisor, query=Query.parse("សុខា"))[0]
    assert [str(match.label) for match in hit.matches] == ["Khmer name"]


def test_an_alias_finds_the_person_and_says_so(supervisor):
    person = make_person(name="Chhim Sithar", aliases="Sithar Chhim\nSrey Mom")
    make_person(name="Srey Pov")
    hit = search_people(user=supervisor, query=Query.parse("srey mom"))[0]
    assert hit.obj == person
    matched = [(str(m.label), "".join(part for part, _ in m.parts)) for m in hit.matches]
    assert matched == [("Alias", "Srey Mom")]


def test_a_case_is_found_by_its_court_case_number_and_its_reference(supervisor):
    case = make_case(title="Land dispute", court_case_number="1234/2023", reference="OUR-2023-0042")
    make_case(title="Other", court_case_number="5678/2021")
    assert cases(supervisor, "1234/2023") == [case]
    assert cases(supervisor, "OUR-2023-0042") == [case]
    assert cases(supervisor, "0042")[0] == case


def test_like_wildcards_are_plain_characters(supervisor):
    make_case(title="Unrelated", court_case_number="12x34")
    make_person(name="Axb Person", pseudonym="")
    assert cases(supervisor, "12_34") == []
    assert cases(supervisor, "12%34") == []
    assert people(supervisor, "%%") == []
    assert people(supervisor, "__") == []


def test_words_that_are_only_punctuation_find_nothing(supervisor):
    make_person(name="Kem Sokha")
    assert people(supervisor, "' ; -- %") == []


def test_deleted_people_and_cases_are_not_found(supervisor):
    person = make_person(name="Kem Sokha")
    case = make_case(title="Treason trial of Kem Sokha")
    deleted = timezone.now()
    Person.objects.filter(pk=person.pk).update(deleted_at=deleted)
    Case.objects.filter(pk=case.pk).update(deleted_at=deleted)
    assert people(supervisor, "Kem Sokha") == []
    assert cases(supervisor, "Kem Sokha") == []


# Who sees what ---------------------------------------------------------------------------


@pytest.fixture
def restricted(monitor):
    """A restricted case assigned to ``monitor``, and the one person who is only in it."""
    case = make_case(restricted=True, title="Secret dispute in Preah Vihear", monitors=[monitor])
    party = make_party(case=case, person=make_person(name="Ouk Phalla"))
    return case, party.person


def test_a_restricted_case_and_its_people_are_found_by_whoever_may_see_them(
    restricted, monitor, supervisor
):
    case, person = restricted
    for user in (monitor, supervisor):
        assert cases(user, "Preah Vihear") == [case]
        assert people(user, "Ouk Phalla") == [person]


def test_nobody_else_finds_a_restricted_case_or_its_people(restricted, other_monitor, exporter):
    for user in (other_monitor, exporter):
        assert cases(user, "Preah Vihear") == []
        assert cases(user, "Secret dispute") == []
        assert people(user, "Ouk Phalla") == []
        assert people(user, "Ouk Phala") == []


def test_the_page_shows_no_restricted_title_to_others(restricted, client_for, other_monitor):
    response = client_for(other_monitor).get(reverse("search:search"), {"q": "Preah Vihear"})
    assert response.status_code == 200
    assert "Secret dispute" not in response.content.decode()
    assert not response.context["found"]


@pytest.fixture
def witness(db):
    return make_person(
        name="Meas Sophea",
        name_khmer="មាស សុភា",
        aliases="Sophea Meas",
        is_protected=True,
        pseudonym="Witness Alpha",
    )


@pytest.mark.parametrize("text", ["Meas Sophea", "Sophea", "Sophea Meas", "Meas Sopheaa", "សុភា"])
def test_a_protected_person_is_not_found_by_the_real_name_without_clearance(
    witness, monitor, exporter, text
):
    for user in (monitor, exporter):
        assert people(user, text) == [], (user, text)


def test_a_protected_person_is_found_by_the_pseudonym_and_shown_by_it(witness, monitor, client_for):
    hit = search_people(user=monitor, query=Query.parse("Witness Alpha"))[0]
    assert hit.obj == witness
    assert hit.label == "Witness Alpha"
    assert not hit.identity_visible
    assert [str(match.label) for match in hit.matches] == ["Pseudonym"]
    html = client_for(monitor).get(reverse("search:search"), {"q": "witness alpha"}).content
    html = html.decode()
    assert "Witness Alpha" in html
    for secret in ("Meas", "Sophea", "មាស", "សុភា"):
        assert secret not in html


def test_whoever_is_cleared_finds_the_real_name(witness, supervisor, client_for):
    assert people(supervisor, "Meas Sophea") == [witness]
    assert people(supervisor, "Witness Alpha") == [witness]
    html = client_for(supervisor).get(reverse("search:search"), {"q": "Meas Sophea"}).content
    assert "Meas Sophea" in html.decode()


def test_ranking_does_not_order_protected_people_by_their_real_names(monitor):
    # Same pseudonym score; sorted by what the monitor sees, never by the hidden names.
    first = make_person(name="Zzz Hidden", is_protected=True, pseudonym="Witness Bravo")
    second = make_person(name="Aaa Hidden", is_protected=True, pseudonym="Witness Charlie")
    assert people(monitor, "Witness") == [first, second]
