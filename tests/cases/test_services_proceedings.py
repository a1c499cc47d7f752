"""record_hearing and record_hearing_outcome: an adjournment schedules its next hearing once."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import Hearing
from cases.services.proceedings import record_hearing, record_hearing_outcome
from tests.factories import make_case, make_court, make_hearing, make_user

pytestmark = pytest.mark.django_db


def at(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture
def hearing(monitor):
    court = make_court()
    case = make_case(court=court, monitors=[monitor])
    return make_hearing(
        case=case,
        court=court,
        kind=Hearing.Kind.APPEAL,
        monitor=monitor,
        scheduled_at=at(2024, 3, 1, 8, 30),
    )


def adjourn(hearing, next_at, by, **kw):
    return record_hearing_outcome(
        hearing=hearing,
        status=Hearing.Status.ADJOURNED,
        held_at=kw.get("held_at", at(2024, 3, 1, 9, 0)),
        outcome=kw.get("outcome", "The judge was ill."),
        next_hearing_at=next_at,
        by=by,
    )


def test_adjournment_with_a_next_date_schedules_exactly_one_next_hearing(hearing, monitor):
    adjourn(hearing, at(2024, 4, 2, 8, 0), monitor)

    following = Hearing.objects.get(previous=hearing)
    assert Hearing.objects.count() == 2
    assert following.status == Hearing.Status.SCHEDULED
    assert following.scheduled_at == at(2024, 4, 2, 8, 0)
    assert (following.case, following.court, following.kind, following.monitor) == (
        hearing.case,
        hearing.court,
        Hearing.Kind.APPEAL,
        monitor,
    )
    hearing.refresh_from_db()
    assert hearing.status == Hearing.Status.ADJOURNED


def test_saving_the_same_adjournment_again_does_not_duplicate(hearing, monitor):
    adjourn(hearing, at(2024, 4, 2, 8, 0), monitor)
    adjourn(Hearing.objects.get(pk=hearing.pk), at(2024, 4, 2, 8, 0), monitor)
    record_hearing(hearing=Hearing.objects.get(pk=hearing.pk), by=monitor)

    assert Hearing.objects.count() == 2


def test_changing_the_next_date_moves_the_scheduled_next_hearing(hearing, monitor):
    adjourn(hearing, at(2024, 4, 2, 8, 0), monitor)
    first = Hearing.objects.get(previous=hearing)

    adjourn(Hearing.objects.get(pk=hearing.pk), at(2024, 5, 6, 14, 0), monitor)

    assert Hearing.objects.count() == 2
    first.refresh_from_db()
    assert first.scheduled_at == at(2024, 5, 6, 14, 0)


def test_a_next_hearing_already_held_is_not_moved(hearing, monitor):
    adjourn(hearing, at(2024, 4, 2, 8, 0), monitor)
    following = Hearing.objects.get(previous=hearing)
    following.status = Hearing.Status.HELD
    following.held_at = at(2024, 4, 2, 8, 15)
    following.save()

    adjourn(Hearing.objects.get(pk=hearing.pk), at(2024, 5, 6, 14, 0), monitor)

    following.refresh_from_db()
    assert following.scheduled_at == at(2024, 4, 2, 8, 0)
    assert Hearing.objects.count() == 2


def test_a_cancelled_hearing_schedules_nothing(hearing, monitor):
    record_hearing_outcome(
        hearing=hearing, status=Hearing.Status.CANCELLED, outcome="Court closed.", by=monitor
    )
    assert Hearing.objects.count() == 1


def test_a_held_hearing_with_a_next_date_schedules_nothing(hearing, monitor):
    record_hearing_outcome(
        hearing=hearing,
        status=Hearing.Status.HELD,
        held_at=at(2024, 3, 1, 9, 0),
        next_hearing_at=at(2024, 4, 2, 8, 0),
        by=monitor,
    )
    assert Hearing.objects.count() == 1


def test_undoing_the_adjournment_withdraws_the_still_scheduled_next_hearing(hearing, monitor):
    adjourn(hearing, at(2024, 4, 2, 8, 0), monitor)

    record_hearing_outcome(
        hearing=Hearing.objects.get(pk=hearing.pk),
        status=Hearing.Status.HELD,
        held_at=at(2024, 3, 1, 9, 0),
        by=monitor,
    )

    assert list(Hearing.objects.all()) == [hearing]


def test_a_next_date_before_this_hearing_is_refused(hearing, monitor):
    with pytest.raises(ValidationError) as error:
        adjourn(hearing, at(2024, 2, 1, 8, 0), monitor)

    assert "next_hearing_at" in error.value.message_dict
    assert Hearing.objects.count() == 1
    hearing.refresh_from_db()
    assert hearing.status == Hearing.Status.SCHEDULED


def test_adjourned_with_neither_reason_nor_date_is_refused(hearing, monitor):
    with pytest.raises(ValidationError) as error:
        adjourn(hearing, None, monitor, outcome="")
    assert "outcome" in error.value.message_dict


def test_record_hearing_saves_a_new_hearing_after_validating_it(monitor):
    case = make_case(monitors=[monitor])
    hearing = Hearing(case=case, scheduled_at=at(2024, 6, 1, 8, 0))

    saved = record_hearing(hearing=hearing, by=make_user("monitor"))

    assert saved.pk is not None
    assert saved.status == Hearing.Status.SCHEDULED


def test_record_hearing_refuses_a_scheduled_hearing_with_an_actual_time(monitor):
    hearing = Hearing(
        case=make_case(), scheduled_at=at(2024, 6, 1, 8, 0), held_at=at(2024, 6, 1, 9, 0)
    )
    with pytest.raises(ValidationError):
        record_hearing(hearing=hearing, by=monitor)
    assert not Hearing.objects.exists()
