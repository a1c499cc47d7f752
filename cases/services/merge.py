"""Merge two records of one person, and undo a merge exactly.

A merge keeps one record (the survivor) and moves onto it every link of the other: case
parties (their charges and outcomes follow), detentions, follow-ups, affiliations, and any
other record pointing at a person; it adds the other's roles, keeps the other's spellings as
aliases, fills the survivor's empty fields the user chose, and retires the other record
(marked deleted and ``merged_into`` the survivor). A protected identity stays protected: if
either was, the survivor is.

When both were parties to the same case in the same role (the database allows one such row),
the other's party is folded into the survivor's: its charges and outcomes move there unless
the survivor's party already has the same one (same offence, same instance), in which case
that row is set aside (marked deleted by the merge) with the other's party.

Everything happens in one transaction; every row is saved through the ORM, so the audit
trail records each change, and ``audit.record(action="merge")`` names the merge. A
``MergeRecord`` keeps the journal of the steps with the values before and after; undoing
checks that each step still holds (nothing moved, restored or edited since) and reverses
them, or refuses with the list of what changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

import audit
from audit.trail import serialise
from cases.duplicates import normalise
from cases.models import CaseParty, DuplicateDismissal, MergeRecord, Person, Role, Sex

# What the survivor may take from the other when its own is empty: form key -> columns.
FILLABLE: dict[str, tuple[str, ...]] = {
    "name_khmer": ("name_khmer",),
    "sex": ("sex",),
    "birth": ("birth_on", "birth_precision", "birth_until"),
    "nationality": ("nationality",),
    "group": ("group",),
    "contact": ("contact",),
    "notes": ("notes",),
    "source": ("source",),
}
# Links to people that are not the person's records: never moved.
NOT_MOVED = {(Person, "merged_into"), (MergeRecord, "survivor"), (MergeRecord, "merged")}
NOT_MOVED |= {(DuplicateDismissal, "person_low"), (DuplicateDismissal, "person_high")}


class MergeRefused(ValidationError):
    """Raised when a merge, or its undoing, cannot be made safely; says why."""


@dataclass(frozen=True)
class Move:
    """A row whose link to a person (or to a party) moves from one record to another."""

    row: models.Model
    field: str
    source: int
    target: int

    @property
    def label(self) -> str:
        return f"{capfirst(self.row._meta.verbose_name)} #{self.row.pk}"


@dataclass
class MergePlan:
    """What merging ``merged`` into ``survivor`` would do, read without changing anything."""

    survivor: Person
    merged: Person
    moves: list[Move] = field(default_factory=list)
    set_aside: list[models.Model] = field(default_factory=list)
    folded: list[tuple[CaseParty, CaseParty]] = field(default_factory=list)
    fillable: list[str] = field(default_factory=list)
    roles_added: list[Role] = field(default_factory=list)
    aliases: str = ""
    protection: dict[str, object] = field(default_factory=dict)
    blocking: list[str] = field(default_factory=list)

    def moved(self, model: type[models.Model]) -> list[Move]:
        return [move for move in self.moves if type(move.row) is model]


def _is_empty(person: Person, key: str) -> bool:
    if key == "sex":
        return person.sex == Sex.UNKNOWN
    if key == "birth":
        return person.birth_on is None
    if key == "group":
        return person.group_id is None
    return not getattr(person, key)


def _person_links() -> Iterable[models.ForeignObjectRel]:
    for relation in Person._meta.related_objects:
        if (relation.related_model, relation.field.name) not in NOT_MOVED:
            yield relation


def _unique_conflict(row: models.Model, field_name: str, target: int) -> bool:
    """Return True when moving ``row``'s ``field_name`` to ``target`` breaks a unique rule."""
    model = type(row)
    groups = [
        tuple(constraint.fields)
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint) and field_name in constraint.fields
    ]
    groups += [tuple(names) for names in model._meta.unique_together if field_name in names]
    if model._meta.get_field(field_name).unique:
        groups.append((field_name,))
    for names in groups:
        lookup = {}
        for name in names:
            column = model._meta.get_field(name).attname
            lookup[column] = target if name == field_name else getattr(row, column)
        if None in lookup.values():
            continue  # partial constraints hold only for non-null values here
        if model._base_manager.filter(**lookup).exclude(pk=row.pk).exists():
            return True
    return False


