"""ModelForms, one module per area; import them from ``cases.forms``."""

from .base import DateInput, DateTimeInput, VersionedModelForm, fuzzy_fields, fuzzy_widgets
from .cases import CaseForm, ChargeForm, PartyForm
from .detentions import (
    DetentionExtensionForm,
    DetentionForm,
    DetentionReleaseForm,
    DetentionTransitionForm,
)
from .followups import FollowUpForm
from .people import PersonForm
from .proceedings import HearingForm, HearingOutcomeForm, TrialOutcomeForm
from .reference import CourtForm, DetentionFacilityForm, OrganisationForm, PersonGroupForm

__all__ = ["DateInput", "DateTimeInput", "PersonForm", "fuzzy_fields", "fuzzy_widgets"]
__all__ += ["VersionedModelForm"]
__all__ += [
    "CourtForm",
    "DetentionExtensionForm",
    "DetentionFacilityForm",
    "DetentionForm",
    "DetentionReleaseForm",
    "DetentionTransitionForm",
    "OrganisationForm",
    "PersonGroupForm",
]
__all__ += ["FollowUpForm", "HearingForm", "HearingOutcomeForm", "TrialOutcomeForm"]
__all__ += ["CaseForm", "ChargeForm", "PartyForm"]
