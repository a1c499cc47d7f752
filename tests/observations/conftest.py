"""Records for the observation tests: a hearing today in a case the monitor follows."""

import datetime as dt

import pytest
from django.utils import timezone

from observations.models import Checklist
from tests.factories import make_case, make_court, make_hearing


def today_at(hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(hour, minute)))


@pytest.fixture
def checklist(db):
    return Checklist.objects.current()


@pytest.fixture
def case(monitor):
    return make_case(monitors=[monitor], court=make_court())


@pytest.fixture
def hearing(case):
    return make_hearing(case=case, scheduled_at=today_at(8, 30), court=case.court)


@pytest.fixture
def items(checklist):
    return list(checklist.items.in_order())
