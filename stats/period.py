"""The period a statistic counts, and what "now" means for it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db.models import Q
from django.utils import timezone

from cases.models import Detention
from cases.models.people import ADULT_AGE

# The report's period (UN Secretary-General's report on OHCHR in Cambodia): the default.
DEFAULT_START = dt.date(2022, 6, 1)
DEFAULT_END = dt.date(2023, 5, 31)

# Deprivation of liberty. Judicial supervision (and house arrest) is a restriction, not
# detention: it is left out of every count here.
CUSTODIAL_KINDS = (
    Detention.Kind.POLICE_CUSTODY,
    Detention.Kind.PRETRIAL,
    Detention.Kind.SENTENCE,
    Detention.Kind.ADMINISTRATIVE,
)


@dataclass(frozen=True)
class Period:
    """The days counted, both ends included, and "now": the last day, or today if sooner."""

    start: dt.date
    end: dt.date
    today: dt.date

    @property
    def as_of(self) -> dt.date:
        return min(self.end, self.today)

    @property
    def minor_cutoff(self) -> dt.date:
        """Return the day after which someone born was under 18 on the "now" day."""
        return self.as_of - relativedelta(years=ADULT_AGE)

    def holds(self, field_name: str) -> Q:
        """Return the condition "this date falls in the period"."""
        return Q(**{f"{field_name}__gte": self.start, f"{field_name}__lte": self.end})

    def moments(self) -> tuple[dt.datetime, dt.datetime]:
        """Return the period as local instants: from the first midnight to the one after."""
        first = timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))
        after = timezone.make_aware(
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min)
        )
        return first, after


def custodial(user):
    """Return the detentions (deprivations of liberty) the user may see."""
    return Detention.objects.visible_to(user).filter(kind__in=CUSTODIAL_KINDS)
