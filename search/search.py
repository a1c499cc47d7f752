"""Search people and cases from one box, on PostgreSQL or SQLite, through one results API.

PostgreSQL: full text in the 'simple' configuration (romanised Khmer is not English, and
Khmer script has no dictionary) with websearch syntax, or'ed with pg_trgm word similarity and
a substring match on the short fields (names; titles, references, numbers), so a misspelt word
("Sokhar") or another word order ("Sokha Kem") still finds the record; ranked by the short
fields' similarity plus their full-text rank. Every condition is one the search migration
indexes (GIN on the same expressions).

SQLite (development, ``make run``): each word, or its first and last three letters, is looked
for with LIKE over the same fields; at most ``CANDIDATES`` rows are then re-ranked in Python
with rapidfuzz, and those too far from the query are dropped.

Both start from ``visible_to(user)``. A protected person is matched, ranked and shown by
pseudonym only for whoever may not see the identity: their real name finds nothing.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import reduce

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorExact,
    TrigramWordSimilarity,
)
from django.db import connection, models
from django.db.models import ExpressionWrapper, F, FloatField, Func, Lookup, Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz, process

from cases import access
from cases.models import Case, Person

MIN_LENGTH = 2  # characters of the query, after spaces are collapsed
MAX_LENGTH = 100
MAX_WORDS = 10
PREVIEW = 10  # hits of each kind on the combined results page
CANDIDATES = 300  # rows of each kind the SQLite fallback re-ranks in Python
THRESHOLD = 0.8  # SQLite: least mean word score (0..1) of a hit; also "what matched"
EXCERPT = 140  # characters of a long text shown around the first matching word
CONFIG = "simple"

# What is searched. The migration indexes the same expressions (keep them in step): on
# PostgreSQL each kind has a full-text vector and one trigram text joining its short fields.
PERSON_FIELDS = ("name", "aliases", "name_khmer")
CASE_SHORT_FIELDS = ("title", "reference", "court_case_number")


class Joined(Func):
    """``COALESCE(a, '') || ' ' || COALESCE(b, '')``: immutable, so a trigram index covers it."""

    arg_joiner = " || ' ' || "
    template = "(%(expressions)s)"
    output_field = models.TextField()

    def __init__(self, *fields: str):
        super().__init__(
            *(Coalesce(F(field), Value(""), output_field=models.TextField()) for field in fields)
        )


def person_vector() -> SearchVector:
    return SearchVector(*PERSON_FIELDS, config=CONFIG)


def case_vector():
    return SearchVector(*CASE_SHORT_FIELDS, config=CONFIG, weight="A") + SearchVector(
        "summary", config=CONFIG, weight="B"
    )


# The query -------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_TOKEN_SPLIT = re.compile(r"[\s\-/.,;:()\[\]{}\"'\u2018\u2019\u201c\u201d«»!?]+")


def normalise(raw: str) -> str:
    """Return the query as compared: NFC, control characters and runs of spaces as one space."""
    text = unicodedata.normalize("NFC", raw)
    # Khmer separates words with a zero-width space rather than a space.
    text = "".join(
        " " if char == "\u200b" or unicodedata.category(char) == "Cc" else char for char in text
    )
    return _SPACES.sub(" ", text).strip()


def _is_edge(char: str) -> bool:
    """Tell punctuation, symbols and separators, trimmed from the ends of a word."""
    return unicodedata.category(char)[0] in "PSZC"


def words_of(text: str) -> tuple[str, ...]:
    """Return the distinct words of ``text``, case-folded, punctuation trimmed from the ends.

    Khmer vowel signs are combining marks, which \\w does not match, so words are split on
    spaces, never on "non-word" characters.
    """
    words = []
    for chunk in normalise(text).casefold().split(" "):
        start, end = 0, len(chunk)
        while start < end and _is_edge(chunk[start]):
            start += 1
        while end > start and _is_edge(chunk[end - 1]):
            end -= 1
        if start < end:
            words.append(chunk[start:end])
    return tuple(dict.fromkeys(words))


@dataclass(frozen=True)
class Query:
    text: str  # normalised, as typed (websearch syntax on PostgreSQL)
    words: tuple[str, ...]

    @classmethod
    def parse(cls, raw: str) -> Query:
        text = normalise(raw)
        return cls(text=text, words=words_of(text))

    @property
    def stems(self) -> tuple[str, ...]:
        """Return what SQLite looks for: short words whole, longer ones by both ends."""
        stems = []
        for word in self.words:
            stems += [word] if len(word) <= 4 else [word[:3], word[-3:]]
        return tuple(dict.fromkeys(stems))


# What matched ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """One searchable text of a record, as the user may see it."""

    label: str | Promise
    value: str
    fuzzy: bool = True  # compared word by word with rapidfuzz (names, titles, numbers)


@dataclass(frozen=True)
class Match:
    label: str | Promise
    parts: tuple[tuple[str, bool], ...]  # (text, is a query word): the template marks them


@dataclass(frozen=True)
class Hit:
    obj: models.Model
    label: str
    matches: tuple[Match, ...]
    identity_visible: bool = True


def _tokens(folded: str) -> list[str]:
    return [token for token in _TOKEN_SPLIT.split(folded) if token]


def word_score(word: str, text: Text) -> float:
    """Return how well one query word matches a text: 1 inside it, else the closest word."""
    folded = text.value.casefold()
    if word in folded:
        return 1.0
    if not text.fuzzy:
        return 0.0
    best = process.extractOne(word, _tokens(folded), scorer=fuzz.ratio)
    return best[1] / 100 if best else 0.0


def score(texts: list[Text], words: tuple[str, ...]) -> float:
    """Return the mean over the query words of each one's best score in any text."""
    if not words or not texts:
        return 0.0
    return sum(max(word_score(word, text) for text in texts) for word in words) / len(words)


