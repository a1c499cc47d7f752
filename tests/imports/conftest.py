"""Records the import tests refer to by name: a facility, a court, offences, a case."""

import pytest

from tests.factories import make_case, make_court, make_facility, make_offence


@pytest.fixture
def places(db):
    """Return the reference data a prisoner list names."""
    return {
        "facility": make_facility(name="Prey Sar (CC1)", province="phnom_penh"),
        "court": make_court(name="Phnom Penh Municipal Court"),
        "incitement": make_offence(name="Incitement to commit a felony", article="494"),
        "plotting": make_offence(name="Plotting", article="453"),
    }


@pytest.fixture
def known_case(places):
    return make_case(reference="CASE-2023-0007", title="Incitement case", court=places["court"])