def _fold_party(plan: MergePlan, party: CaseParty, twin: CaseParty) -> None:
    """Plan moving what hangs off ``party`` onto the survivor's ``twin`` in the same case."""
    if twin.is_deleted and not party.is_deleted:
        plan.blocking.append(
            _(
                "Both are %(role)s in case %(case)s, and the survivor's party there is deleted: "
                "restore it first (Deleted records)."
            )
            % {"role": party.get_role_display().lower(), "case": party.case.reference}
        )
        return
    plan.folded.append((party, twin))
    for relation in CaseParty._meta.related_objects:
        if relation.many_to_many or relation.one_to_one:
            continue
        name = relation.field.name
        for child in relation.related_model._base_manager.filter(**{name: party.pk}).order_by("pk"):
            if _unique_conflict(child, name, twin.pk):
                if not getattr(child, "is_deleted", True):
                    plan.set_aside.append(child)
            else:
                plan.moves.append(Move(child, name, party.pk, twin.pk))
    if not party.is_deleted:
        plan.set_aside.append(party)


def kept_spellings(survivor: Person, merged: Person) -> str:
    """Return the survivor's aliases with the other's name and aliases added (once each)."""
    lines = survivor.alias_list
    known = {normalise(survivor.name), *(normalise(line) for line in lines)}
    for spelling in [merged.name, *merged.alias_list]:
        if normalise(spelling) not in known:
            known.add(normalise(spelling))
            lines.append(spelling)
    return "\n".join(lines)


def plan_merge(*, survivor: Person, merged: Person) -> MergePlan:
    """Return what merging ``merged`` into ``survivor`` would move, fill and set aside."""
    plan = MergePlan(survivor=survivor, merged=merged)
    if survivor.pk == merged.pk:
        plan.blocking.append(_("A person cannot be merged into themselves."))
        return plan
    for person in (survivor, merged):
        if person.is_deleted:
            plan.blocking.append(
                _("Person #%(pk)s is deleted: restore them first.") % {"pk": person.pk}
            )
    if plan.blocking:
        return plan
    for relation in _person_links():
        model, name = relation.related_model, relation.field.name
        rows = model._base_manager.filter(**{name: merged.pk}).order_by("pk")
        if relation.many_to_many or relation.one_to_one:
            if rows.exists():
                plan.blocking.append(
                    _("Links of this kind cannot be merged: %(kind)s.")
                    % {"kind": model._meta.verbose_name_plural}
                )
            continue
        if model is CaseParty:
            rows = rows.select_related("case")
        for row in rows:
            twin = None
            if model is CaseParty:
                twin = (
                    CaseParty.all_objects.filter(case=row.case_id, role=row.role, person=survivor)
                    .select_related("case")
                    .first()
                )
            if twin is not None:
                _fold_party(plan, row, twin)
            elif _unique_conflict(row, name, survivor.pk):
                plan.blocking.append(
                    _("%(record)s cannot move: the survivor already has one like it.")
                    % {"record": f"{capfirst(model._meta.verbose_name)} #{row.pk}"}
                )
            else:
                plan.moves.append(Move(row, name, merged.pk, survivor.pk))
    plan.fillable = [
        key for key in FILLABLE if _is_empty(survivor, key) and not _is_empty(merged, key)
    ]
    have = set(survivor.roles.values_list("pk", flat=True))
    plan.roles_added = [role for role in merged.roles.all() if role.pk not in have]
    plan.aliases = kept_spellings(survivor, merged)
    if merged.is_protected and not survivor.is_protected:
        plan.protection = {
            "is_protected": True,
            "pseudonym": survivor.pseudonym or merged.pseudonym,
        }
    return plan


