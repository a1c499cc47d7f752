"""Cases: one row a case, added, or updated when its reference is already recorded."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.trail import diff, snapshot
from cases.models import Case

from ..values import choice_parser, describe_fuzzy, key, parse_fuzzy_date
from .base import Column, Kind, RowCheck, Run, choice_values

CATEGORY = choice_parser(Case.Category)
STAGE = choice_parser(Case.Stage, {Case.Stage.INVESTIGATION: ("pre-trial", "pretrial")})
STATUS = choice_parser(Case.Status)
CONFIDENTIALITY = choice_parser(Case.Confidentiality)

CASE_FIELDS = {
    "reference": "reference",
    "title": "title",
    "category": "category",
    "summary": "summary",
    "court": "court",
    "court_case_number": "court_case_number",
    "stage": "stage",
    "status": "status",
    "confidentiality": "confidentiality",
    "opened_on": "opened",
    "opened_precision": "opened",
    "opened_until": "opened",
    "source": "source",
}


class CasesKind(Kind):
    key = "cases"
    label = gettext_lazy("Cases")
    perms = ("cases.add_case", "cases.change_case")
    required_any = (("title", "reference"), ("category", "reference"))
    columns = (
        Column(
            "reference",
            gettext_lazy(
                "Our reference. Recorded already: the case is updated. New or empty: a case "
                "is added (an empty one gets the next free reference)."
            ),
            aliases=("case reference", "case ref", "ref"),
            example="",
        ),
        Column("title", gettext_lazy("Title of the case."), example="Incitement case of X"),
        Column(
            "category",
            gettext_lazy("What the case is about."),
            example="political_expression",
            allowed=choice_values(Case.Category),
        ),
        Column("summary", gettext_lazy("Summary.")),
        Column(
            "court",
            gettext_lazy("The court's name, as recorded under Courts."),
            example="Phnom Penh Municipal Court",
        ),
        Column(
            "court_case_number",
            gettext_lazy("The court's own case number."),
            aliases=("court number", "court case no"),
        ),
        Column(
            "stage",
            gettext_lazy("Empty: investigation."),
            allowed=choice_values(Case.Stage),
        ),
        Column("status", gettext_lazy("Empty: open."), allowed=choice_values(Case.Status)),
        Column(
            "confidentiality",
            gettext_lazy("Empty: normal."),
            allowed=choice_values(Case.Confidentiality),
        ),
        Column(
            "opened",
            gettext_lazy("When the events began: 2023-01-05, 2023-01 or 2023."),
            aliases=("events began", "opened on", "date", "start"),
            example="2023-01",
        ),
        Column("source", gettext_lazy("Where this comes from (default: this import and row).")),
    )

    def check(self, row: RowCheck, run: Run) -> None:
        if self.identical(row, run):
            return
        case = self.case_of(row, run)
        if case is None:
            return
        updating = case.pk is not None
        before = snapshot(case)
        for column in ("title", "summary", "court_case_number", "source"):
            if row.has(column):
                setattr(case, column, row.text(column))
        for column, parser in (
            ("category", CATEGORY),
            ("stage", STAGE),
            ("status", STATUS),
            ("confidentiality", CONFIDENTIALITY),
        ):
            if (value := row.parse(column, parser)) is not None:
                setattr(case, column, value)
        if (court := row.parse("court", run.court)) is not None:
            case.court = court
        opened = row.parse("opened", parse_fuzzy_date)
        if opened is not None:
            case.opened_on, case.opened_precision, case.opened_until = opened
        if not updating:
            row.require("title", _("Required to add a case."))
            row.require("category", _("Required to add a case."))
            if not case.source:
                case.source = run.default_source(row)
        if not row.ok:
            return
        changes = diff(before, snapshot(case)) if updating else {}
        if updating and not changes:
            row.act("unchanged", _("Case %(ref)s: nothing to change.") % {"ref": case.reference})
            return
        if not updating:
            self.note_duplicates(row, run, case)
        if not run.keep(case, row, CASE_FIELDS):
            return
        if updating:
            run.counts.add("update", case)
            changed = "; ".join(
                f"{Case._meta.get_field(name).verbose_name}: {old or '—'} → {new or '—'}"
                for name, (old, new) in changes.items()
            )
            row.act(
                "update",
                _("Case %(ref)s: %(changes)s") % {"ref": case.reference, "changes": changed},
            )
        else:
            run.counts.add("create", case)
            row.act(
                "create",
                _("New case %(ref)s “%(title)s” (%(category)s%(opened)s)")
                % {
                    "ref": case.reference or _("(reference given on import)"),
                    "title": case.title,
                    "category": case.get_category_display(),
                    "opened": f", {describe_fuzzy(opened)}" if opened else "",
                },
            )

    def case_of(self, row: RowCheck, run: Run) -> Case | None:
        """Return the recorded case the row updates, or a new one; None on an error."""
        reference = row.text("reference")
        if not reference:
            return Case()
        earlier = run.first_row(("case", key(reference)), row.number)
        if earlier is not None:
            row.error("reference", _("Row %(row)s has the same reference.") % {"row": earlier})
            return None
        case = run.case(reference)
        if case is None:
            return Case(reference=reference)
        if not run.may_edit(case):
            row.error("reference", _("You may not change case %(ref)s.") % {"ref": reference})
            return None
        return case

    @staticmethod
    def note_duplicates(row: RowCheck, run: Run, case: Case) -> None:
        earlier = run.first_row(("case title", key(case.title)), row.number)
        if earlier is not None:
            row.warn("title", _("Row %(row)s adds a case with the same title.") % {"row": earlier})
        same = Case.objects.visible_to(run.user).filter(title__iexact=case.title).order_by("pk")[:3]
        if same:
            row.warn(
                "title",
                _(
                    "Already recorded with this title: %(cases)s. To update it, give its "
                    "reference; otherwise a new case is added."
                )
                % {"cases": ", ".join(c.reference for c in same)},
            )
