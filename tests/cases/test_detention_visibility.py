"""Detention.visible_to, written on the joined case for speed, keeps the rule it states: the
detentions of the cases Case.visible_to gives, and those in no case of the people
Person.visible_to gives."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from cases.models import Case, CaseParty, Detention, Person
from tests.factories import make_case, make_detention, make_party, make_person, make_user

pytestmark = pytest.mark.django_db


def expected(user) -> set[int]:
    cases = set(Case.objects.visible_to(user).values_list("pk", flat=True))
    people = set(Person.objects.visible_to(user).values_list("pk", flat=True))
    return {
        d.pk
        for d in Detention.objects.all()
        if (d.case_id in cases) or (d.case_id is None and d.person_id in people)
    }


def test_the_same_detentions_as_the_cases_and_people_the_user_may_see(monitor, supervisor):
    other = make_user("monitor")
    normal, mine = make_case(), make_case(restricted=True, monitors=[monitor])
    theirs = make_case(restricted=True, monitors=[other])
    gone = make_case()
    in_restricted = make_party(case=theirs).person  # seen only by who sees that case
    alone, deleted_person = make_person(), make_person()
    for case in (normal, mine, theirs, gone):
        make_detention(case=case)
    make_detention(case=None, person=alone)
    make_detention(case=None, person=in_restricted)
    make_detention(case=None, person=deleted_person)
    Case.all_objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    Person.all_objects.filter(pk=deleted_person.pk).update(deleted_at=timezone.now())
    # A person whose only party was in a deleted restricted case stays hidden from monitors.
    hidden = make_person()
    secret = make_case(restricted=True)
    make_party(case=secret, person=hidden)
    CaseParty.all_objects.filter(case=secret).update(deleted_at=timezone.now())
    make_detention(case=None, person=hidden)

    for user in (monitor, other, supervisor):
        seen = set(Detention.objects.visible_to(user).values_list("pk", flat=True))
        assert seen == expected(user), user
    monitor_sees = set(Detention.objects.visible_to(monitor).values_list("pk", flat=True))
    supervisor_sees = set(Detention.objects.visible_to(supervisor).values_list("pk", flat=True))
    assert len(monitor_sees) == 3 and len(supervisor_sees) == 6
    assert not Detention.objects.visible_to(AnonymousUser()).exists()
