"""Merging two records of one person moves every link, in one audited transaction, and
undoing it puts every row back exactly; conflicts (both parties to one case) are folded."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from cases.models import (
    Affiliation,
    CaseParty,
    Charge,
    Detention,
    FollowUp,
    MergeRecord,
    Person,
    Role,
    TrialOutcome,
)
from cases.services.merge import MergeRefused, merge_people, plan_merge, undo_merge
from cases.services.records import delete_record, restore_record
from tests.factories import (
    make_affiliation,
    make_case,
    make_charge,
    make_detention,
    make_followup,
    make_offence,
    make_outcome,
    make_party,
    make_person,
    make_user,
)

pytestmark = pytest.mark.django_db

LINKED = (CaseParty, Charge, TrialOutcome, Detention, FollowUp, Affiliation, Person)
BOOKKEEPING = {"version", "updated_at"}


def snapshot() -> dict:
    """Return every row of every model a merge touches, and each person's roles."""
    rows = {}
    for model in LINKED:
        for row in model._base_manager.order_by("pk").values():
            rows[(model.__name__, row["id"])] = {
                key: value for key, value in row.items() if key not in BOOKKEEPING
            }
    for person in Person.all_objects.prefetch_related("roles"):
        rows[("roles", person.pk)] = sorted(role.pk for role in person.roles.all())
    return rows


@pytest.fixture
def world(db):
    """Kem Sokha twice: the second record has links of every kind, some clashing."""
    roles = list(Role.objects.order_by("pk")[:2])
    survivor = make_person(name="Kem Sokha", sex="man", roles=[roles[0]])
    merged = make_person(
        name="Kem Sokhar", nationality="Cambodian", aliases="Sokha Kem", roles=roles
    )
    shared_case, other_case, old_case = make_case(), make_case(), make_case()
    offence, other_offence = make_offence(), make_offence()
    # Both defendants in the same case: the second party is folded into the first.
    kept_party = make_party(case=shared_case, person=survivor)
    make_charge(party=kept_party, offence=offence)
    make_outcome(party=kept_party, instance="first")
    folded_party = make_party(case=shared_case, person=merged, notes="from the other file")
    clash = make_charge(party=folded_party, offence=offence)
    new_charge = make_charge(party=folded_party, offence=other_offence)
    clash_outcome = make_outcome(party=folded_party, instance="first")
    appeal = make_outcome(party=folded_party, instance="appeal")
    witness = make_party(case=other_case, person=merged, role=CaseParty.Role.WITNESS)
    deleted_party = make_party(case=old_case, person=merged)
    delete_record(record=deleted_party, by=None)
    detention = make_detention(person=merged, case=other_case)
    followup = make_followup(case=other_case, person=merged)
    affiliation = make_affiliation(person=merged)
    supervisor = make_user("supervisor")
    return locals()


def merge(world, **kw) -> MergeRecord:
    return merge_people(
        survivor=world["survivor"], merged=world["merged"], by=world["supervisor"], **kw
    )


def test_the_plan_says_what_moves_what_is_folded_and_what_is_set_aside(world):
    plan = plan_merge(survivor=world["survivor"], merged=world["merged"])
    moved = {(type(m.row).__name__, m.row.pk) for m in plan.moves}
    assert ("CaseParty", world["witness"].pk) in moved
    assert ("CaseParty", world["deleted_party"].pk) in moved
    assert ("Charge", world["new_charge"].pk) in moved
    assert ("TrialOutcome", world["appeal"].pk) in moved
    assert ("Detention", world["detention"].pk) in moved
    assert ("FollowUp", world["followup"].pk) in moved
    assert ("Affiliation", world["affiliation"].pk) in moved
    assert {(type(r).__name__, r.pk) for r in plan.set_aside} == {
        ("Charge", world["clash"].pk),
        ("TrialOutcome", world["clash_outcome"].pk),
        ("CaseParty", world["folded_party"].pk),
    }
    assert plan.fillable == ["nationality"]
    assert [role.pk for role in plan.roles_added] == [world["roles"][1].pk]
    assert plan.blocking == []


def test_merge_moves_every_link_onto_the_survivor(world):
    survivor, merged = world["survivor"], world["merged"]
    record = merge(world, fill=["nationality"])
    survivor.refresh_from_db()
    merged = Person.all_objects.get(pk=merged.pk)
    assert merged.is_deleted and merged.merged_into == survivor
    assert not Person.objects.filter(pk=merged.pk).exists()
    assert set(CaseParty.objects.filter(person=merged)) == set()
    assert set(CaseParty.all_objects.filter(person=merged)) == {world["folded_party"]}
    assert CaseParty.objects.filter(person=survivor).count() == 2  # shared case, witness
    assert CaseParty.all_objects.get(pk=world["deleted_party"].pk).person == survivor
    assert Detention.objects.get().person == survivor
    assert FollowUp.objects.get(pk=world["followup"].pk).person == survivor
    assert Affiliation.objects.get(pk=world["affiliation"].pk).person == survivor
    kept = world["kept_party"]
    assert set(Charge.objects.filter(party=kept)) == {
        Charge.objects.get(party=kept, offence=world["offence"]),
        world["new_charge"],
    }
    assert set(TrialOutcome.objects.filter(party=kept).values_list("instance", flat=True)) == {
        "first",
        "appeal",
    }
    assert Charge.all_objects.get(pk=world["clash"].pk).is_deleted
    assert survivor.nationality == "Cambodian"
    assert survivor.alias_list == ["Kem Sokhar", "Sokha Kem"]
    assert set(survivor.roles.all()) == set(world["roles"])
    assert record.survivor == survivor and record.merged == merged and not record.is_undone


