"""A small world for the export tests: every list has rows to filter, sort and redact."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone
from exp_support import HOSTILE

from cases.dates import Precision
from cases.models import Case, Detention, FollowUp, Hearing, Role, Sex
from tests.factories import (
    make_case,
    make_court,
    make_detention,
    make_facility,
    make_followup,
    make_hearing,
    make_organisation,
    make_party,
    make_person,
    make_person_group,
)


def at(day: dt.date, hour: int = 8) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 30)))


@pytest.fixture
def many_rows(settings):
    """Show every row on one list page, so a page and an export can be compared whole."""
    settings.PAGINATE_BY = 500


@pytest.fixture
def world(db, monitor):
    today = timezone.localdate()
    phnom_penh = make_court(name="Phnom Penh Municipal Court", province="phnom_penh")
    kandal = make_court(name="Kandal Provincial Court", province="kandal")
    prey_sar = make_facility(name="Prey Sar", kind="prison", capacity=500)
    station = make_facility(name="Kandal police station", kind="police_station", capacity=None)
    make_facility(name="Empty centre", kind="correctional_centre", capacity=20)
    ministry = make_organisation(name="Ministry of Justice")
    group = make_person_group(label="Seam Pluk and 12 others")

    hrd, journalist, union = (Role.objects.get(code=c) for c in ("hrd", "journalist", "union"))
    sokha = make_person(
        name="Kem Sokha", sex=Sex.MAN, roles=[hrd, journalist], birth_on=dt.date(1953, 6, 27)
    )
    sithar = make_person(
        name="Chhim Sithar",
        sex=Sex.WOMAN,
        roles=[union],
        aliases="Sithar Chhim\nChim Sitha",
        birth_on=dt.date(1988, 1, 1),
        birth_precision=Precision.YEAR,
    )
    secret = make_person(
        name="Real Secret Name",
        name_khmer="ឈ្មោះពិត",
        aliases="Secret Alias",
        sex=Sex.WOMAN,
        is_protected=True,
        pseudonym="Witness A",
        contact="+855 12 345 678",
        notes="Lives in Takeo",
    )
    hostile = make_person(name=HOSTILE[0], sex=Sex.MAN, contact="@home", nationality="-2+3")
    unnamed = make_person(name="Unnamed member", is_named=False, group=group, sex=Sex.WOMAN)
    hidden = make_person(name="Restricted Person", sex=Sex.MAN)
    loose = make_person(name="Person in no case", sex=Sex.OTHER)

    c1 = make_case(
        reference="UN23-P30-SOKHA",
        title="Kem Sokha treason",
        court=phnom_penh,
        opened_on=dt.date(2017, 9, 3),
        stage=Case.Stage.APPEAL,
        summary="Arrested at night",
    )
    c2 = make_case(
        reference="UN23-P41-NAGA",
        title="NagaWorld strike",
        category=Case.Category.LABOUR,
        court=kandal,
        opened_on=dt.date(2021, 12, 1),
        opened_precision=Precision.MONTH,
        status=Case.Status.CLOSED,
    )
    c3 = make_case(reference="RESTRICTED-1", title="Restricted case", restricted=True)
    c4 = make_case(reference="HOSTILE-1", title=HOSTILE[1], opened_on=dt.date(2023, 4, 1))
    c5 = make_case(reference="HOSTILE-2", title=HOSTILE[3], category=Case.Category.LAND)
    for case, person in ((c1, sokha), (c2, sithar), (c1, secret), (c4, hostile), (c3, hidden)):
        make_party(case=case, person=person)
    make_party(case=c2, person=unnamed)

    hearings = [
        make_hearing(case=c1, court=phnom_penh, scheduled_at=at(dt.date(2022, 12, 21))),
        make_hearing(
            case=c1,
            court=phnom_penh,
            kind=Hearing.Kind.VERDICT,
            status=Hearing.Status.HELD,
            scheduled_at=at(dt.date(2023, 3, 3)),
            held_at=at(dt.date(2023, 3, 3), 9),
            monitor=monitor,
        ),
        make_hearing(case=c2, court=kandal, scheduled_at=at(today + dt.timedelta(days=5))),
        make_hearing(case=c3, scheduled_at=at(dt.date(2023, 1, 10)), time_known=False),
        make_hearing(case=c4, scheduled_at=at(dt.date(2023, 5, 2)), outcome=HOSTILE[2]),
    ]

    detentions = [
        make_detention(person=sokha, case=c1, facility=prey_sar, started_on=dt.date(2017, 9, 3)),
        make_detention(
            person=sithar,
            case=c2,
            facility=prey_sar,
            started_on=dt.date(2021, 11, 26),
            ended_on=dt.date(2022, 11, 14),
            end_reason=Detention.EndReason.BAIL,
        ),
        make_detention(
            person=secret,
            case=c1,
            facility=station,
            kind=Detention.Kind.POLICE_CUSTODY,
            started_on=today - dt.timedelta(days=1),
        ),
        make_detention(person=hidden, case=c3, facility=prey_sar, started_on=dt.date(2023, 2, 1)),
        make_detention(person=loose, case=None, facility=station, started_on=dt.date(2023, 6, 1)),
        make_detention(
            person=hostile,
            case=c4,
            started_on=dt.date(2023, 3, 1),
            started_precision=Precision.MONTH,
            ill_treatment_alleged=True,
        ),
    ]

    followups = [
        make_followup(
            case=c1, addressed_to=ministry, due_on=today - dt.timedelta(days=3), owner=monitor
        ),
        make_followup(
            case=c2,
            kind=FollowUp.Kind.VISIT,
            status=FollowUp.Status.DONE,
            done_on=dt.date(2022, 5, 1),
            description="Visited Prey Sar",
        ),
        make_followup(case=c3, description="Restricted letter"),
        make_followup(case=c4, person=secret, description=HOSTILE[0], response="+1+1"),
    ]
    return SimpleNamespace(
        people=SimpleNamespace(
            sokha=sokha,
            sithar=sithar,
            secret=secret,
            hostile=hostile,
            unnamed=unnamed,
            hidden=hidden,
            loose=loose,
        ),
        cases=SimpleNamespace(c1=c1, c2=c2, restricted=c3, hostile=c4, at_sign=c5),
        hearings=hearings,
        detentions=detentions,
        followups=followups,
        facilities=SimpleNamespace(prey_sar=prey_sar, station=station),
    )
