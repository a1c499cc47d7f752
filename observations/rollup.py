"""The fair-trial roll-up of a case: per checklist item, how the case's hearings were rated.

Answers are counted by the item's stable code, so observations made against older checklist
versions count with the current ones. Four queries, whatever the number of hearings.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from cases.models import Case

from .models import SECTION_ORDER, Answer, ChecklistItem, Observation, Section, Verdict


@dataclass
class RollupRow:
    code: str
    section: str
    label: str
    standard: str
    counts: dict[str, int] = field(default_factory=dict)
    violations: list[Answer] = field(default_factory=list)

    @property
    def violated(self) -> int:
        return self.counts.get(Verdict.VIOLATED, 0)

    @property
    def section_label(self) -> str:
        return Section(self.section).label

    def count(self, verdict: str) -> int:
        return self.counts.get(verdict, 0)

    @property
    def cells(self) -> list[tuple[str, str, int]]:
        return [(value, label, self.count(value)) for value, label in Verdict.choices]


@dataclass
class CaseRollup:
    rows: list[RollupRow]
    observations: int

    @property
    def violated_rows(self) -> list[RollupRow]:
        return [row for row in self.rows if row.violated]

    @property
    def total_violations(self) -> int:
        return sum(row.violated for row in self.rows)

    @property
    def verdicts(self):
        return Verdict.choices


def case_rollup(case: Case) -> CaseRollup:
    """Return the roll-up of the submitted observations of the case's live hearings."""
    observations = Observation.objects.of_case(case).submitted()
    answers = Answer.objects.filter(observation__in=observations).exclude(verdict="")
    counts = answers.values_list("item__code", "verdict").annotate(n=Count("pk")).order_by()
    by_code: dict[str, dict[str, int]] = defaultdict(dict)
    for code, verdict, n in counts:
        by_code[code][verdict] = n
    if not by_code:
        return CaseRollup(rows=[], observations=observations.count())
    # The newest wording of each code (items of newer versions first).
    rows: dict[str, RollupRow] = {}
    positions: dict[str, int] = {}
    items = ChecklistItem.objects.filter(code__in=by_code).order_by(
        "-checklist__number", "position"
    )
    for item in items:
        if item.code in rows:
            continue
        positions[item.code] = item.position
        rows[item.code] = RollupRow(
            code=item.code,
            section=item.section,
            label=item.label,
            standard=item.standard,
            counts=by_code[item.code],
        )
    for answer in (
        answers.filter(verdict=Verdict.VIOLATED)
        .select_related("item", "observation__hearing")
        .order_by("observation__hearing__scheduled_at", "pk")
    ):
        rows[answer.item.code].violations.append(answer)
    ordered = sorted(
        rows.values(), key=lambda row: (SECTION_ORDER[row.section], positions[row.code])
    )
    return CaseRollup(rows=ordered, observations=observations.count())