def test_fields_are_filled_only_when_chosen_and_only_where_empty(world):
    world["merged"].sex = "woman"
    world["merged"].save()
    merge(world, fill=[], keep_spellings=False)
    survivor = Person.objects.get(pk=world["survivor"].pk)
    assert survivor.nationality == "" and survivor.sex == "man" and survivor.aliases == ""


def test_undo_restores_every_row_and_link_exactly(world):
    before = snapshot()
    record = merge(world, fill=["nationality"])
    assert snapshot() != before
    undo_merge(record=record, by=world["supervisor"])
    assert snapshot() == before
    record.refresh_from_db()
    assert record.is_undone and record.undone_by == world["supervisor"]


def test_undo_twice_is_refused(world):
    record = merge(world)
    undo_merge(record=record, by=world["supervisor"])
    with pytest.raises(MergeRefused, match="already been undone"):
        undo_merge(record=record, by=world["supervisor"])


def test_undo_is_refused_when_the_survivor_was_edited_since(world):
    record = merge(world, fill=["nationality"])
    survivor = Person.objects.get(pk=world["survivor"].pk)
    survivor.nationality = "Thai"
    survivor.save()
    before = snapshot()
    with pytest.raises(MergeRefused) as refused:
        undo_merge(record=record, by=world["supervisor"])
    assert "nationality" in " ".join(refused.value.messages)
    assert snapshot() == before


def test_undo_is_refused_when_a_moved_link_moved_again(world):
    record = merge(world)
    witness = CaseParty.objects.get(pk=world["witness"].pk)
    witness.person = make_person(name="Someone else")
    witness.save()
    with pytest.raises(MergeRefused, match=f"#{witness.pk} has been moved since"):
        undo_merge(record=record, by=world["supervisor"])


def test_undo_is_refused_while_the_survivor_is_itself_merged_away(world):
    first = merge(world)
    third = make_person(name="Kem Sokhaa")
    merge_people(survivor=third, merged=world["survivor"], by=world["supervisor"])
    with pytest.raises(MergeRefused, match="undo the later merge"):
        undo_merge(record=first, by=world["supervisor"])


def test_merge_and_undo_are_audited_row_by_row_and_as_actions(world):
    marker = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    record = merge(world)
    events = AuditEvent.objects.filter(pk__gt=marker)
    merges = events.filter(action="merge")
    assert {event.object_id for event in merges} == {
        str(world["survivor"].pk),
        str(world["merged"].pk),
    }
    assert all(f"merge={record.pk}" in event.detail for event in merges)
    assert merges.first().actor == world["supervisor"]
    moved = events.get(model="cases.detention", action="update")
    assert moved.changes == {"person": [world["merged"].pk, world["survivor"].pk]}
    assert events.filter(model="cases.charge", action="delete").exists()  # set aside
    assert events.filter(model="cases.person", action="delete").exists()  # retired
    assert events.filter(model="cases.mergerecord", action="create").exists()

    marker = events.order_by("-pk").values_list("pk", flat=True).first()
    undo_merge(record=record, by=world["supervisor"])
    events = AuditEvent.objects.filter(pk__gt=marker)
    assert events.filter(action="merge_undo").count() == 2
    assert events.get(model="cases.detention").changes == {
        "person": [world["survivor"].pk, world["merged"].pk]
    }
    assert events.filter(model="cases.person", action="restore").exists()


def test_a_failed_merge_changes_nothing(world, monkeypatch):
    before = snapshot()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(MergeRecord, "save", broken)
    with pytest.raises(RuntimeError):
        merge(world)
    assert snapshot() == before


def test_a_merge_from_a_stale_page_is_refused(world):
    with pytest.raises(MergeRefused, match="changed since"):
        merge(world, versions=(world["survivor"].version, world["merged"].version + 1))


def test_a_person_cannot_be_merged_into_themselves_or_into_a_deleted_one(world):
    with pytest.raises(MergeRefused):
        merge_people(survivor=world["survivor"], merged=world["survivor"], by=None)
    lone = make_person(name="Kem Sokhaa")
    delete_record(record=lone, by=None)
    plan = plan_merge(survivor=world["survivor"], merged=Person.all_objects.get(pk=lone.pk))
    assert plan.blocking


def test_folding_into_a_deleted_party_of_the_survivor_is_refused(world):
    delete_record(record=world["kept_party"], by=None)
    plan = plan_merge(survivor=world["survivor"], merged=world["merged"])
    assert any("restore it first" in reason for reason in plan.blocking)
    with pytest.raises(MergeRefused):
        merge(world)


def test_protection_wins_a_merge_and_is_undone_with_it(world):
    merged = world["merged"]
    merged.is_protected, merged.pseudonym = True, "Witness K"
    merged.save()
    record = merge(world)
    survivor = Person.objects.get(pk=world["survivor"].pk)
    assert survivor.is_protected and survivor.pseudonym == "Witness K"
    assert record.is_protected
    undo_merge(record=record, by=None)
    survivor.refresh_from_db()
    assert not survivor.is_protected and survivor.pseudonym == ""


def test_a_merged_person_is_not_restored_from_deleted_records(world):
    merge(world)
    merged = Person.all_objects.get(pk=world["merged"].pk)
    with pytest.raises(ValidationError, match="undo the merge"):
        restore_record(record=merged, by=None)