def _save(row: models.Model, **values) -> None:
    """Set a few columns of a locked row and save it (audited by the model signals).

    A full save, not ``update_fields``: the audit trail then records exactly the columns that
    changed (with ``update_fields`` it lists every other column as emptied).
    """
    for name, value in values.items():
        setattr(row, name, value)
    row.save()


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _locked_people(*pks: int) -> dict[int, Person]:
    # Locked in primary key order: two merges of the same people cannot deadlock.
    rows = Person.all_objects.select_for_update().filter(pk__in=pks).order_by("pk")
    return {person.pk: person for person in rows}


@transaction.atomic
def merge_people(
    *,
    survivor: Person,
    merged: Person,
    by,
    fill: Iterable[str] = (),
    keep_spellings: bool = True,
    note: str = "",
    versions: tuple[int, int] | None = None,
) -> MergeRecord:
    """Merge ``merged`` into ``survivor``; return the record that allows undoing it.

    ``fill`` names the ``FILLABLE`` fields the survivor takes from the other (only where its
    own is empty); ``versions`` are the people's versions the user saw: a change since refuses.
    """
    people = _locked_people(survivor.pk, merged.pk)
    survivor, merged = people[survivor.pk], people[merged.pk]
    if versions is not None and versions != (survivor.version, merged.version):
        raise MergeRefused(
            _("One of the two records was changed since this page was opened. Check again.")
        )
    plan = plan_merge(survivor=survivor, merged=merged)
    if plan.blocking:
        raise MergeRefused(plan.blocking)
    now = timezone.now()
    stamp = serialise(now)
    journal: list[dict] = []
    for move in plan.moves:
        row = type(move.row)._base_manager.select_for_update().get(pk=move.row.pk)
        _save(row, **{row._meta.get_field(move.field).attname: move.target})
        journal.append(
            {
                "op": "move",
                "model": _label(type(row)),
                "pk": row.pk,
                "field": move.field,
                "from": move.source,
                "to": move.target,
            }
        )
    for aside in plan.set_aside:
        row = type(aside)._base_manager.select_for_update().get(pk=aside.pk)
        _save(row, deleted_at=now, deleted_by=by)
        journal.append({"op": "set_aside", "model": _label(type(row)), "pk": row.pk, "at": stamp})
    changes: dict[str, object] = {}
    for key in plan.fillable:
        if key in set(fill):
            for name in FILLABLE[key]:
                attname = Person._meta.get_field(name).attname
                changes[attname] = getattr(merged, attname)
    if keep_spellings and plan.aliases != survivor.aliases:
        changes["aliases"] = plan.aliases
    changes.update(plan.protection)
    for attname, value in changes.items():
        journal.append(
            {
                "op": "field",
                "field": attname,
                "from": serialise(getattr(survivor, attname)),
                "to": serialise(value),
            }
        )
        setattr(survivor, attname, value)
    if changes:
        try:
            survivor.full_clean(exclude=["roles"])
        except ValidationError as error:
            raise MergeRefused(error.messages) from error
        survivor.save()
    if plan.roles_added:
        survivor.roles.add(*plan.roles_added)
        journal.append({"op": "roles", "added": sorted(role.pk for role in plan.roles_added)})
    _save(merged, deleted_at=now, deleted_by=by, merged_into=survivor)
    journal.append({"op": "retire", "pk": merged.pk, "at": stamp})
    record = MergeRecord(
        survivor=survivor,
        merged=merged,
        merged_by=by,
        journal=journal,
        is_protected=survivor.is_protected or merged.is_protected,
        note=note,
    )
    record.full_clean()
    record.save()
    detail = {
        "merge": record.pk,
        "survivor": survivor.pk,
        "merged": merged.pk,
        "moved": len(plan.moves),
        "set_aside": len(plan.set_aside),
    }
    for person in (survivor, merged):
        audit.record(action="merge", obj=person, actor=by, detail=detail)
    return record


