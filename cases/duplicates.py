"""Find people recorded twice: fuzzy matching of romanised Khmer names.

Khmer names are romanised in many ways ("Kem Sokha", "Sokha Kem", "Kem Sokhar", "Khem
Sokhaa"), so two names are compared on three levels:

- **normalised**: lower case, accents and punctuation stripped, titles ("Mr.", "Lok",
  "H.E.") dropped, words in any order;
- **folded**: each word reduced to a key that forgets the usual spelling variants: kh/k, ch/chh/j,
  ph/p, th/t, w/v, y/i, doubled letters, a final r, h or g ("Sokhar", "Chhoeung"), a final
  ey/y ("Rainsey"), and runs of vowels reduced to their class (ea/ia/ie/ei → e, ou/o/u/oe/ao → o);
- **Khmer script**, when both people have it: the same script name is a strong sign, a
  different one a sign against.

The score (0 to 100) pairs each word of one name with the closest word of the other (any order)
by edit distance on the folded words and mixes their mean with the weakest pair, so one shared
family name ("Kem Sokha", "Kem Ley") is not enough. Known facts that disagree (sex, birth
dates that cannot overlap) lower it. Every alias is a variant of the name.

Comparing every pair of n people is n²/2 comparisons (5·10⁹ for 100,000). Blocking avoids it:
each variant gives keys from the first two letters of each pair of its folded words (sorted,
so word order does not matter) and from its Khmer-script name; only people sharing a key are
compared, first in C by rapidfuzz (``cdist`` on the folded forms) and then, for the few that
pass, by the full score. A block larger than ``BLOCK_SPLIT`` is split again on three letters.
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations, permutations

from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

LIKELY = 90  # "likely duplicate" from this score
POSSIBLE = 80  # below this, not shown at all
BLOCK_SPLIT = 1500  # a block with more people is split on longer prefixes
MAX_WORDS = 8  # of a spelling, compared (a pasted paragraph must not explode the pairing)
MAX_SPELLINGS = 20  # the name and its first aliases

# Titles and honorifics, dropped when they come first ("Mr. Kem Sokha", "Lok Srey Mu Sochua").
TITLES = frozenset(
    {
        "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "lok", "neak", "oknha", "okhna",
        "samdech", "ven", "venerable", "he", "excellency", "his", "her", "madam", "madame",
        "mme", "sir", "lady", "kru", "lokkru", "bhikkhu",
    }
)  # fmt: skip
TITLE_PAIRS = (("lok", "srey"), ("lok", "kru"), ("neak", "srey"))
KHMER = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]")
# Zero-width characters Khmer typing inserts between words, and every space.
INVISIBLE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")

# Reasons shown beside a match: never a name (it may be a protected one).
SAME_NAME = _("same name")
SAME_WORDS = _("same words in another order")
SPELLING = _("spelling variant (e.g. kh/k, ea/ia, a final r or h, doubled letters)")
SIMILAR = _("similar spelling")
JOINED = _("words joined or split differently")
ALIAS = _("an alias or other spelling matches")
KHMER_SAME = _("same name in Khmer script")
KHMER_DIFFERS = _("the names in Khmer script differ")
SEX_DIFFERS = _("recorded with a different sex")
BIRTH_DIFFERS = _("born at different times")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=65536)
def normalise(name: str) -> tuple[str, ...]:
    """Return the words of a romanised name: lower case, no accents, punctuation or titles."""
    text = strip_accents(name or "").casefold()
    text = re.sub(r"\bh\s*\.\s*e\b\.?", " ", text)  # "H.E.", "H. E."
    text = KHMER.sub(" ", text)
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    while len(words) > 1:
        if tuple(words[:2]) in TITLE_PAIRS and len(words) > 2:
            words = words[2:]
        elif words[0] in TITLES:
            words = words[1:]
        else:
            break
    return tuple(words)


def _vowel_class(run: str) -> str:
    if "o" in run or "u" in run:
        return "o"
    if "e" in run or (len(run) > 1 and "i" in run):
        return "e"
    return "i" if "i" in run else "a"


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Return a word's key with the usual romanisation variants of Khmer forgotten."""
    word = word.replace("chh", "c").replace("ch", "c").replace("kh", "k")
    word = word.replace("ph", "p").replace("th", "t").replace("sh", "s")
    word = word.translate(str.maketrans("jwyzq", "cvisk"))
    word = re.sub(r"(?<=[^aeiouh])h", "", word)  # a consonant's aspiration: "kkh", "bh"
    word = re.sub(r"(?<=[aeiou])[rh]$", "", word)  # "Sokhar", "Sokhah"
    word = re.sub(r"(?<=[^aeiou])ei$", "i", word)  # "Rainsey" / "Rainsy", "Vuthey"
    word = re.sub(r"(?<=n)g$", "", word)  # "Chhoeung" / "Chhoeun"
    word = re.sub(r"(.)\1+", r"\1", word)  # "Sokhaa", "Vannak"
    return re.sub(r"[aeiou]+", lambda match: _vowel_class(match.group()), word)


