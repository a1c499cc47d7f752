"""Nothing lost: deleting marks records deleted, hides them everywhere, and can be undone."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases.forms import CourtForm
from cases.models import (
    Case,
    CaseParty,
    Charge,
    Court,
    Detention,
    FollowUp,
    Hearing,
    Person,
    TrialOutcome,
)
from cases.services.proceedings import record_hearing_outcome
from cases.services.records import RecordInUse, delete_record, restore_record
from reminders.dispatch import deliver_reminder, run_pass
from reminders.models import Reminder
from tests.factories import (
    make_case,
    make_charge,
    make_court,
    make_detention,
    make_followup,
    make_hearing,
    make_outcome,
    make_party,
    make_person,
)

pytestmark = pytest.mark.django_db


def a_full_case(**kw):
    case = make_case(**kw)
    party = make_party(case=case)
    return {
        "case": case,
        "party": party,
        "charge": make_charge(party=party),
        "outcome": make_outcome(party=party),
        "hearing": make_hearing(case=case),
        "followup": make_followup(case=case),
    }


def is_deleted(obj) -> bool:
    return type(obj).all_objects.get(pk=obj.pk).deleted_at is not None


# Deleting and restoring ------------------------------------------------------------------------


def test_deleting_a_case_marks_it_and_what_hangs_off_it(client_for, supervisor):
    records = a_full_case()
    case = records["case"]
    client = client_for(supervisor)
    response = client.post(reverse("cases:case-delete", args=[case.pk]))
    assert response.status_code == 302
    assert all(is_deleted(obj) for obj in records.values())
    stamps = {type(o).all_objects.get(pk=o.pk).deleted_at for o in records.values()}
    assert len(stamps) == 1  # one deletion, one moment: restored together
    assert Case.all_objects.get(pk=case.pk).deleted_by == supervisor
    # Gone from every screen and every count.
    assert client.get(case.get_absolute_url()).status_code == 404
    assert client.get(records["hearing"].get_absolute_url()).status_code == 404
    assert case not in client.get(reverse("cases:case-list")).context["object_list"]
    assert not Hearing.objects.exists() and not CaseParty.objects.exists()
    assert not Charge.objects.exists() and not TrialOutcome.objects.exists()
    assert not FollowUp.objects.exists()


def test_restoring_a_case_brings_back_what_was_deleted_with_it(supervisor):
    records = a_full_case()
    lone = make_hearing(case=records["case"])
    delete_record(record=lone, by=supervisor)  # deleted on its own, earlier
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        delete_record(record=records["case"], by=supervisor)
    restored = restore_record(record=records["case"], by=supervisor)
    assert {type(r) for r in restored} == {Case, CaseParty, Charge, TrialOutcome, Hearing, FollowUp}
    assert not any(is_deleted(obj) for obj in records.values())
    assert is_deleted(lone)  # not part of that deletion
    assert Case.objects.get(pk=records["case"].pk).deleted_by is None
    restores = AuditEvent.objects.filter(action="restore")
    assert restores.count() == len(records)


def test_a_record_others_depend_on_cannot_be_deleted(client_for, supervisor):
    court = make_court()
    case = make_case(court=court)
    client = client_for(supervisor)
    response = client.post(reverse("cases:court-delete", args=[court.pk]), follow=True)
    assert "cannot be deleted while other records refer to it" in response.content.decode()
    assert not is_deleted(court)
    with pytest.raises(RecordInUse):
        delete_record(record=court, by=supervisor)
    # A deleted case no longer holds the court.
    delete_record(record=case, by=supervisor)
    delete_record(record=court, by=supervisor)
    assert is_deleted(court)


def test_a_case_with_detentions_is_kept_as_a_real_delete_would(supervisor):
    detention = make_detention()
    with pytest.raises(RecordInUse):
        delete_record(record=detention.case, by=supervisor)


def test_a_record_cannot_come_back_while_what_it_belongs_to_is_deleted(supervisor):
    records = a_full_case()
    delete_record(record=records["hearing"], by=supervisor)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        delete_record(record=records["case"], by=supervisor)
    with pytest.raises(ValidationError, match="Restore first"):
        restore_record(record=records["hearing"], by=supervisor)


def test_monitors_still_cannot_delete(client_for, monitor):
    case = make_case(monitors=[monitor])
    assert client_for(monitor).post(reverse("cases:case-delete", args=[case.pk])).status_code == 403
    assert not is_deleted(case)


# What stays hidden and what stays taken -------------------------------------------------------


def test_people_of_a_deleted_restricted_case_stay_hidden(client_for, monitor, supervisor):
    person = make_person(name="Hidden Defendant")
    case = make_case(restricted=True)
    make_party(case=case, person=person)
    assert not Person.objects.visible_to(monitor).filter(pk=person.pk).exists()
    delete_record(record=case, by=supervisor)
    # Deleting the case must not turn the defendant into "a person in no case".
    assert not Person.objects.visible_to(monitor).filter(pk=person.pk).exists()
    assert client_for(monitor).get(person.get_absolute_url()).status_code == 404


def test_a_deleted_name_stays_taken_and_the_form_says_where_it_is(supervisor):
    court = make_court(name="Takeo Provincial Court")
    delete_record(record=court, by=supervisor)
    form = CourtForm(data={"name": "Takeo Provincial Court", "level": "first_instance"})
    assert not form.is_valid()
    assert "Deleted records" in str(form.errors["name"])


def test_a_deleted_case_s_reference_is_never_given_again(supervisor):
    case = make_case(reference=Case.next_reference())
    delete_record(record=case, by=supervisor)
    assert Case.next_reference() != case.reference


# Everything that reads the records ignores deleted ones -----------------------------------


def test_reminders_are_not_sent_for_a_deleted_hearing(monitor, supervisor):
    now = timezone.make_aware(dt.datetime(2026, 12, 1, 9, 0))
    case = make_case(monitors=[monitor])
    hearing = make_hearing(case=case, scheduled_at=now + dt.timedelta(days=5))

    def run(at):
        with time_machine.travel(at, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
            run_pass(now=at, enqueue=lambda pk: deliver_reminder(reminder_id=pk))

    run(now)  # the 7-day reminder goes out at once; the 1-day one waits
    sent = Reminder.objects.filter(status=Reminder.Status.SENT).count()
    delete_record(record=hearing, by=supervisor)
    run(now + dt.timedelta(days=4, hours=1))  # the 1-day reminder is due: not for a deleted one
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == sent
    assert not Reminder.objects.filter(status=Reminder.Status.PENDING, due_at__lte=now).exists()


def test_a_deleted_detention_leaves_the_clock_dashboard_and_the_counts(client_for, supervisor):
    detention = make_detention(started_on=timezone.localdate() - dt.timedelta(days=10))
    client = client_for(supervisor)
    dashboard = reverse("cases:clock-dashboard")
    assert detention.get_absolute_url() in client.get(dashboard).content.decode()
    delete_record(record=detention, by=supervisor)
    assert detention.get_absolute_url() not in client.get(dashboard).content.decode()
    assert not Detention.objects.current().exists()


def test_a_withdrawn_next_hearing_is_kept_and_comes_back_when_adjourned_again(supervisor):
    hearing = make_hearing()
    next_at = hearing.scheduled_at + dt.timedelta(days=30)
    adjourn = {"status": "adjourned", "next_hearing_at": next_at, "outcome": "No lawyer"}
    record_hearing_outcome(hearing=hearing, **adjourn, by=supervisor)
    following = Hearing.objects.get(previous=hearing)
    hearing.refresh_from_db()
    record_hearing_outcome(
        hearing=hearing, status="held", held_at=hearing.scheduled_at, by=supervisor
    )
    assert is_deleted(following)  # withdrawn, not removed
    hearing.refresh_from_db()
    record_hearing_outcome(hearing=hearing, **adjourn, by=supervisor)
    assert Hearing.objects.get(previous=hearing).pk == following.pk


# The admin ---------------------------------------------------------------------------------


def test_deleting_in_the_admin_marks_deleted_and_hides_the_row(client_for, admin_user):
    court = make_court(name="Admin court")
    client = client_for(admin_user)
    url = reverse("admin:cases_court_delete", args=[court.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert is_deleted(court)
    changelist = client.get(reverse("admin:cases_court_changelist"))
    assert court not in changelist.context["cl"].result_list


# The "Deleted records" page -------------------------------------------------------------------


def test_deleted_records_ladder(client, client_for, monitor, exporter, supervisor):
    url = reverse("cases:deleted-list")
    assert client.get(url).status_code == 302
    assert client_for(monitor).get(url).status_code == 403
    assert client_for(exporter).get(url).status_code == 403
    assert client_for(supervisor).get(url).status_code == 200


def test_deleted_records_lists_what_was_deleted_not_what_went_with_it(client_for, supervisor):
    records = a_full_case(title="The deleted case")
    court = make_court(name="The deleted court")
    delete_record(record=records["case"], by=supervisor)
    delete_record(record=court, by=supervisor)
    client = client_for(supervisor)
    rows = client.get(reverse("cases:deleted-list")).context["rows"]
    assert [(row.model, row.pk) for row in rows] == [(Court, court.pk), (Case, records["case"].pk)]
    assert rows[1].deleted_by == supervisor.username
    only_courts = client.get(reverse("cases:deleted-list"), {"type": "court"}).context["rows"]
    assert [row.pk for row in only_courts] == [court.pk]


def test_restoring_from_the_page_asks_first_then_restores(client_for, supervisor):
    records = a_full_case()
    case = records["case"]
    delete_record(record=case, by=supervisor)
    client = client_for(supervisor)
    url = reverse("cases:deleted-restore", args=["case", case.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Yes, restore" in page.content.decode()
    assert not Case.objects.filter(pk=case.pk).exists()  # asking changes nothing
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert Case.objects.filter(pk=case.pk).exists() and Hearing.objects.exists()
    restored = AuditEvent.objects.get(action="restore", model="cases.case", object_id=str(case.pk))
    assert restored.actor == supervisor
    assert client.get(url).status_code == 404  # nothing deleted to restore any more


def test_deleted_records_page_costs_the_same_for_1_or_many(client_for, supervisor):
    client = client_for(supervisor)
    delete_record(record=a_full_case()["case"], by=supervisor)
    delete_record(record=make_court(), by=supervisor)
    client.get(reverse("cases:deleted-list"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("cases:deleted-list"))
    for _ in range(5):
        delete_record(record=a_full_case()["case"], by=supervisor)
        delete_record(record=make_court(), by=supervisor)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("cases:deleted-list"))
    assert len(many) == len(one)
