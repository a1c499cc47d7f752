"""Querysets compiled once (``monitoring.prepared``) answer what the queryset answers."""

import threading

import pytest
from django.db import connection, connections
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from cases.models import Charge, Hearing
from cases.timeline import CHARGES, DETENTIONS, FOLLOWUPS, HEARINGS, OUTCOMES
from monitoring.prepared import Prepared
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


def hearings_of(case_id):
    return Hearing.objects.filter(case_id=case_id).order_by("scheduled_at", "pk")


def filled_case(n: int):
    case = make_case()
    for _ in range(n):
        party = make_party(case=case)
        make_charge(party=party)
        make_outcome(party=party)
        make_extension(detention=make_detention(person=party.person, case=case))
        make_hearing(case=case)
        make_followup(case=case)
    return case


def test_each_call_answers_for_its_own_values():
    prepared = Prepared(hearings_of)
    one, two, empty = filled_case(1), filled_case(3), make_case()
    for case in (one, two, empty, two, one):
        assert prepared(case.pk) == list(hearings_of(case.pk))
    assert len(prepared(two.pk)) == 3 and prepared(empty.pk) == []


def test_select_related_annotations_and_values_lists_come_back_as_the_orm_builds_them():
    case = filled_case(2)
    make_charge(party=make_party(case=make_case()))  # another case's: never read
    annotated = Prepared(
        lambda case_id: (
            Charge.objects.filter(party__case_id=case_id)
            .select_related("offence", "party__person")
            .annotate(n=Count("party__charges", filter=Q(party__charges__deleted_at__isnull=True)))
            .order_by("pk")
        )
    )
    with CaptureQueriesContext(connection) as captured:
        charges = annotated(case.pk)
        names = [(c.offence.name, c.party.person.name, c.n) for c in charges]
    assert len(captured) == 1  # offence and person came with the charge
    expected = Charge.objects.filter(party__case_id=case.pk).order_by("pk")
    assert names == [(c.offence.name, c.party.person.name, 1) for c in expected]
    assert HEARINGS(case.pk) == list(
        Hearing.objects.filter(case_id=case.pk)
        .order_by()
        .values_list(
            "pk",
            "status",
            "kind",
            "held_at",
            "scheduled_at",
            "time_known",
            "court__name",
            "outcome",
        )
    )
    for prepared in (CHARGES, OUTCOMES, FOLLOWUPS, DETENTIONS):
        assert {row.pk for row in prepared(case.pk)}  # every source answers for the case


def test_the_compiled_sql_is_reused_and_the_result_is_a_list_not_a_queryset():
    prepared = Prepared(hearings_of)
    case = filled_case(1)
    first = prepared(case.pk)
    assert isinstance(first, list)
    template = prepared.templates["default"]
    prepared(case.pk)
    assert prepared.templates["default"] is template  # compiled once


def test_a_marker_missing_from_the_parameters_is_refused():
    prepared = Prepared(lambda case_id: Hearing.objects.all())
    with pytest.raises(ValueError, match="Marker"):
        prepared(1)
    with pytest.raises(TypeError):
        Prepared(hearings_of)(1, 2)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_each_thread_runs_on_its_own_connection():
    """The compiled template is shared; the connection is the calling thread's."""
    prepared = Prepared(hearings_of)
    case = filled_case(2)
    expected = prepared(case.pk)
    found, used = [], []

    def read():
        try:
            found.append(prepared(case.pk))
            used.append(id(connections["default"]))
        finally:
            connections.close_all()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    assert found == [expected]
    assert used and used[0] != id(connections["default"])


