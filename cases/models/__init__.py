from .base import FuzzyDatesModel, Sourced, TimeStamped
from .cases import Case, CaseParty, Charge, Offence, OffenceClass
from .detentions import Detention, DetentionExtension
from .followups import FollowUp
from .people import Affiliation, Organisation, Person, PersonGroup, Role, Sex
from .places import Court, DetentionFacility, Province
from .proceedings import Currency, Hearing, Instance, TrialOutcome, format_months

__all__ = [
    "Affiliation",
    "Case",
    "CaseParty",
    "Charge",
    "Court",
    "Currency",
    "Detention",
    "DetentionExtension",
    "DetentionFacility",
    "FollowUp",
    "FuzzyDatesModel",
    "Hearing",
    "Instance",
    "Offence",
    "OffenceClass",
    "Organisation",
    "Person",
    "PersonGroup",
    "Province",
    "Role",
    "Sex",
    "Sourced",
    "TimeStamped",
    "TrialOutcome",
    "format_months",
]
