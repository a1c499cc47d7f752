"""Find duplicate people among those a user may see: on create, and for the supervisors' report.

Matching sees only what the user may see of each person (``Named`` is built per clearance): a
protected person is compared on the pseudonym alone for whoever is not cleared to see
protected identities, so neither the warning nor the report can be used to probe a protected
name (typing a real name never finds the pseudonym's record). Unnamed members of groups are
left out: their "names" are descriptions.

Costs on 100,000 people (bench/duplicates_scale.py, figures in the notes): reading them into
an index about 1.3 s, the search for every pair about 15 s. So from ``MEMO_FROM`` people both
are kept in this process until a person changes (``signature()``: one aggregate query), and
from ``BACKGROUND_FROM`` the report's search runs in a background thread while the page shows
the previous result or its progress. Below ``MEMO_FROM`` everything is rebuilt per request,
which keeps small databases (and the tests) exact. The create warning re-scores its few
candidates from the rows as they are now, so a kept index never shows a stale match.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from django.db import connections, router
from django.db.models import Count, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce

from cases import access
from cases.duplicates import POSSIBLE, Match, Named, NameIndex, Pair
from cases.models import CaseParty, DuplicateDismissal, Person
from monitoring import background

FIELDS = (
    "pk",
    "name",
    "aliases",
    "name_khmer",
    "is_protected",
    "pseudonym",
    "sex",
    "birth_on",
    "birth_until",
)
MEMO_FROM = 2000  # people (all of them, deleted included) from which results are kept
BACKGROUND_FROM = 20_000  # people from which the report's search runs in the background
REPORT_LIMIT = 5000  # best pairs kept for the report (memory stays bounded)
WARN_LIMIT = 10  # matches shown on the create form

logger = logging.getLogger(__name__)


def named(row: dict, *, cleared: bool) -> Named:
    """Return what matching may know of a person row, for a viewer cleared or not."""
    born = (row["birth_on"], row["birth_until"])
    if row["is_protected"] and not cleared:
        return Named.build(row["pk"], row["pseudonym"], sex=row["sex"], born=born)
    return Named.build(
        row["pk"],
        row["name"],
        aliases=row["aliases"].splitlines(),
        khmer=row["name_khmer"],
        sex=row["sex"],
        born=born,
    )


def label(row: dict, *, cleared: bool) -> str:
    return row["pseudonym"] if row["is_protected"] and not cleared else row["name"]


def candidates(user):
    """Return the people a user may see who can have duplicates: named, live."""
    return Person.objects.visible_to(user).named()


@dataclass
class Kept:
    """What was found about everyone at one ``signature``: the index, or the report's pairs."""

    signature: dict
    index: NameIndex | None = None
    pairs: list[Pair] | None = None
    found: int = 0


@dataclass
class Progress:
    """A search for pairs running in the background."""

    signature: dict
    people: int
    started: float = field(default_factory=time.monotonic)

    @property
    def seconds(self) -> int:
        return int(time.monotonic() - self.started)


@dataclass(frozen=True)
class Report:
    """The report's pairs as known now; ``stale`` while a newer search runs."""

    pairs: list[Pair] | None
    found: int = 0
    stale: bool = False
    progress: Progress | None = None


_indexes: dict[tuple, Kept] = {}
_reports: dict[tuple, Kept] = {}
_running: dict[tuple, Progress] = {}
_lock = threading.Lock()


def signature() -> dict:
    """Return what changes whenever a person is added, edited, deleted or removed."""
    return Person.all_objects.aggregate(n=Count("pk"), top=Max("pk"), last=Max("updated_at"))


def _key(cleared: bool) -> tuple:
    database = connections[router.db_for_read(Person)].settings_dict["NAME"]
    return (str(database), cleared)


def _build(user, *, cleared: bool) -> NameIndex:
    rows = candidates(user).order_by().values(*FIELDS).iterator(chunk_size=5000)
    return NameIndex.of(named(row, cleared=cleared) for row in rows)


def index_for(user) -> NameIndex:
    """Return the index of the people ``user`` may see, kept while nobody changes a person."""
    cleared = access.sees_protected_identities(user)
    current = signature()
    if not access.sees_all_cases(user) or current["n"] < MEMO_FROM:
        return _build(user, cleared=cleared)
    key = _key(cleared)
    with _lock:
        kept = _indexes.get(key)
    if kept is not None and kept.signature == current:
        return kept.index
    index = _build(user, cleared=cleared)
    with _lock:
        _indexes[key] = Kept(current, index=index)
    return index


