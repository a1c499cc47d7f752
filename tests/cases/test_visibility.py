"""``visible_to(user)`` and ``editable_by(user)``: the only ways into the data."""

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import AnonymousUser

from cases.models import (
    Case,
    CaseParty,
    Charge,
    Detention,
    FollowUp,
    Hearing,
    Person,
    TrialOutcome,
)
from tests.factories import (
    make_case,
    make_charge,
    make_detention,
    make_followup,
    make_hearing,
    make_outcome,
    make_party,
    make_person,
)

pytestmark = pytest.mark.django_db


@dataclass
class World:
    """Rows in a normal case and in a restricted one, split by who may see them."""

    normal_case: Case
    restricted_case: Case
    normal: dict[type, list] = field(default_factory=dict)
    restricted: dict[type, list] = field(default_factory=dict)

    def add(self, *, restricted: bool, row) -> None:
        side = self.restricted if restricted else self.normal
        side.setdefault(type(row), []).append(row)


@pytest.fixture
def world(monitor, other_monitor) -> World:
    """A normal case, and a restricted case assigned to ``monitor`` (not ``other_monitor``)."""
    normal = make_case(title="Normal", monitors=[other_monitor])
    restricted = make_case(title="Restricted", restricted=True, monitors=[monitor])
    world = World(normal_case=normal, restricted_case=restricted)
    world.add(restricted=False, row=normal)
    world.add(restricted=True, row=restricted)

    only_restricted = make_person(name="Only in the restricted case")
    in_both = make_person(name="In both cases")
    in_normal = make_person(name="Only in the normal case")
    in_none = make_person(name="In no case")
    world.add(restricted=True, row=only_restricted)
    for person in (in_both, in_normal, in_none):
        world.add(restricted=False, row=person)

    parties = {
        True: [
            make_party(case=restricted, person=only_restricted),
            make_party(case=restricted, person=in_both),
        ],
        False: [make_party(case=normal, person=in_both), make_party(case=normal, person=in_normal)],
    }
    for is_restricted, case in ((False, normal), (True, restricted)):
        defendant = parties[is_restricted][0]
        for row in (
            *parties[is_restricted],
            make_charge(party=defendant),
            make_outcome(party=defendant),
            make_hearing(case=case),
            make_followup(case=case),
            make_detention(person=defendant.person, case=case),
        ):
            world.add(restricted=is_restricted, row=row)

    # Without a case, a detention follows its person.
    world.add(restricted=True, row=make_detention(person=only_restricted, case=None))
    world.add(restricted=False, row=make_detention(person=in_none, case=None))
    world.add(
        restricted=False,
        row=make_detention(person=in_both, case=None, started_on=dt.date(2022, 1, 1)),
    )
    return world


MODELS = [Case, Person, CaseParty, Charge, TrialOutcome, Hearing, FollowUp, Detention]

# user fixture -> sees the restricted rows it is not assigned to (None: sees nothing at all)
WHO_SEES_WHAT = [
    ("monitor", True),  # assigned to the restricted case
    ("other_monitor", False),
    ("exporter", False),
    ("supervisor", True),
    ("admin_user", True),
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize(("role", "sees_restricted"), WHO_SEES_WHAT)
def test_visible_to(request, world, model, role, sees_restricted):
    user = request.getfixturevalue(role)
    expected = set(world.normal[model])
    if sees_restricted:
        expected |= set(world.restricted[model])
    assert set(model.objects.visible_to(user)) == expected


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_anonymous_sees_nothing(world, model):
    assert not model.objects.visible_to(AnonymousUser()).exists()


def test_a_person_only_in_a_restricted_case_is_hidden_from_an_unassigned_monitor(
    world, monitor, other_monitor
):
    hidden = Person.objects.get(name="Only in the restricted case")
    assert hidden not in Person.objects.visible_to(other_monitor)
    assert hidden in Person.objects.visible_to(monitor)


def test_a_person_also_in_a_normal_case_stays_visible(world, other_monitor):
    assert Person.objects.visible_to(other_monitor).filter(name="In both cases").exists()


def test_a_person_in_no_case_is_visible(world, other_monitor, exporter):
    for user in (other_monitor, exporter):
        assert Person.objects.visible_to(user).filter(name="In no case").exists()


def test_a_detention_without_a_case_follows_its_person(world, other_monitor):
    without_case = Detention.objects.filter(case__isnull=True)
    visible = without_case.visible_to(other_monitor)
    assert set(visible.values_list("person__name", flat=True)) == {"In no case", "In both cases"}


def test_visible_to_is_chainable(world, supervisor):
    assert Case.objects.filter(title="Normal").visible_to(supervisor).get() == world.normal_case


@pytest.mark.parametrize(
    ("role", "editable"),
    [
        ("monitor", {"Restricted"}),  # assigned to this one only
        ("other_monitor", {"Normal"}),
        ("exporter", set()),
        ("supervisor", {"Normal", "Restricted"}),
        ("admin_user", {"Normal", "Restricted"}),
    ],
)
def test_editable_by(request, world, role, editable):
    user = request.getfixturevalue(role)
    assert set(Case.objects.editable_by(user).values_list("title", flat=True)) == editable


def test_an_unassigned_monitor_cannot_edit_a_normal_case_they_can_see(world, monitor):
    assert world.normal_case in Case.objects.visible_to(monitor)
    assert world.normal_case not in Case.objects.editable_by(monitor)


def test_anonymous_edits_nothing(world):
    assert not Case.objects.editable_by(AnonymousUser()).exists()