def _highlight(value: str, words: tuple[str, ...]) -> tuple[tuple[str, bool], ...]:
    pattern = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    parts: list[tuple[str, bool]] = []
    position = 0
    for found in re.finditer(pattern, value, re.IGNORECASE):
        if found.start() > position:
            parts.append((value[position : found.start()], False))
        parts.append((found.group(), True))
        position = found.end()
    if position < len(value):
        parts.append((value[position:], False))
    return tuple(parts)


def excerpt(value: str, words: tuple[str, ...]) -> str:
    """Return ``value``, or for a long text the part around the first matching word."""
    if len(value) <= EXCERPT:
        return value
    pattern = "|".join(re.escape(word) for word in words)
    found = re.search(pattern, value, re.IGNORECASE) if pattern else None
    start = max(0, (found.start() if found else 0) - EXCERPT // 3)
    end = min(len(value), start + EXCERPT)
    return ("…" if start else "") + value[start:end].strip() + ("…" if end < len(value) else "")


def matches(texts: list[Text], words: tuple[str, ...]) -> tuple[Match, ...]:
    """Return the texts a query matches, each as an excerpt with the query's words marked."""
    found = []
    for text in texts:
        if text.value and any(word_score(word, text) >= THRESHOLD for word in words):
            found.append(Match(text.label, _highlight(excerpt(text.value, words), words)))
    return tuple(found)


def person_texts(person: Person, identity_visible: bool) -> list[Text]:
    """Return what a user may find a person by: the pseudonym alone when it hides them."""
    if not identity_visible:
        return [Text(_("Pseudonym"), person.pseudonym)]
    texts = [Text(_("Name"), person.name)]
    texts += [Text(_("Alias"), alias) for alias in person.alias_list]
    texts.append(Text(_("Khmer name"), person.name_khmer))
    if person.is_protected:
        texts.append(Text(_("Pseudonym"), person.pseudonym))
    return texts


def case_texts(case: Case) -> list[Text]:
    return [
        Text(_("Title"), case.title),
        Text(_("Reference"), case.reference),
        Text(_("Court case number"), case.court_case_number),
        Text(_("Summary"), case.summary, fuzzy=False),
    ]


# Results ---------------------------------------------------------------------------------


class Hits:
    """Ranked results that build their hits only for the slice shown (what Paginator needs)."""

    def __init__(self, rows, build: Callable[[models.Model], Hit]):
        self._rows = rows  # a ranked queryset (PostgreSQL) or list (SQLite)
        self._build = build

    def count(self) -> int:
        return self._rows.count() if isinstance(self._rows, models.QuerySet) else len(self._rows)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._build(row) for row in self._rows[index]]
        return self._build(self._rows[index])


