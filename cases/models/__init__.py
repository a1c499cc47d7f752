from .base import EditConflict, FuzzyDatesModel, SoftDeletable, Sourced, TimeStamped, Versioned
from .cases import Case, CaseParty, Charge, Offence, OffenceClass
from .detentions import Detention, DetentionExtension
from .followups import FollowUp
from .merges import DuplicateDismissal, MergeRecord
from .people import Affiliation, Organisation, Person, PersonGroup, Role, Sex
from .places import Court, DetentionFacility, Province
from .proceedings import Currency, Hearing, Instance, TrialOutcome, format_months
from .rules import AgeBand, Confidence, LegalRule, Measure, RuleOffenceClass

__all__ = [
    "Affiliation",
    "AgeBand",
    "Case",
    "CaseParty",
    "Charge",
    "Confidence",
    "Court",
    "Currency",
    "Detention",
    "DetentionExtension",
    "DetentionFacility",
    "DuplicateDismissal",
    "EditConflict",
    "FollowUp",
    "FuzzyDatesModel",
    "Hearing",
    "Instance",
    "LegalRule",
    "Measure",
    "MergeRecord",
    "Offence",
    "OffenceClass",
    "Organisation",
    "Person",
    "PersonGroup",
    "Province",
    "Role",
    "RuleOffenceClass",
    "Sex",
    "SoftDeletable",
    "Sourced",
    "TimeStamped",
    "TrialOutcome",
    "Versioned",
    "format_months",
]
