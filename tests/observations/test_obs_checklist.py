"""The checklist is data: seeded, citing standards, frozen once used, copied to change."""

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from observations.admin import ChecklistAdmin
from observations.models import Checklist, ChecklistItem, Observation, Section
from observations.rollup import case_rollup
from observations.services import save_draft, submit_observation
from tests.factories import make_hearing

pytestmark = pytest.mark.django_db


def test_the_migration_seeds_a_published_checklist_covering_every_section(checklist):
    items = list(checklist.items.all())
    assert checklist.number == 1 and checklist.published_at is not None
    assert {item.section for item in items} == set(Section.values)
    assert len(items) >= 25
    assert all(item.standard for item in items), "every item cites its standard"
    assert all(item.text_km for item in items), "every item has its Khmer wording"
    codes = {item.code: item for item in items}
    assert "ICCPR art. 14(3)(d)" in codes["hearing-counsel-present"].standard
    assert "14(3)(f)" in codes["hearing-interpreter"].standard


def test_the_question_follows_the_active_language(items):
    from django.utils import translation

    item = items[0]
    with translation.override("km"):
        assert item.label == item.text_km
    with translation.override("en"):
        assert item.label == item.text


def test_a_version_used_by_an_observation_is_frozen(hearing, monitor, checklist, items):
    assert not checklist.is_frozen
    save_draft(hearing=hearing, observer=monitor, fields={}, answers={})
    assert checklist.is_frozen
    item = items[0]
    item.text = "Changed after use"
    with pytest.raises(ValidationError, match="copy it to a new version"):
        item.full_clean()


def _run_action(action, queryset, admin_user):
    request = RequestFactory().post("/")
    request.user = admin_user
    request._messages = type("M", (), {"add": lambda *a, **k: None})()
    getattr(ChecklistAdmin(Checklist, site), action)(request, queryset)


def test_old_observations_stay_readable_and_count_with_new_versions(
    hearing, case, monitor, admin_user, checklist, items
):
    counsel = next(i for i in items if i.code == "hearing-counsel-present")
    first, _ = submit_observation(
        hearing=hearing,
        observer=monitor,
        by=monitor,
        fields={"result": "held"},
        answers={counsel.pk: ("violated", "Lawyer sent out of the room")},
        token=None,
    )
    _run_action("copy_to_new_version", Checklist.objects.filter(pk=checklist.pk), admin_user)
    version2 = Checklist.objects.get(number=2)
    assert version2.published_at is None
    assert Checklist.objects.current() == checklist  # a draft version is not used yet
    new_counsel = version2.items.get(code="hearing-counsel-present")
    new_counsel.text = "Defence counsel was present, and allowed to act and to speak."
    new_counsel.full_clean()
    new_counsel.save()
    _run_action("publish", Checklist.objects.filter(pk=version2.pk), admin_user)
    assert Checklist.objects.current() == version2

    later = make_hearing(case=case, scheduled_at=hearing.scheduled_at.replace(year=2030))
    second, _ = submit_observation(
        hearing=later,
        observer=monitor,
        by=monitor,
        fields={"result": "held"},
        answers={new_counsel.pk: ("violated", "")},
        token=None,
    )
    assert second.checklist == version2
    # The first observation still reads against its own wording.
    first.refresh_from_db()
    assert first.checklist == checklist
    assert first.answers.get().item.text == counsel.text
    # The roll-up counts both under the stable code, with the newest wording.
    row = next(r for r in case_rollup(case).rows if r.code == "hearing-counsel-present")
    assert row.violated == 2
    assert row.label == new_counsel.text


def test_admin_cannot_delete_a_version(admin_user):
    request = RequestFactory().get("/")
    request.user = admin_user
    assert not ChecklistAdmin(Checklist, site).has_delete_permission(request)


def test_item_codes_are_unique_within_a_version(checklist):
    duplicate = ChecklistItem(
        checklist=Checklist.objects.create(number=99, title="x"),
        code="a",
        section="hearing",
        text="t",
        standard="s",
    )
    duplicate.save()
    again = ChecklistItem(
        checklist=duplicate.checklist, code="a", section="hearing", text="u", standard="s"
    )
    with pytest.raises(ValidationError, match="already has an item with this code"):
        again.full_clean()
    assert Observation.objects.count() == 0