# Undo ----------------------------------------------------------------------------------------


def _row(step: dict) -> models.Model | None:
    model = apps.get_model(step["model"])
    return model._base_manager.filter(pk=step["pk"]).first()


def _name(step: dict) -> str:
    model = apps.get_model(step["model"])
    return f"{capfirst(model._meta.verbose_name)} #{step['pk']}"


def undo_problems(record: MergeRecord) -> list[str]:
    """Return what changed since the merge and makes undoing it unsafe (empty: safe)."""
    if record.is_undone:
        return [_("This merge has already been undone.")]
    survivor = Person.all_objects.get(pk=record.survivor_id)
    merged = Person.all_objects.get(pk=record.merged_id)
    problems = []
    if survivor.is_deleted:
        problems.append(
            _(
                "The surviving person #%(pk)s has been deleted or merged since: restore it, or "
                "undo the later merge, first."
            )
            % {"pk": survivor.pk}
        )
    for step in record.journal:
        op = step["op"]
        if op == "move":
            row = _row(step)
            column = row._meta.get_field(step["field"]).attname if row else None
            if row is None or getattr(row, column) != step["to"]:
                problems.append(_("%(record)s has been moved since.") % {"record": _name(step)})
        elif op == "set_aside":
            row = _row(step)
            if row is None or serialise(row.deleted_at) != step["at"]:
                problems.append(_("%(record)s has been restored since.") % {"record": _name(step)})
        elif op == "field":
            if serialise(getattr(survivor, step["field"])) != step["to"]:
                verbose = Person._meta.get_field(step["field"]).verbose_name
                problems.append(
                    _("The survivor's “%(field)s” has been changed since.") % {"field": verbose}
                )
        elif op == "retire" and (
            serialise(merged.deleted_at) != step["at"] or merged.merged_into_id != survivor.pk
        ):
            problems.append(
                _("The merged person #%(pk)s has been restored or changed since.")
                % {"pk": merged.pk}
            )
    return problems


def _stored(attname: str, value):
    """Return a journal value as the column takes it (dates come back from ISO strings)."""
    field_ = next(f for f in Person._meta.concrete_fields if f.attname == attname)
    return value if value is None or field_.is_relation else field_.to_python(value)


@transaction.atomic
def undo_merge(*, record: MergeRecord, by) -> MergeRecord:
    """Put both people and every link back as they were before the merge; return the record."""
    record = MergeRecord.objects.select_for_update().get(pk=record.pk)
    people = _locked_people(record.survivor_id, record.merged_id)
    survivor, merged = people[record.survivor_id], people[record.merged_id]
    problems = undo_problems(record)
    if problems:
        raise MergeRefused(problems)
    fields: dict[str, object] = {}
    try:
        with transaction.atomic():
            for step in reversed(record.journal):
                op = step["op"]
                if op == "retire":
                    _save(merged, deleted_at=None, deleted_by=None, merged_into=None)
                elif op == "roles":
                    survivor.roles.remove(*step["added"])
                elif op == "field":
                    fields[step["field"]] = _stored(step["field"], step["from"])
                elif op == "set_aside":
                    _save(_row(step), deleted_at=None, deleted_by=None)
                elif op == "move":
                    row = _row(step)
                    _save(row, **{row._meta.get_field(step["field"]).attname: step["from"]})
            if fields:
                for attname, value in fields.items():
                    setattr(survivor, attname, value)
                survivor.save()
    except IntegrityError as error:
        raise MergeRefused(
            _("Undoing would break a rule of the records (%(error)s); nothing was changed.")
            % {"error": error}
        ) from error
    record.undone_at = timezone.now()
    record.undone_by = by
    record.save()
    detail = {"merge": record.pk, "survivor": survivor.pk, "merged": merged.pk}
    for person in (survivor, merged):
        audit.record(action="merge_undo", obj=person, actor=by, detail=detail)
    return record
