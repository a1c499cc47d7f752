"""List filters (django-filter), one module per area; import them from ``cases.filters``."""

from .cases import CaseFilter
from .detentions import DetentionFilter
from .followups import FollowUpFilter
from .people import PersonFilter
from .proceedings import HearingFilter, TrialOutcomeFilter
from .reference import CourtFilter, DetentionFacilityFilter, OrganisationFilter, PersonGroupFilter

__all__ = ["PersonFilter"]
__all__ += [
    "CourtFilter",
    "DetentionFacilityFilter",
    "DetentionFilter",
    "OrganisationFilter",
    "PersonGroupFilter",
]
__all__ += ["FollowUpFilter", "HearingFilter", "TrialOutcomeFilter"]
__all__ += ["CaseFilter"]
