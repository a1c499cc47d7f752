"""Make valid rows with sensible defaults; keyword arguments override any field.

Plain functions rather than factory_boy: the models' own ``save()`` already normalises the
fuzzy dates, and a few lines per model read more plainly than declarations. They save with
``objects.create`` and skip ``full_clean()``, so tests can also build rows the database must
refuse.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from cases import access
from cases.models import (
    Affiliation,
    Case,
    CaseParty,
    Charge,
    Court,
    Detention,
    DetentionExtension,
    DetentionFacility,
    DuplicateDismissal,
    FollowUp,
    Hearing,
    LegalRule,
    MergeRecord,
    Offence,
    OffenceClass,
    Organisation,
    Person,
    PersonGroup,
    Sex,
    TrialOutcome,
)

ROLE_GROUPS = {
    "monitor": access.ROLE_MONITOR,
    "supervisor": access.ROLE_SUPERVISOR,
    "exporter": access.ROLE_EXPORTER,
    "admin": access.ROLE_ADMIN,
}
PASSWORD = "test-password-2026"

_numbers = itertools.count(1)
_NEW = object()  # "make one for me", as opposed to an explicit None


def _next() -> int:
    return next(_numbers)


def make_user(role: str | None = None, username: str | None = None, **fields):
    """Return a user in the group of ``role`` (monitor, supervisor, exporter, admin, or None).

    An admin is also staff, so the admin site lets them in; the group gives the permissions.
    """
    username = username or f"{role or 'user'}-{_next()}"
    fields.setdefault("email", f"{username}@example.org")
    if role == "admin":
        fields.setdefault("is_staff", True)
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **fields)
    if role is not None:
        user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
    return user


def make_court(**kw) -> Court:
    n = _next()
    kw.setdefault("name", f"Court {n}")
    kw.setdefault("level", Court.Level.FIRST_INSTANCE)
    kw.setdefault("province", "phnom_penh")
    return Court.objects.create(**kw)


def make_facility(**kw) -> DetentionFacility:
    n = _next()
    kw.setdefault("name", f"Prison {n}")
    kw.setdefault("kind", DetentionFacility.Kind.PRISON)
    kw.setdefault("province", "phnom_penh")
    kw.setdefault("capacity", 500)
    return DetentionFacility.objects.create(**kw)


def make_organisation(**kw) -> Organisation:
    n = _next()
    kw.setdefault("name", f"Organisation {n}")
    kw.setdefault("kind", Organisation.Kind.NGO)
    return Organisation.objects.create(**kw)


def make_person_group(**kw) -> PersonGroup:
    kw.setdefault("label", f"Group {_next()}")
    return PersonGroup.objects.create(**kw)


def make_person(*, roles=(), **kw) -> Person:
    n = _next()
    kw.setdefault("name", f"Person {n}")
    kw.setdefault("sex", Sex.UNKNOWN)
    if kw.get("is_named") is False and "group" not in kw:
        kw["group"] = make_person_group()
    if kw.get("is_protected") and "pseudonym" not in kw:
        kw["pseudonym"] = f"Witness {n}"
    person = Person.objects.create(**kw)
    if roles:
        person.roles.set(roles)
    return person


def make_affiliation(*, person=None, organisation=None, **kw) -> Affiliation:
    kw.setdefault("position", "Member")
    return Affiliation.objects.create(
        person=person or make_person(),
        organisation=organisation or make_organisation(),
        **kw,
    )


def make_case(*, restricted: bool = False, monitors=(), **kw) -> Case:
    """Return a case; ``restricted`` sets its confidentiality, ``monitors`` are assigned."""
    n = _next()
    kw.setdefault("reference", f"TEST-{n:05d}")
    kw.setdefault("title", f"Case {n}")
    kw.setdefault("category", Case.Category.POLITICAL_EXPRESSION)
    kw.setdefault("opened_on", dt.date(2023, 1, 15))
    if restricted:
        kw.setdefault("confidentiality", Case.Confidentiality.RESTRICTED)
    case = Case.objects.create(**kw)
    if monitors:
        case.monitors.set(monitors)
    return case


def make_party(*, case=None, person=_NEW, organisation=None, **kw) -> CaseParty:
    """Return a party to a case: a new person as defendant unless told otherwise."""
    if person is _NEW:
        person = None if organisation is not None else make_person()
    kw.setdefault("role", CaseParty.Role.DEFENDANT)
    return CaseParty.objects.create(
        case=case or make_case(), person=person, organisation=organisation, **kw
    )


def make_offence(**kw) -> Offence:
    n = _next()
    kw.setdefault("name", f"Incitement {n}")
    kw.setdefault("article", str(n))
    kw.setdefault("offence_class", OffenceClass.MISDEMEANOUR)
    kw.setdefault("min_penalty_months", 6)
    kw.setdefault("max_penalty_months", 24)
    return Offence.objects.create(**kw)


def make_charge(*, party=None, offence=None, **kw) -> Charge:
    kw.setdefault("charged_on", dt.date(2023, 2, 1))
    return Charge.objects.create(
        party=party or make_party(), offence=offence or make_offence(), **kw
    )


def make_hearing(*, case=None, **kw) -> Hearing:
    kw.setdefault("scheduled_at", timezone.make_aware(dt.datetime(2023, 3, 1, 8, 30)))
    kw.setdefault("kind", Hearing.Kind.TRIAL)
    return Hearing.objects.create(case=case or make_case(), **kw)


def make_detention(*, person=None, case=_NEW, **kw) -> Detention:
    """Return a pretrial detention; by default in a new case where the person is defendant.

    Pass ``case=None`` for a detention recorded without a case.
    """
    person = person or make_person()
    if case is _NEW:
        case = make_case()
        make_party(case=case, person=person)
    kw.setdefault("kind", Detention.Kind.PRETRIAL)
    kw.setdefault("started_on", dt.date(2023, 1, 20))
    return Detention.objects.create(person=person, case=case, **kw)


def make_extension(*, detention=None, **kw) -> DetentionExtension:
    kw.setdefault("ordered_on", dt.date(2023, 7, 15))
    kw.setdefault("months", 2)
    return DetentionExtension.objects.create(detention=detention or make_detention(), **kw)


def make_outcome(*, party=None, **kw) -> TrialOutcome:
    kw.setdefault("verdict", TrialOutcome.Verdict.CONVICTED)
    kw.setdefault("verdict_on", dt.date(2023, 5, 25))
    kw.setdefault("sentence_months", 24)
    return TrialOutcome.objects.create(party=party or make_party(), **kw)


def make_followup(*, case=None, **kw) -> FollowUp:
    kw.setdefault("kind", FollowUp.Kind.LETTER)
    kw.setdefault("description", "Letter to the Ministry of Justice")
    return FollowUp.objects.create(case=case or make_case(), **kw)


def make_legal_rule(**kw) -> LegalRule:
    kw.setdefault("measure", "pretrial")
    kw.setdefault("offence_class", "misdemeanour")
    kw.setdefault("period_months", 4)
    kw.setdefault("extension_months", 2)
    kw.setdefault("max_extensions", 1)
    kw.setdefault("cap_months", 6)
    kw.setdefault("article", f"CCPC art. {200 + _next()}")
    kw.setdefault("source", "Test source")
    kw.setdefault("confidence", "high")
    kw.setdefault("effective_from", dt.date(2007, 8, 10))
    return LegalRule.objects.create(**kw)


def make_merge_record(**kw) -> MergeRecord:
    """Return the record of a merge (two new people; nothing moved): a row to test with."""
    kw.setdefault("survivor", make_person())
    kw.setdefault("merged", make_person())
    return MergeRecord.objects.create(**kw)


def make_dismissal(**kw) -> DuplicateDismissal:
    """Return a pair of new people dismissed as not duplicates."""
    first, second = make_person(), make_person()
    kw.setdefault("person_low", first)
    kw.setdefault("person_high", second)
    return DuplicateDismissal.objects.create(**kw)