def khmer_key(name: str) -> str:
    """Return a Khmer-script name without spaces or zero-width characters."""
    return INVISIBLE.sub("", unicodedata.normalize("NFC", name or ""))


@dataclass(frozen=True, slots=True)
class Variant:
    """One spelling of a person's name (the name itself or an alias)."""

    words: tuple[str, ...]
    folded: tuple[str, ...]
    is_alias: bool = False

    @classmethod
    def of(cls, text: str, *, is_alias: bool = False) -> Variant | None:
        words = normalise(text)[:MAX_WORDS]
        if not words:
            return None
        return cls(words, tuple(fold(word) for word in words), is_alias)

    @property
    def folded_text(self) -> str:
        return " ".join(sorted(self.folded))


@dataclass(frozen=True, slots=True)
class Named:
    """What matching knows of a person: only what the viewer may see of them."""

    pk: int
    variants: tuple[Variant, ...]
    khmer: str = ""
    sex: str = "unknown"
    born: tuple[dt.date | None, dt.date | None] = (None, None)

    @classmethod
    def build(
        cls,
        pk: int,
        name: str,
        *,
        aliases: Iterable[str] = (),
        khmer: str = "",
        sex: str = "unknown",
        born: tuple[dt.date | None, dt.date | None] = (None, None),
    ) -> Named:
        found = [Variant.of(name)] + [
            Variant.of(alias, is_alias=True) for alias in list(aliases)[: MAX_SPELLINGS - 1]
        ]
        variants, seen = [], set()
        for variant in found:
            if variant is not None and variant.words not in seen:
                seen.add(variant.words)
                variants.append(variant)
        return cls(pk, tuple(variants), khmer_key(khmer), sex or "unknown", born)

    @property
    def profile(self) -> tuple:
        """Return everything the score reads: people with one profile score alike."""
        return (self.variants, self.khmer, self.sex, self.born)


@dataclass(frozen=True)
class Match:
    """How alike two people are: a score out of 100 and why."""

    score: int
    reasons: tuple = ()
    evidence: int = 0  # facts known on both sides that agree (sex, birth, Khmer script)

    @property
    def is_likely(self) -> bool:
        return self.score >= LIKELY


def _word_score(a: str, b: str) -> float:
    return 100.0 if a == b else 100.0 * Levenshtein.normalized_similarity(a, b)


def _aligned(short: Sequence[str], long: Sequence[str]) -> list[float]:
    """Return the word scores of the best pairing of ``short``'s words with ``long``'s."""
    if len(long) <= 5:
        best: list[float] = []
        for chosen in permutations(long, len(short)):
            scores = [_word_score(a, b) for a, b in zip(short, chosen, strict=True)]
            if sum(scores) > sum(best, 0.0) or not best:
                best = scores
        return best
    # Long names: greedy, best pairs first (permutations would explode).
    pairs = sorted(
        ((_word_score(a, b), i, j) for i, a in enumerate(short) for j, b in enumerate(long)),
        reverse=True,
    )
    used_a, used_b, scores = set(), set(), []
    for score, i, j in pairs:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            scores.append(score)
    return scores


@lru_cache(maxsize=65536)
def compare_variants(a: Variant, b: Variant) -> tuple[float, object]:
    """Return the score of two spellings and the main reason."""
    if a.words == b.words:
        return 100.0, SAME_NAME
    if sorted(a.words) == sorted(b.words):
        return 99.0, SAME_WORDS
    if sorted(a.folded) == sorted(b.folded):
        return 95.0, SPELLING
    short, long = sorted((a.folded, b.folded), key=len)
    scores = _aligned(short, long)
    score = (sum(scores) / len(scores) + min(scores)) / 2 - 12 * (len(long) - len(short))
    reason = SIMILAR
    if len(a.folded) != len(b.folded):
        # "Sovannara" / "Sovann Ara": the words run together, in the order written.
        joined = 100 * Levenshtein.normalized_similarity("".join(a.folded), "".join(b.folded))
        if joined - 5 > score:
            score, reason = joined - 5, JOINED
    return score, reason


