"""People a new row may repeat: recorded ones, or earlier rows of the same file.

The project's duplicate detection (``cases.duplicates``: fuzzy matching of romanised Khmer
names, word order, spelling variants, Khmer script, sex and birth) over the index of
``cases.duplicate_finder`` (the people the uploader may see, a protected identity by its
pseudonym for whoever may not see it; kept in the process while nobody changes a person);
without them, the same name exactly, case and spacing aside. The rows of the file are
compared with each other in an index of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from cases.dates import normalise
from cases.models import Person

from .values import key

try:
    from cases import duplicate_finder, duplicates
except ImportError:  # pragma: no cover - the duplicate finder is optional
    duplicate_finder = duplicates = None


@dataclass
class Found:
    recorded: list[tuple[Person, str]] = field(default_factory=list)  # (person, why)
    rows: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.recorded or self.rows)


class Namesakes:
    """Find the people like a new one, for one run over a file."""

    LIMIT = 3  # recorded people named in a warning
    # Common family names make large blocks (every "Sok ..." shares one); scoring each member
    # in Python costs about a millisecond a hundred. Past this many candidates, rapidfuzz (in
    # C) keeps the closest spellings and only those are scored.
    PREFILTER = 40
    CUTOFF = 70  # of rapidfuzz's token set ratio: far below any "likely" (90) pair of names

    def __init__(self, user, *, sees_protected: bool):
        self.user = user
        self.sees_protected = sees_protected
        self._recorded = None
        self._file = duplicates.NameIndex() if duplicates else None
        self._names: dict[str, list[int]] = {}  # exact names of the file, without the finder

    def find(self, person: Person, number: int) -> Found:
        """Return the recorded people and the earlier rows that may be this person."""
        if duplicates is None:
            return self._same_name(person)
        probe = self._named(person, number)
        if not probe.variants and not probe.khmer:
            return Found()
        best = self._matches(self._recorded_index(), probe)[: self.LIMIT]
        wanted = [pk for pk, _match in best]
        # Matched as the finder sees them: a protected identity by its pseudonym, unless the
        # user may see it; named in the warning likewise (``label_for``).
        visible = Person.objects.visible_to(self.user).filter(pk__in=wanted)
        people = {p.pk: p for p in visible} if wanted else {}
        found = Found(rows=sorted(pk for pk, _match in self._matches(self._file, probe)))
        for pk, match in best:
            if pk in people:
                why = ", ".join(str(reason) for reason in match.reasons[:2])
                found.recorded.append((people[pk], why or _("similar name")))
        return found

    def add(self, person: Person, number: int) -> None:
        """Remember a person the file adds (row ``number``), for the rows after it."""
        if duplicates is None:
            self._names.setdefault(key(person.name), []).append(number)
            return
        probe = self._named(person, number)
        self._file.people[number] = probe
        for block in duplicates.blocking_keys(probe):
            self._file.blocks[block].append(number)

    # ---------------------------------------------------------------------------------------

    def _recorded_index(self):
        if self._recorded is None:
            self._recorded = duplicate_finder.index_for(self.user)
        return self._recorded

    def _matches(self, index, probe) -> list:
        """Return ``(pk, match)`` of the likely same people of an index, best first."""
        candidates = index.candidates(probe)
        if len(candidates) > self.PREFILTER:
            spellings = {pk: self._spellings(index.people[pk]) for pk in candidates}
            closest = process.extract(
                self._spellings(probe),
                spellings,
                scorer=fuzz.token_set_ratio,
                score_cutoff=self.CUTOFF,
                limit=self.PREFILTER,
            )
            candidates = {pk for _spelling, _score, pk in closest}
        found = []
        for pk in candidates:
            match = duplicates.score(probe, index.people[pk])
            if match.score >= duplicates.LIKELY:
                found.append((pk, match))
        return sorted(found, key=lambda item: (-item[1].score, item[0]))

    @staticmethod
    def _spellings(named) -> str:
        return " ".join(variant.folded_text for variant in named.variants)

    @staticmethod
    def _named(person: Person, pk: int):
        born = normalise(person.birth_on, person.birth_precision, person.birth_until)
        return duplicates.Named.build(
            pk,
            person.name,
            aliases=person.alias_list,
            khmer=person.name_khmer,
            sex=person.sex,
            born=born,
        )

    def _same_name(self, person: Person) -> Found:
        found = Found(rows=list(self._names.get(key(person.name), [])))
        same = Person.objects.visible_to(self.user).filter(
            name__iexact=" ".join(person.name.split())
        )
        if not self.sees_protected:  # a real name must not find a protected identity
            same = same.exclude(is_protected=True)
        found.recorded = [(p, _("same name")) for p in same.order_by("pk")[: self.LIMIT]]
        return found