def report_for(user) -> Report:
    """Return the report's pairs for ``user``: found now, kept, or being found in the background.

    From ``BACKGROUND_FROM`` people the search (about 15 s for 100,000) runs in a thread of
    this process; meanwhile the page shows the previous result, marked as such, or progress.
    """
    cleared = access.sees_protected_identities(user)
    current = signature()
    if not access.sees_all_cases(user) or current["n"] < MEMO_FROM:
        index = _build(user, cleared=cleared)
        return Report(index.pairs(limit=REPORT_LIMIT), index.found)
    key = _key(cleared)
    with _lock:
        kept = _reports.get(key)
    if kept is not None and kept.signature == current:
        return Report(kept.pairs, kept.found)
    if current["n"] < BACKGROUND_FROM:
        _search(user, key=key, signature_=current, cleared=cleared)
        with _lock:
            kept = _reports[key]
        return Report(kept.pairs, kept.found)
    with _lock:
        progress = _running.get(key)
        starting = progress is None or progress.signature != current
        if starting:
            progress = _running[key] = Progress(current, people=current["n"])
    if starting:
        start_in_background(lambda: _search_in_background(user, key, current, cleared))
    if kept is not None:
        return Report(kept.pairs, kept.found, stale=True, progress=progress)
    return Report(None, progress=progress)


def _search(user, *, key: tuple, signature_: dict, cleared: bool) -> None:
    index = _build(user, cleared=cleared)
    pairs = index.pairs(limit=REPORT_LIMIT)
    with _lock:
        _reports[key] = Kept(signature_, pairs=pairs, found=index.found)


def _search_in_background(user, key: tuple, signature_: dict, cleared: bool) -> None:
    try:
        _search(user, key=key, signature_=signature_, cleared=cleared)
    except Exception:
        logger.exception("The search for duplicate people failed")
    finally:
        with _lock:
            if key in _running and _running[key].signature == signature_:
                del _running[key]


def start_in_background(work) -> None:
    """Run ``work`` in a daemon thread (tests replace this to run it at once)."""
    background.run_in_thread(work, name="duplicate-search")


def forget() -> None:
    """Drop everything kept (tests; a bulk import may call it too)."""
    with _lock:
        _indexes.clear()
        _reports.clear()
        _running.clear()


# On create -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """An existing person like the one being created, as the user may see them."""

    pk: int
    label: str
    is_protected: bool
    match: Match


def matches_for_new(
    user,
    *,
    name: str,
    aliases: str = "",
    name_khmer: str = "",
    sex: str = "unknown",
    birth_on=None,
    birth_until=None,
) -> list[Hit]:
    """Return the visible people who may be the person about to be created, best first."""
    probe = Named.build(
        0,
        name,
        aliases=aliases.splitlines(),
        khmer=name_khmer,
        sex=sex,
        born=(birth_on, birth_until),
    )
    if not probe.variants and not probe.khmer:
        return []
    found = index_for(user).matches(probe, minimum=POSSIBLE)
    pks = [pk for pk, _ in found[: WARN_LIMIT * 3]]
    if not pks:
        return []
    # Scored again from the rows as they are now: a kept index may be a moment old.
    cleared = access.sees_protected_identities(user)
    hits = []
    for row in candidates(user).filter(pk__in=pks).values(*FIELDS):
        match = NameIndex.of([named(row, cleared=cleared)]).matches(probe, minimum=POSSIBLE)
        if match:
            hits.append(
                Hit(row["pk"], label(row, cleared=cleared), row["is_protected"], match[0][1])
            )
    hits.sort(key=lambda hit: (-hit.match.score, hit.label, hit.pk))
    return hits[:WARN_LIMIT]


# The report ----------------------------------------------------------------------------------


def dismissed_pairs() -> set[tuple[int, int]]:
    return set(DuplicateDismissal.objects.values_list("person_low", "person_high"))


def without_dismissed(pairs: list[Pair]) -> list[Pair]:
    """Return the pairs nobody has dismissed as different people."""
    dismissed = dismissed_pairs()
    return [pair for pair in pairs if (pair.low, pair.high) not in dismissed]


@dataclass(frozen=True)
class Side:
    """One person of a pair on the report: what the viewer may see of them."""

    pk: int
    label: str
    is_protected: bool
    sex: str
    born: object
    cases: int
    others: int  # how many other people of the report this one is like


@dataclass(frozen=True)
class ReportRow:
    first: Side
    second: Side
    match: Match

    @property
    def sides(self) -> tuple[Side, Side]:
        return (self.first, self.second)


def report_rows(user, pairs: list[Pair], all_pairs: list[Pair]) -> list[ReportRow]:
    """Return a page of pairs with both people as the user may see them, in one query."""
    pks = {pk for pair in pairs for pk in (pair.low, pair.high)}
    degree: dict[int, int] = {}
    for pair in all_pairs:
        for pk in (pair.low, pair.high):
            degree[pk] = degree.get(pk, 0) + 1
    parties = (
        CaseParty.objects.visible_to(user)
        .filter(person=OuterRef("pk"))
        .order_by()
        .values("person")
        .annotate(n=Count("case", distinct=True))
        .values("n")
    )
    rows = (
        Person.objects.filter(pk__in=pks)
        .annotate(case_count=Coalesce(Subquery(parties), 0))
        .select_related(None)
    )
    people = {}
    for person in rows:
        people[person.pk] = Side(
            pk=person.pk,
            label=person.label_for(user),
            is_protected=person.is_protected,
            sex=person.get_sex_display(),
            born=person.birth,
            cases=person.case_count,
            others=degree.get(person.pk, 1) - 1,
        )
    return [
        ReportRow(people[pair.low], people[pair.high], pair.match)
        for pair in pairs
        if pair.low in people and pair.high in people
    ]