def test_filter_choices_are_read_once_compiled_and_a_narrowed_queryset_is_read_as_given(
    rf, supervisor
):
    """A filter's fixed choices (the courts) come from SQL compiled once; a queryset set on
    the field afterwards (narrowed for a user) is read as given, never from that SQL."""
    from cases.filters.cases import CaseFilter
    from cases.models import Case, Court
    from tests.factories import make_court

    make_court(name="Zeta Court")
    make_court(name="Alpha Court")
    request = rf.get("/cases/")
    request.user = supervisor
    form = CaseFilter(request.GET, queryset=Case.objects.all(), request=request).form
    field = form.fields["court"]
    assert field.prepared is not None
    labels = [label for _value, label in field.choices][1:]
    assert labels == list(Court.objects.order_by("name").values_list("name", flat=True))
    again = CaseFilter(request.GET, queryset=Case.objects.all(), request=request).form
    assert again.fields["court"].prepared is field.prepared  # shared, compiled once
    field.queryset = Court.objects.filter(name="Zeta Court")
    assert field.prepared is None
    assert [label for _value, label in field.choices][1:] == ["Zeta Court"]


def test_choices_read_as_pk_and_name_pairs_match_the_records_and_validate(rf, supervisor):
    """The court and facility filters read (pk, name) pairs, not records: the same values and
    labels as the records give, in order; a chosen court still filters the cases."""
    from cases.filters.cases import CaseFilter
    from cases.filters.detentions import DetentionFilter
    from cases.models import Case, Court, Detention, DetentionFacility
    from tests.factories import make_court, make_facility

    takeo, kandal = make_court(name="Takeo Court"), make_court(name="Kandal Court")
    make_facility(name="Prey Sar")
    make_facility(name="CC2")
    request = rf.get("/")
    request.user = supervisor
    courts = CaseFilter(request.GET, queryset=Case.objects.all(), request=request).form
    assert courts.fields["court"].label_field == "name"
    assert (
        [(str(v), label) for v, label in courts.fields["court"].choices][1:]
        == [(str(court.pk), str(court)) for court in Court.objects.order_by("name")]
        == [(str(kandal.pk), "Kandal Court"), (str(takeo.pk), "Takeo Court")]
    )
    facilities = DetentionFilter(request.GET, queryset=Detention.objects.all(), request=request)
    assert [label for _v, label in facilities.form.fields["facility"].choices][1:] == [
        str(facility) for facility in DetentionFacility.objects.order_by("name")
    ]
    assert f'value="{takeo.pk}">Takeo Court</option>' in str(courts["court"])

    case = make_case(court=takeo)
    make_case(court=kandal)
    chosen = rf.get("/", {"court": takeo.pk})
    chosen.user = supervisor
    filtered = CaseFilter(chosen.GET, queryset=Case.objects.all(), request=chosen)
    assert list(filtered.qs) == [case]
    unknown = rf.get("/", {"court": 999_999})
    unknown.user = supervisor
    refused = CaseFilter(unknown.GET, queryset=Case.objects.all(), request=unknown)
    assert not refused.is_valid() and "court" in refused.errors


def test_text_and_datetime_parameters_answer_what_the_orm_answers():
    """Text and datetime markers: on SQLite the query holds a datetime as a string, on
    PostgreSQL as it is; either way each call's values are the ones used."""
    import datetime as dt

    from django.utils import timezone

    case = make_case(title="Trial of the nurses")
    first = make_hearing(case=case, scheduled_at=timezone.now() - dt.timedelta(days=3))
    second = make_hearing(case=case, scheduled_at=timezone.now() + dt.timedelta(days=3))
    after = Prepared(
        lambda title, since: Hearing.objects.filter(
            case__title=title, scheduled_at__gt=since
        ).order_by("scheduled_at"),
        kinds=("text", "datetime"),
    )
    week_ago = timezone.now() - dt.timedelta(days=7)
    assert after("Trial of the nurses", week_ago) == [first, second]
    assert after("Trial of the nurses", timezone.now()) == [second]
    assert after("Trial of the doctors", week_ago) == []
    assert after("x' OR '1'='1", week_ago) == []  # a parameter, never SQL
    with pytest.raises(ValueError, match="Unknown parameter kind"):
        Prepared(lambda x: Hearing.objects.filter(pk=x), kinds=("float",))