def _person_hits(rows, user, query: Query) -> Hits:
    sees = access.sees_protected_identities(user)

    def build(person: Person) -> Hit:
        visible = sees or not person.is_protected
        label = person.name if visible else person.pseudonym
        return Hit(person, label, matches(person_texts(person, visible), query.words), visible)

    return Hits(rows, build)


def _case_hits(rows, query: Query) -> Hits:
    return Hits(rows, lambda case: Hit(case, case.title, matches(case_texts(case), query.words)))


def search_people(*, user, query: Query) -> Hits:
    """Return the people ``user`` may see that match ``query``, best first."""
    if not query.words:
        return Hits([], lambda person: None)
    base = Person.objects.visible_to(user).select_related("group")
    sees = access.sees_protected_identities(user)
    if connection.vendor == "postgresql":
        rows = _postgres_people(base, query, sees)
    else:
        rows = _sqlite_people(base, query, sees)
    return _person_hits(rows, user, query)


def search_cases(*, user, query: Query) -> Hits:
    """Return the cases ``user`` may see that match ``query``, best first."""
    if not query.words:
        return Hits([], lambda case: None)
    base = Case.objects.visible_to(user).select_related("court")
    if connection.vendor == "postgresql":
        rows = _postgres_cases(base, query)
    else:
        rows = _sqlite_cases(base, query)
    return _case_hits(rows, query)


# PostgreSQL ------------------------------------------------------------------------------


class ILike(Lookup):
    """``lhs ILIKE rhs``: a trigram index serves it (Django's icontains is UPPER() LIKE)."""

    lookup_name = "search_ilike"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", (*lhs_params, *rhs_params)


def _text(text: str) -> Value:
    return Value(text, output_field=models.TextField())


def _contains(expression, text: str) -> Q:
    pattern = f"%{connection.ops.prep_for_like_query(text)}%"
    return Q(ILike(expression, _text(pattern)))


def _similar(expression, text: str) -> Q:
    """``expression %> text``: a stretch of words is like the query (pg_trgm's threshold)."""
    return Q(TrigramWordSimilar(expression, _text(text)))


def _ranked(expression) -> ExpressionWrapper:
    return ExpressionWrapper(expression, output_field=FloatField())


def _matching(vector, fields: tuple[str, ...], text: str) -> tuple[Q, ExpressionWrapper]:
    """Return the full-text or trigram condition of a query, and the rank it gives a row.

    The rank reads the short fields only: a full-text rank over long summaries would parse
    every matching summary again, and a common word matches thousands.
    """
    tsquery = SearchQuery(text, config=CONFIG, search_type="websearch")
    joined = Joined(*fields)
    # The cheap short-text tests first: rows the trigram index sends back are checked again,
    # and a match there spares parsing the row's summary.
    condition = (
        _similar(joined, text)
        # Khmer script typed as stored, also where the database's locale splits no Khmer words.
        | _contains(joined, text)
        | Q(SearchVectorExact(vector, tsquery))
    )
    short_vector = SearchVector(*fields, config=CONFIG)
    rank = _ranked(TrigramWordSimilarity(_text(text), joined) + SearchRank(short_vector, tsquery))
    return condition, rank


