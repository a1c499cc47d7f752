"""The kinds of import: people, cases, detentions (a prisoner list)."""

from .base import Column, Kind, RowCheck, Run
from .cases import CasesKind
from .detentions import DetentionsKind
from .persons import PersonsKind

KINDS: dict[str, Kind] = {kind.key: kind for kind in (PersonsKind(), CasesKind(), DetentionsKind())}

__all__ = ["KINDS", "Column", "Kind", "RowCheck", "Run"]