def _overlap(a: tuple, b: tuple) -> bool:
    """Return False only when two birth ranges are known and cannot meet."""
    (a_on, a_until), (b_on, b_until) = a, b
    if a_on is None or b_on is None:
        return True
    return not (
        (a_until is not None and a_until < b_on) or (b_until is not None and b_until < a_on)
    )


def score(a: Named, b: Named) -> Match:
    """Return how likely two people are one, with the reasons."""
    return _score(a.profile, b.profile)


@lru_cache(maxsize=65536)
def _score(a: tuple, b: tuple) -> Match:
    # Cached on what is compared, not on who: namesakes cost one comparison.
    (a_variants, a_khmer, a_sex, a_born), (b_variants, b_khmer, b_sex, b_born) = a, b
    best, reasons, evidence = 0.0, [], 0
    for va in a_variants:
        for vb in b_variants:
            value, reason = compare_variants(va, vb)
            if value > best:
                best = value
                reasons = [reason] + ([ALIAS] if va.is_alias or vb.is_alias else [])
    if a_khmer and b_khmer:
        if a_khmer == b_khmer:
            best = max(best, 96.0)
            reasons.insert(0, KHMER_SAME)
            evidence += 1
        elif fuzz.ratio(a_khmer, b_khmer) < 60:
            best -= 20
            reasons.append(KHMER_DIFFERS)
    if "unknown" not in (a_sex, b_sex):
        if a_sex != b_sex:
            best -= 25
            reasons.append(SEX_DIFFERS)
        else:
            evidence += 1
    if not _overlap(a_born, b_born):
        best -= 25
        reasons.append(BIRTH_DIFFERS)
    elif a_born[0] is not None and b_born[0] is not None:
        evidence += 1
    return Match(max(0, min(100, round(best))), tuple(reasons), evidence)


# Blocking ------------------------------------------------------------------------------------


def blocking_keys(person: Named, prefix: int = 2) -> set[str]:
    """Return the keys of the blocks a person falls in: people sharing none are never compared."""
    keys = set()
    for variant in person.variants:
        folded = variant.folded
        if len(folded) == 1:
            keys.add(f"1:{folded[0][:prefix]}")
        for first, second in combinations(folded, 2):
            keys.add("2:" + "|".join(sorted((first[:prefix], second[:prefix]))))
    if person.khmer:
        keys.add(f"k:{person.khmer}")
    return keys


@dataclass(frozen=True, slots=True)
class Pair:
    """Two people who may be one, ``low`` the smaller primary key."""

    low: int
    high: int
    match: Match

    def sort_key(self) -> tuple:
        """Best first: the score, then the facts that agree, then the oldest records."""
        return (-self.match.score, -self.match.evidence, self.low, self.high)


def _parent(key: str) -> str:
    """Return the two-letter block a three-letter one was cut from."""
    kind, _, parts = key.partition(":")
    return f"{kind}:" + "|".join(part[:2] for part in parts.split("|"))