def _postgres_people(base, query: Query, sees_protected: bool):
    text = query.text
    identity, identity_rank = _matching(person_vector(), PERSON_FIELDS, text)
    pseudonym = Q(is_protected=True) & _similar(F("pseudonym"), text)
    pseudonym_rank = TrigramWordSimilarity(_text(text), "pseudonym")
    if sees_protected:
        condition = identity | pseudonym
        rank = Greatest(
            identity_rank,
            models.Case(
                models.When(is_protected=True, then=pseudonym_rank),
                default=Value(0.0),
                output_field=FloatField(),
            ),
        )
        display = F("name")
    else:
        # Whoever may not see a protected identity finds, ranks and sorts it by pseudonym only.
        condition = (Q(is_protected=False) & identity) | pseudonym
        rank = models.Case(
            models.When(is_protected=True, then=pseudonym_rank),
            default=identity_rank,
            output_field=FloatField(),
        )
        display = models.Case(
            models.When(is_protected=True, then=F("pseudonym")), default=F("name")
        )
    return (
        base.filter(condition)
        .annotate(search_rank=rank)
        .alias(display=display)
        .order_by("-search_rank", "display", "pk")
    )


def _postgres_cases(base, query: Query):
    condition, rank = _matching(case_vector(), CASE_SHORT_FIELDS, query.text)
    return (
        base.filter(condition)
        .annotate(search_rank=rank)
        .order_by("-search_rank", F("opened_on").desc(nulls_last=True), "reference")
    )


# SQLite ----------------------------------------------------------------------------------


def _any(conditions: Iterable[Q]) -> Q:
    return reduce(operator.or_, conditions)


def _like_any(fields: Iterable[str], needles: Iterable[str]) -> Q:
    return _any(Q(**{f"{field}__icontains": needle}) for field in fields for needle in needles)


def _person_condition(needles, sees_protected: bool) -> Q:
    identity = _like_any(PERSON_FIELDS, needles)
    pseudonym = Q(is_protected=True) & _like_any(["pseudonym"], needles)
    if sees_protected:
        return identity | pseudonym
    return (Q(is_protected=False) & identity) | pseudonym


def _whole_words(condition: Callable[[tuple[str]], Q], words: tuple[str, ...]):
    """Return how many query words a row holds whole: the likeliest candidates come first."""
    counts = [models.Case(models.When(condition((word,)), then=1), default=0) for word in words]
    return reduce(operator.add, counts)


def _rerank(candidates, texts_of, label_of, query: Query) -> list:
    scored = []
    for row in candidates:
        row_score = score(texts_of(row), query.words)
        if row_score >= THRESHOLD:
            scored.append((-row_score, label_of(row).casefold(), row.pk, row))
    scored.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in scored]


def _sqlite_people(base, query: Query, sees_protected: bool) -> list[Person]:
    def condition(needles):
        return _person_condition(needles, sees_protected)

    candidates = _candidates(base, condition, query)

    def visible(person):
        return sees_protected or not person.is_protected

    return _rerank(
        candidates,
        lambda person: person_texts(person, visible(person)),
        lambda person: person.name if visible(person) else person.pseudonym,
        query,
    )


def _sqlite_cases(base, query: Query) -> list[Case]:
    fields = (*CASE_SHORT_FIELDS, "summary")

    def condition(needles):
        return _like_any(fields, needles)

    return _rerank(
        _candidates(base, condition, query), case_texts, lambda case: case.reference, query
    )


def _candidates(base, condition, query: Query):
    """Return the first ``CANDIDATES`` rows holding a word's stem, most whole words first."""
    return (
        base.filter(condition(query.stems))
        .alias(whole=_whole_words(condition, query.words))
        .order_by("-whole", "pk")[:CANDIDATES]
    )
