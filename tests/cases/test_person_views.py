"""People screens: the permission ladder, filters, sorting, bad input and query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Person, Role
from tests.factories import make_case, make_party, make_person, make_person_group

pytestmark = pytest.mark.django_db


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_anonymous_is_sent_to_login(client):
    person = make_person()
    for url in (
        reverse("cases:person-list"),
        reverse("cases:person-detail", args=[person.pk]),
        reverse("cases:person-create"),
        reverse("cases:person-update", args=[person.pk]),
        reverse("cases:person-delete", args=[person.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_person_only_in_restricted_case_is_hidden_from_unassigned_monitor(
    client_for, monitor, other_monitor, supervisor
):
    person = make_person(name="Hidden Person")
    make_party(case=make_case(restricted=True, monitors=[other_monitor]), person=person)
    detail = reverse("cases:person-detail", args=[person.pk])

    assert client_for(monitor).get(detail).status_code == 404
    assert (
        client_for(monitor).get(reverse("cases:person-update", args=[person.pk])).status_code == 404
    )
    assert b"Hidden Person" not in client_for(monitor).get(reverse("cases:person-list")).content
    assert client_for(other_monitor).get(detail).status_code == 200
    assert client_for(supervisor).get(detail).status_code == 200


def test_exporter_reads_but_cannot_write(client_for, exporter):
    person = make_person()
    client = client_for(exporter)
    assert client.get(reverse("cases:person-detail", args=[person.pk])).status_code == 200
    assert client.get(reverse("cases:person-create")).status_code == 403
    assert client.post(reverse("cases:person-update", args=[person.pk]), {}).status_code == 403


def test_monitor_creates_and_edits_but_cannot_delete(client_for, monitor):
    client = client_for(monitor)
    response = client.post(
        reverse("cases:person-create"),
        {
            "name": "Kem Sokha",
            "sex": "man",
            "birth_precision": "year",
            "birth_on": "1953-06-27",
            "is_named": "on",
        },
    )
    person = Person.objects.get(name="Kem Sokha")
    assert response.status_code == 302
    assert person.birth_on.isoformat() == "1953-01-01"  # a year is stored as its bounds
    assert str(person.birth) == "1953"
    assert client.get(reverse("cases:person-delete", args=[person.pk])).status_code == 403
    assert client.post(reverse("cases:person-delete", args=[person.pk])).status_code == 403
    assert Person.objects.filter(pk=person.pk).exists()


def test_supervisor_deletes_after_confirmation(client_for, supervisor):
    person = make_person(name="To Delete")
    client = client_for(supervisor)
    url = reverse("cases:person-delete", args=[person.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"To Delete" in page.content
    assert client.post(url).status_code == 302
    assert not Person.objects.filter(pk=person.pk).exists()


def test_deleting_a_person_in_a_case_is_refused_with_a_message(client_for, supervisor):
    person = make_person(name="In A Case")
    make_party(person=person)
    response = client_for(supervisor).post(
        reverse("cases:person-delete", args=[person.pk]), follow=True
    )
    assert response.status_code == 200
    assert "cannot be deleted" in response.content.decode()
    assert Person.objects.filter(pk=person.pk).exists()


def test_invalid_person_is_refused_beside_the_field_and_input_kept(client_for, monitor):
    response = client_for(monitor).post(
        reverse("cases:person-create"),
        {
            "name": "Typed Name",
            "sex": "man",
            "birth_on": "2000-05-01",
            "birth_precision": "range",
            "birth_until": "1999-01-01",
            "is_protected": "on",
            "is_named": "on",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_birth_until_error"' in body
    assert "cannot be before the first" in body
    assert 'id="id_pseudonym_error"' in body
    assert 'value="Typed Name"' in body
    assert not Person.objects.exists()


def test_protected_identity_shows_pseudonym_to_monitor_and_name_to_supervisor(
    client_for, monitor, supervisor
):
    person = make_person(name="Real Name", is_protected=True, pseudonym="Witness A")
    url = reverse("cases:person-detail", args=[person.pk])
    monitor_page = client_for(monitor).get(url).content.decode()
    assert "Witness A" in monitor_page and "Real Name" not in monitor_page
    list_page = client_for(monitor).get(reverse("cases:person-list")).content.decode()
    assert "Real Name" not in list_page
    assert "Real Name" in client_for(supervisor).get(url).content.decode()


def test_filters_and_sorting(client_for, supervisor):
    make_person(name="Kem Sokha", aliases="Sokha Kem", sex="man")
    make_person(name="Chhim Sithar", sex="woman")
    client = client_for(supervisor)
    found = client.get(reverse("cases:person-list"), {"q": "sokha kem"}).content.decode()
    assert "Kem Sokha" in found and "Chhim Sithar" not in found
    women = client.get(reverse("cases:person-list"), {"sex": "woman"}).content.decode()
    assert "Chhim Sithar" in women and "Kem Sokha" not in women
    ordered = client.get(reverse("cases:person-list"), {"o": "-name"}).content.decode()
    assert ordered.index("Kem Sokha") < ordered.index("Chhim Sithar")
    empty = client.get(reverse("cases:person-list"), {"q": "nobody"}).content.decode()
    assert "No person matches these filters" in empty


@pytest.mark.parametrize(
    "params",
    [{"o": "bogus"}, {"page": "999"}, {"page": "x"}, {"sex": "nonsense"}, {"roles": "abc"}],
)
def test_odd_parameters_never_answer_500(client_for, supervisor, params):
    make_person()
    response = client_for(supervisor).get(reverse("cases:person-list"), params)
    assert response.status_code in (200, 404)


def test_list_queries_do_not_grow_with_rows(client_for, supervisor):
    client = client_for(supervisor)
    group = make_person_group()
    make_person(roles=Role.objects.filter(code="journalist"), group=group)
    one = count_queries(client, reverse("cases:person-list"))
    for _ in range(12):
        make_person(
            roles=Role.objects.filter(code__in=["journalist", "hrd"]), group=make_person_group()
        )
    assert count_queries(client, reverse("cases:person-list")) == one


def test_list_queries_do_not_grow_for_a_monitor(client_for, monitor):
    client = client_for(monitor)
    make_party(person=make_person(roles=Role.objects.filter(code="union")))
    one = count_queries(client, reverse("cases:person-list"))
    for _ in range(12):
        make_party(
            person=make_person(roles=Role.objects.filter(code="union")),
            case=make_case(restricted=True),
        )
        make_party(person=make_person(roles=Role.objects.filter(code="union")))
    assert count_queries(client, reverse("cases:person-list")) == one


def test_detail_queries_do_not_grow_with_cases(client_for, supervisor):
    client = client_for(supervisor)
    person = make_person()
    make_party(person=person)
    url = reverse("cases:person-detail", args=[person.pk])
    one = count_queries(client, url)
    for _ in range(8):
        make_party(person=person)
    assert count_queries(client, url) == one