@dataclass
class NameIndex:
    """People by blocking key: finds the pairs among them, or the matches of a newcomer."""

    people: dict[int, Named] = field(default_factory=dict)
    blocks: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    found: int = 0  # pairs found by the last search, kept or not
    _key_cache: dict[int, dict[int, set[str]]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, people: Iterable[Named]) -> NameIndex:
        index = cls()
        for person in people:
            index.people[person.pk] = person
            for key in blocking_keys(person):
                index.blocks[key].append(person.pk)
        return index

    def candidates(self, person: Named) -> set[int]:
        """Return the people sharing a block with ``person`` (never the person itself)."""
        found: set[int] = set()
        for key in blocking_keys(person):
            members = self.blocks.get(key, ())
            if len(members) > BLOCK_SPLIT:
                narrower = blocking_keys(person, prefix=3)
                members = [pk for pk in members if blocking_keys(self.people[pk], 3) & narrower]
            found.update(members)
        found.discard(person.pk)
        return found

    def matches(self, person: Named, *, minimum: int = POSSIBLE) -> list[tuple[int, Match]]:
        """Return ``(pk, match)`` of the indexed people like ``person``, best first."""
        found = []
        for pk in self.candidates(person):
            match = score(person, self.people[pk])
            if match.score >= minimum:
                found.append((pk, match))
        return sorted(found, key=lambda item: (-item[1].score, item[0]))

    def pairs(self, *, minimum: int = POSSIBLE, limit: int | None = None) -> list[Pair]:
        """Return the pairs of indexed people scoring at least ``minimum``, best first.

        With ``limit``, only that many are kept while searching (memory stays bounded);
        ``self.found`` then tells how many there were in all.
        """
        found = self._scored_pairs(minimum)
        order = Pair.sort_key
        try:
            if limit is None:
                return sorted(found, key=order)
            return heapq.nsmallest(limit, found, order)
        finally:
            self._key_cache.clear()  # needed during a search only

    def _scored_pairs(self, minimum: int) -> Iterable[Pair]:
        self.found = 0
        split = {
            key
            for key, members in self.blocks.items()
            if len(members) > BLOCK_SPLIT and not key.startswith("k:")
        }
        for key, members in self._final_blocks(split):
            seen: set[tuple[int, int]] = set()  # this block's pairs only: memory stays small
            for low, high in self._prefiltered(key, members):
                if (low, high) in seen or self._home(low, high, split) != key:
                    continue  # scored in another block they share
                seen.add((low, high))
                match = score(self.people[low], self.people[high])
                if match.score >= minimum:
                    self.found += 1
                    yield Pair(low, high, match)

    def _keys(self, pk: int, prefix: int = 2) -> set[str]:
        cache = self._key_cache.setdefault(prefix, {})
        if pk not in cache:
            cache[pk] = blocking_keys(self.people[pk], prefix)
        return cache[pk]

    def _home(self, a: int, b: int, split: set[str]) -> str:
        """Return the first block (as searched) that holds both people."""
        shared = self._keys(a) & self._keys(b)
        homes = [key for key in shared if key not in split]
        if shared & split:
            homes += [sub for sub in self._keys(a, 3) & self._keys(b, 3) if _parent(sub) in split]
        return min(homes)

    def _final_blocks(self, split: set[str]) -> Iterable[tuple[str, list[int]]]:
        """Yield the blocks to search: a block too large is searched as its narrower parts."""
        for key, members in self.blocks.items():
            if len(members) < 2:
                continue
            if key not in split:
                yield key, members
                continue
            narrower: dict[str, list[int]] = defaultdict(list)
            for pk in members:
                for sub in self._keys(pk, 3):
                    if _parent(sub) == key:
                        narrower[sub].append(pk)
            yield from ((sub, group) for sub, group in narrower.items() if len(group) > 1)

    def _prefiltered(self, key: str, members: list[int]) -> Iterable[tuple[int, int]]:
        """Yield the pairs of a block that may score ``POSSIBLE``, found in C on its words."""
        if key.startswith("k:"):
            # The same Khmer-script name: worth scoring whatever the romanisations.
            yield from combinations(sorted(members), 2)
            return
        holders: dict[tuple[str, ...], set[int]] = defaultdict(set)
        for pk in members:
            for variant in self.people[pk].variants:
                holders[variant.folded].add(pk)
        for first, second in _similar_spellings(list(holders)):
            for a in holders[first]:
                for b in holders[second]:
                    if a != b:
                        yield (a, b) if a < b else (b, a)


# The score needs every word of the shorter name to pair with a word at least this alike
# (out of 1): (mean + min) / 2 >= 80 with the best word at 100 gives min >= 73.3.
WORD_CUTOFF = 0.73
JOINED_CUTOFF = 0.85  # "Sovannara" / "Sovann Ara": the letters run together alike


def _similar_spellings(spellings: list[tuple[str, ...]]) -> Iterable[tuple[tuple, tuple]]:
    """Yield the pairs of folded spellings (with each spelling and itself) that may score."""
    vocabulary = sorted({word for spelling in spellings for word in spelling})
    having: dict[str, set[int]] = defaultdict(set)
    for number, spelling in enumerate(spellings):
        for word in spelling:
            having[word].add(number)
    near: dict[str, set[int]] = {}
    for word in vocabulary:
        alike = process.extract(
            word,
            vocabulary,
            scorer=Levenshtein.normalized_similarity,
            score_cutoff=WORD_CUTOFF,
            limit=None,
        )
        near[word] = set().union(*(having[other] for other, _, _ in alike))
    lengths = {len(spelling) for spelling in spellings}
    joined = ["".join(spelling) for spelling in spellings]
    for number, spelling in enumerate(spellings):
        # A spelling with a near word for each of its words (the longer side is found from
        # the shorter one), and itself (namesakes).
        found = set.intersection(*(near[word] for word in spelling))
        if len(lengths) > 1:
            found.update(
                index
                for _, _, index in process.extract(
                    joined[number],
                    joined,
                    scorer=Levenshtein.normalized_similarity,
                    score_cutoff=JOINED_CUTOFF,
                    limit=None,
                )
            )
        for other in found:
            if other >= number:
                yield spelling, spellings[other]
