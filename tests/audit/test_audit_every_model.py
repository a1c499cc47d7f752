"""Every model of ``cases`` is audited on create, update and delete, whatever the path:
the ORM (save, delete), its form views (where it has them) and the admin, with each changed
field's value before and after, and who did it."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import (
    Case,
    CaseParty,
    Charge,
    Court,
    Detention,
    DetentionExtension,
    DetentionFacility,
    DuplicateDismissal,
    FollowUp,
    Hearing,
    MergeRecord,
    Offence,
    Organisation,
    Person,
    PersonGroup,
    Role,
    TrialOutcome,
)
from cases.models.base import SoftDeletable
from cases.services.records import delete_record
from tests.cases.test_admin import MAKERS
from tests.factories import make_offence, make_party, make_person
from tests.support.forms import form_data, single

pytestmark = pytest.mark.django_db

CASES_MODELS = list(apps.get_app_config("cases").get_models())


def label(model) -> str:
    return model._meta.label_lower


def events_since(marker: int, model, **filters):
    return AuditEvent.objects.filter(pk__gt=marker, model=label(model), **filters).order_by("pk")


def last_pk() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def field_to_change(model) -> str:
    if model in (MergeRecord, DuplicateDismissal):
        return "note"
    return "code" if model is Role else "source"


def new_value(model, obj) -> str:
    if model is Role:
        taken = set(Role.objects.values_list("code", flat=True))
        return next(code for code in Role.Code.values if code not in taken)
    return "Changed for the audit test"


def test_the_test_covers_every_model_of_cases():
    assert set(CASES_MODELS) == set(MAKERS)


# Through the ORM -----------------------------------------------------------------------------


@pytest.mark.parametrize("model", CASES_MODELS, ids=lambda m: m.__name__)
def test_orm_create_update_delete_are_audited_with_before_and_after(model):
    if model is Role:
        Role.objects.all().delete()  # the codes are fixed choices, all seeded
    marker = last_pk()
    obj = MAKERS[model]()
    created = events_since(marker, model, action="create", object_id=str(obj.pk)).get()
    field = field_to_change(model)
    old = getattr(obj, field)
    assert created.actor_label.startswith("system: ")
    assert created.actor is None
    if old not in ("", None):
        assert created.changes[field] == [None, old]

    marker = last_pk()
    value = new_value(model, obj)
    version = obj.version
    setattr(obj, field, value)
    obj.save()
    updated = events_since(marker, model, action="update").get()
    assert updated.object_id == str(obj.pk)
    assert updated.changes == {field: [old, value]}
    assert updated.object_version == obj.version == version + 1

    if issubclass(model, SoftDeletable):
        marker = last_pk()
        delete_record(record=obj, by=None)
        soft = events_since(marker, model, object_id=str(obj.pk)).get()
        assert soft.action == "delete"
        before, after = soft.changes["deleted_at"]
        assert before is None and after is not None

    marker = last_pk()
    pk = obj.pk
    type(obj)._base_manager.get(pk=pk).delete()
    removed = events_since(marker, model, object_id=str(pk), action="delete").first()
    assert removed is not None
    assert removed.detail == "removed from the database"
    assert removed.changes[field] == [value, None]


# Through the screens --------------------------------------------------------------------------


def web_pages(model, obj) -> dict[str, str]:
    """Return the create, update and delete URLs of a record on the screens."""
    name = {
        Case: "case",
        CaseParty: "party",
        Charge: "charge",
        Hearing: "hearing",
        TrialOutcome: "outcome",
        Detention: "detention",
        DetentionExtension: "extension",
        FollowUp: "followup",
        Person: "person",
        PersonGroup: "group",
        Organisation: "organisation",
        Court: "court",
        DetentionFacility: "facility",
    }[model]
    parent_args = {
        CaseParty: lambda: [obj.case_id],
        Charge: lambda: [obj.party_id],
        Hearing: lambda: [obj.case_id],
        TrialOutcome: lambda: [obj.party_id],
        Detention: lambda: [obj.case_id],
        DetentionExtension: lambda: [obj.detention_id],
        FollowUp: lambda: [obj.case_id],
    }.get(model, list)()
    return {
        "create": reverse(f"cases:{name}-create", args=parent_args),
        "update": reverse(f"cases:{name}-update", args=[obj.pk]),
        "delete": reverse(f"cases:{name}-delete", args=[obj.pk]),
    }


WEB_MODELS = [
    Case,
    CaseParty,
    Charge,
    Hearing,
    TrialOutcome,
    Detention,
    DetentionExtension,
    FollowUp,
    Person,
    PersonGroup,
    Organisation,
    Court,
    DetentionFacility,
]


def make_for_web(model):
    if model is Charge:
        return MAKERS[model]()
    if model is CaseParty:
        return make_party()
    return MAKERS[model]()


def unique_for_new(model, data: dict, obj) -> dict:
    """Change what must be unique, so the edited record's data makes a new one."""
    data = dict(data)
    if model is Case:
        data["reference"] = ""
    elif model in (Organisation, Court, DetentionFacility):
        data["name"] = data["name"] + " (new)"
    elif model is PersonGroup:
        data["label"] = data["label"] + " (new)"
    elif model is CaseParty:
        data["role"] = CaseParty.Role.WITNESS
    elif model is Charge:
        data["offence"] = str(make_offence().pk)
    elif model is TrialOutcome:
        data["instance"] = "appeal"
    elif model is FollowUp:
        data.update(person="", detention="")  # the new one names none of the case's people
    elif model is Person:
        data["create_anyway"] = "1"  # the same name again: past the duplicate warning
    data.pop("version", None)
    return data


