"""Detention services: record, release, and move to the next stage, atomically."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from cases.models import Detention
from cases.services.detentions import change_detention, record_detention, release_detainee
from tests.factories import make_case, make_detention, make_facility, make_person, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def by(db):
    return make_user("monitor")


def test_record_detention_saves_a_valid_row(by):
    person = make_person()
    detention = Detention(
        person=person,
        case=make_case(),
        kind=Detention.Kind.POLICE_CUSTODY,
        started_on=dt.date(2023, 3, 10),
        started_precision="month",
    )
    saved = record_detention(detention=detention, by=by)
    saved.refresh_from_db()
    assert saved.pk is not None
    assert (saved.started_on, saved.started_until) == (dt.date(2023, 3, 1), dt.date(2023, 3, 31))


def test_record_detention_refuses_an_end_before_the_start_and_saves_nothing(by):
    detention = Detention(
        person=make_person(),
        kind=Detention.Kind.PRETRIAL,
        started_on=dt.date(2023, 3, 10),
        ended_on=dt.date(2023, 3, 1),
        end_reason=Detention.EndReason.BAIL,
    )
    with pytest.raises(ValidationError) as error:
        record_detention(detention=detention, by=by)
    assert "ended_on" in error.value.message_dict
    assert not Detention.objects.exists()


def test_release_sets_the_end_and_the_reason(by):
    detention = make_detention(started_on=dt.date(2023, 1, 20))
    released = release_detainee(
        detention=detention,
        ended_on=dt.date(2023, 6, 2),
        precision="day",
        reason=Detention.EndReason.BAIL,
        by=by,
    )
    detention.refresh_from_db()
    assert released.pk == detention.pk
    assert detention.ended_on == dt.date(2023, 6, 2)
    assert detention.end_reason == Detention.EndReason.BAIL
    assert not detention.is_current(on=dt.date(2023, 6, 2))


def test_release_with_a_month_only_keeps_the_precision(by):
    detention = make_detention(started_on=dt.date(2023, 1, 20))
    release_detainee(
        detention=detention,
        ended_on=dt.date(2023, 6, 15),
        precision="month",
        reason=Detention.EndReason.PARDON,
        by=by,
    )
    detention.refresh_from_db()
    assert str(detention.ended) == "June 2023"


def test_release_before_the_start_is_refused_and_nothing_is_saved(by):
    detention = make_detention(started_on=dt.date(2023, 1, 20))
    with pytest.raises(ValidationError) as error:
        release_detainee(
            detention=detention,
            ended_on=dt.date(2023, 1, 1),
            precision="day",
            reason=Detention.EndReason.BAIL,
            by=by,
        )
    assert "ended_on" in error.value.message_dict
    detention.refresh_from_db()
    assert detention.ended_on is None and detention.end_reason == ""


def test_release_of_an_ended_detention_is_refused(by):
    detention = make_detention(
        started_on=dt.date(2023, 1, 20),
        ended_on=dt.date(2023, 2, 1),
        end_reason=Detention.EndReason.BAIL,
    )
    with pytest.raises(ValidationError):
        release_detainee(
            detention=detention,
            ended_on=dt.date(2023, 3, 1),
            precision="day",
            reason=Detention.EndReason.PARDON,
            by=by,
        )
    detention.refresh_from_db()
    assert detention.ended_on == dt.date(2023, 2, 1)


def test_transition_pretrial_to_sentence_ends_the_old_row_and_opens_the_new_one(by):
    prison = make_facility(name="CC1")
    detention = make_detention(kind=Detention.Kind.PRETRIAL, started_on=dt.date(2023, 1, 20))
    following = change_detention(
        detention=detention,
        kind=Detention.Kind.SENTENCE,
        started_on=dt.date(2023, 9, 5),
        facility=prison,
        by=by,
    )
    detention.refresh_from_db()
    assert detention.ended_on == dt.date(2023, 9, 5)
    assert detention.end_reason == Detention.EndReason.NEXT_STAGE
    following.refresh_from_db()
    assert following.kind == Detention.Kind.SENTENCE
    assert following.started_on == dt.date(2023, 9, 5)
    assert (following.person_id, following.case_id) == (detention.person_id, detention.case_id)
    assert following.facility == prison and following.ended_on is None
    # On the day of the change only the new stage is under way.
    assert list(Detention.objects.current(on=dt.date(2023, 9, 5))) == [following]


def test_transition_is_atomic_when_the_new_row_cannot_be_written(by, monkeypatch):
    detention = make_detention(kind=Detention.Kind.POLICE_CUSTODY, started_on=dt.date(2023, 1, 20))
    original_save = Detention.save

    def failing_save(self, *args, **kwargs):
        if self.pk is None:
            raise IntegrityError("simulated failure writing the next stage")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(Detention, "save", failing_save)
    with pytest.raises(IntegrityError):
        change_detention(
            detention=detention,
            kind=Detention.Kind.PRETRIAL,
            started_on=dt.date(2023, 1, 22),
            facility=None,
            by=by,
        )
    monkeypatch.undo()
    detention.refresh_from_db()
    assert detention.ended_on is None and detention.end_reason == ""
    assert Detention.objects.count() == 1


def test_transition_before_the_current_start_is_refused_and_nothing_is_saved(by):
    detention = make_detention(started_on=dt.date(2023, 1, 20))
    with pytest.raises(ValidationError) as error:
        change_detention(
            detention=detention,
            kind=Detention.Kind.SENTENCE,
            started_on=dt.date(2023, 1, 1),
            facility=None,
            by=by,
        )
    assert "started_on" in error.value.message_dict
    detention.refresh_from_db()
    assert detention.ended_on is None
    assert Detention.objects.count() == 1


def test_transition_to_the_same_kind_is_refused(by):
    detention = make_detention(kind=Detention.Kind.PRETRIAL)
    with pytest.raises(ValidationError) as error:
        change_detention(
            detention=detention,
            kind=Detention.Kind.PRETRIAL,
            started_on=dt.date(2023, 5, 1),
            facility=None,
            by=by,
        )
    assert "kind" in error.value.message_dict
    assert Detention.objects.count() == 1


def test_transition_of_an_ended_detention_is_refused(by):
    detention = make_detention(
        started_on=dt.date(2023, 1, 20),
        ended_on=dt.date(2023, 2, 1),
        end_reason=Detention.EndReason.BAIL,
    )
    with pytest.raises(ValidationError):
        change_detention(
            detention=detention,
            kind=Detention.Kind.SENTENCE,
            started_on=dt.date(2023, 5, 1),
            facility=None,
            by=by,
        )
    assert Detention.objects.count() == 1