@pytest.mark.parametrize("model", WEB_MODELS, ids=lambda m: m.__name__)
def test_form_views_create_update_delete_are_audited(client_for, supervisor, model):
    obj = make_for_web(model)
    client = client_for(supervisor)
    pages = web_pages(model, obj)
    edit = client.get(pages["update"])
    assert edit.status_code == 200
    data = single(form_data(edit.content, **{"class": "record-form"}))
    assert data["version"] == str(obj.version)

    marker = last_pk()
    old = data["source"]
    response = client.post(pages["update"], {**data, "source": "Court file, page 12"})
    assert response.status_code == 302, response.context["form"].errors
    updated = events_since(marker, model, action="update", object_id=str(obj.pk)).get()
    assert updated.changes["source"] == [old, "Court file, page 12"]
    assert (updated.actor, updated.actor_label) == (supervisor, supervisor.username)
    assert updated.request_id and updated.ip_address == "127.0.0.1"

    marker = last_pk()
    new = {**unique_for_new(model, data, obj), "source": "Created for the audit test"}
    response = client.post(pages["create"], new)
    assert response.status_code == 302, response.context["form"].errors
    created = events_since(marker, model, action="create").get()
    assert created.actor == supervisor
    assert created.changes["source"] == [None, "Created for the audit test"]

    marker = last_pk()
    assert client.post(pages["delete"]).status_code == 302
    deleted = events_since(marker, model, action="delete", object_id=str(obj.pk)).get()
    assert deleted.actor == supervisor
    assert deleted.changes["deleted_by"] == [None, supervisor.pk]
    assert type(obj).all_objects.filter(pk=obj.pk, deleted_at__isnull=False).exists()


# Through the admin ---------------------------------------------------------------------------


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def without_inline_rows(data: dict) -> dict:
    data = dict(data)
    for key in list(data):
        if key.endswith("-TOTAL_FORMS") or key.endswith("-INITIAL_FORMS"):
            data[key] = "0"
    return data


def unique_for_admin(model, data: dict) -> dict:
    data = without_inline_rows(data)
    data.pop("version", None)
    if model is Role:
        data["code"] = new_value(Role, None)
    elif model in (Organisation, Court, DetentionFacility, Offence):
        data["name"] = data["name"] + " (new)"
    elif model is PersonGroup:
        data["label"] = data["label"] + " (new)"
    elif model is Case:
        data["reference"] = "ADMIN-NEW-0001"
    elif model is CaseParty:
        data["role"] = CaseParty.Role.WITNESS
    elif model is Charge:
        data["offence"] = str(make_offence().pk)
    elif model is TrialOutcome:
        data["instance"] = "appeal"
    elif model is DuplicateDismissal:
        data["person_low"], data["person_high"] = (str(make_person().pk) for _ in range(2))
    return data


# Merge records are read-only in the admin: the screens make and undo them (tests/cases).
ADMIN_EDITED = [model for model in CASES_MODELS if model is not MergeRecord]


@pytest.mark.parametrize("model", ADMIN_EDITED, ids=lambda m: m.__name__)
def test_admin_create_update_delete_are_audited(client_for, admin_user, model):
    if model is Role:
        Role.objects.filter(code__in=Role.Code.values[:3]).delete()  # free some codes
    obj = MAKERS[model]()
    client = client_for(admin_user)
    page = client.get(admin_url(model, "change", obj.pk))
    assert page.status_code == 200
    data = single(form_data(page.content, id=f"{model._meta.model_name}_form"))
    assert data["version"] == str(obj.version)

    field = field_to_change(model)
    value = new_value(model, obj)
    marker = last_pk()
    response = client.post(admin_url(model, "change", obj.pk), {**data, field: value})
    assert response.status_code == 302, response.context["adminform"].form.errors
    updated = events_since(marker, model, action="update", object_id=str(obj.pk)).get()
    assert updated.changes[field][1] == value
    assert updated.actor == admin_user

    marker = last_pk()
    new = {**unique_for_admin(model, data), "_continue": "1"}
    response = client.post(admin_url(model, "add"), new)
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = events_since(marker, model, action="create").get()
    assert created.actor == admin_user

    marker = last_pk()
    response = client.post(admin_url(model, "delete", obj.pk), {"post": "yes"})
    assert response.status_code == 302
    deleted = events_since(marker, model, action="delete", object_id=str(obj.pk)).get()
    assert deleted.actor == admin_user
    if issubclass(model, SoftDeletable):
        assert deleted.changes["deleted_at"][0] is None
        assert type(obj).all_objects.filter(pk=obj.pk).exists()
    else:
        assert deleted.changes[field] == [value, None]
        assert not type(obj)._base_manager.filter(pk=obj.pk).exists()
