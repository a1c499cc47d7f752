"""The case timeline: order with fuzzy dates, honest display, kind filter, fixed queries."""

import datetime as dt

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Detention, FollowUp, Hearing, LegalRule, Measure
from cases.rules import table_fingerprint
from cases.timeline import Event, Kind, build_timeline, parse_kinds
from tests.factories import (
    make_case,
    make_charge,
    make_detention,
    make_extension,
    make_followup,
    make_hearing,
    make_offence,
    make_outcome,
    make_party,
    make_person,
)

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2023, 9, 1, 12, 0))


def at(year, month, day, hour=9, minute=0):
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


@pytest.fixture
def story(supervisor):
    """A case whose events come with every kind of date, created out of order."""
    case = make_case()
    person = make_person(name="Sok Chea")
    party = make_party(case=case, person=person)
    make_hearing(case=case, scheduled_at=at(2023, 3, 15), status=Hearing.Status.HELD)
    make_hearing(case=case, scheduled_at=at(2023, 10, 2), kind=Hearing.Kind.APPEAL)
    make_hearing(case=case, scheduled_at=at(2023, 3, 1, 8, 30), status=Hearing.Status.HELD)
    detention = make_detention(
        person=person,
        case=case,
        started_on=dt.date(2023, 3, 20),
        started_precision="month",
        ended_on=dt.date(2023, 6, 30),
        end_reason=Detention.EndReason.BAIL,
    )
    make_extension(detention=detention, ordered_on=dt.date(2023, 4, 10), months=2)
    make_charge(
        party=party,
        offence=make_offence(name="Incitement", article="494"),
        charged_on=dt.date(2022, 8, 5),
        charged_precision="range",
        charged_until=dt.date(2022, 12, 10),
    )
    make_charge(party=party, charged_on=dt.date(2023, 7, 7), charged_precision="year")
    make_outcome(
        party=party,
        verdict_on=dt.date(2023, 5, 25),
        appeal_filed_on=dt.date(2023, 6, 3),
        appeal_filed_precision="month",
        appealed_by="defendant",
    )
    make_followup(case=case, status=FollowUp.Status.DONE, done_on=dt.date(2023, 7, 1))
    make_followup(case=case, due_on=dt.date(2023, 9, 30))
    make_followup(case=case)  # open, no date at all
    return case


def test_entries_come_in_order_of_earliest_day_approximate_first(story, supervisor):
    entries = build_timeline(story, user=supervisor, now=NOW)
    assert [(str(e.when), e.event) for e in entries] == [
        ("between 5 August and 10 December 2022", Event.CHARGE),
        ("2023", Event.CHARGE),
        ("March 2023", Event.DETENTION_START),  # March 1 at the earliest, approximate first
        ("1 March 2023, 08:30", Event.HEARING),
        ("15 March 2023, 09:00", Event.HEARING),
        ("10 April 2023", Event.EXTENSION),
        ("25 May 2023", Event.VERDICT),
        ("June 2023", Event.APPEAL),
        ("25 June 2023", Event.DEADLINE),  # appeal deadline: a month after the verdict
        ("30 June 2023", Event.DETENTION_END),
        ("1 July 2023", Event.FOLLOWUP),
        ("30 September 2023", Event.FOLLOWUP),
        ("2 October 2023, 09:00", Event.HEARING),
        ("Date unknown", Event.FOLLOWUP),
    ]
    approximate = {e.when for e in entries if e.approximate}
    assert approximate == {
        "between 5 August and 10 December 2022",
        "2023",
        "March 2023",
        "June 2023",
    }
    assert [e.when for e in entries if e.is_future] == [
        "30 September 2023",
        "2 October 2023, 09:00",
    ]


def test_same_day_events_follow_the_course_of_a_case(supervisor):
    case = make_case()
    party = make_party(case=case)
    day = dt.date(2023, 4, 1)
    make_outcome(party=party, verdict_on=day)
    make_charge(party=party, charged_on=day)
    make_detention(person=party.person, case=case, started_on=day, arrested_at=at(2023, 4, 1, 7))
    events = [e.event for e in build_timeline(case, user=supervisor, now=NOW) if e.day == day]
    assert events == [Event.ARREST, Event.DETENTION_START, Event.CHARGE, Event.VERDICT]


def test_page_shows_imprecise_dates_honestly_and_marks_future_hearings(client_for, monitor, story):
    response = client_for(monitor).get(reverse("cases:case-timeline", args=[story.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "March 2023" in body
    assert "1 March 2023</span>" not in body  # the month is never shown as its first day
    assert "between 5 August and 10 December 2022" in body
    assert body.count('class="approx"') == 4
    assert "Sok Chea" in body and "Incitement (art. 494)" in body
    # Scheduled for 2 October 2023: in the past by now, so not "to come".
    future = make_hearing(case=story, scheduled_at=timezone.now() + dt.timedelta(days=9))
    body = client_for(monitor).get(reverse("cases:case-timeline", args=[story.pk])).content
    body = body.decode()
    assert body.count('class="hearing future"') == 1
    assert future.get_absolute_url() in body


def test_kind_filter_keeps_only_the_chosen_kinds(client_for, monitor, story):
    url = reverse("cases:case-timeline", args=[story.pk])
    body = client_for(monitor).get(url, {"kind": ["hearing", "detention"]}).content.decode()
    assert 'class="hearing' in body and 'class="detention' in body
    assert 'class="charge' not in body and 'class="followup' not in body
    assert 'value="hearing" id="kind-hearing" checked' in body
    assert 'value="charge" id="kind-charge">' in body  # unticked, so the form says so
    everything = client_for(monitor).get(url, {"kind": "nonsense"}).content.decode()
    assert 'class="charge' in everything and 'class="followup' in everything


def test_empty_filtered_timeline_says_so(client_for, monitor):
    case = make_case()
    make_hearing(case=case)
    url = reverse("cases:case-timeline", args=[case.pk])
    body = client_for(monitor).get(url, {"kind": "followup"}).content.decode()
    assert "No event of these kinds is recorded." in body
    assert (
        "No event recorded for this case yet."
        in (
            client_for(monitor).get(reverse("cases:case-timeline", args=[make_case().pk])).content
        ).decode()
    )


def test_parse_kinds_ignores_unknown_values_and_defaults_to_all():
    assert parse_kinds(["hearing", "bogus"]) == {"hearing"}
    assert parse_kinds([]) == set(Kind.values)
    assert parse_kinds(["bogus"]) == set(Kind.values)


def test_protected_people_appear_under_their_pseudonym(monitor, supervisor):
    case = make_case()
    person = make_person(name="Real Name", is_protected=True, pseudonym="Witness K")
    make_charge(party=make_party(case=case, person=person))
    make_detention(person=person, case=case, arrested_at=at(2023, 1, 20))
    titles = " ".join(e.title for e in build_timeline(case, user=monitor, now=NOW))
    assert "Witness K" in titles and "Real Name" not in titles
    titles = " ".join(e.title for e in build_timeline(case, user=supervisor, now=NOW))
    assert "Real Name" in titles


def busy(case, n):
    for _ in range(n):
        party = make_party(case=case)
        make_charge(party=party)
        make_outcome(party=party, appeal_filed_on=dt.date(2023, 6, 1), appealed_by="defendant")
        detention = make_detention(
            person=party.person,
            case=case,
            arrested_at=at(2023, 1, 19),
            ended_on=dt.date(2023, 5, 1),
            end_reason="bail",
        )
        make_extension(detention=detention)
        make_hearing(case=case)
        make_followup(case=case)


@pytest.mark.parametrize("n", [1, 10])
def test_one_query_per_source_whatever_the_number_of_events(django_assert_num_queries, monitor, n):
    case = make_case(monitors=[monitor])
    busy(case, n)
    monitor.has_perm("cases.view_case")  # load the permission cache, as the view has
    # detentions with their extensions (one join), charges, hearings, fair-trial observations,
    # outcomes, follow-ups; then the legal deadlines, from those same records: the rules.
    # visible=True: the case was read through visible_to(), as the page reads it.
    with django_assert_num_queries(7):
        entries = build_timeline(case, user=monitor, now=NOW, visible=True)
    assert len(entries) == 10 * n  # each verdict has its appeal deadline
    assert sum(e.event == Event.EXTENSION for e in entries) == n
    with django_assert_num_queries(6):
        build_timeline(
            case, user=monitor, kinds=set(Kind.values) - {Kind.DEADLINE}, now=NOW, visible=True
        )
    # The case read with the rule table's fingerprint (as the page reads it): the process's
    # copy of the table, once read, costs no query.
    build_timeline(fingerprinted(case), user=monitor, now=NOW)
    case = fingerprinted(case)
    with django_assert_num_queries(6):
        assert build_timeline(case, user=monitor, now=NOW, visible=True) == entries
    with django_assert_num_queries(1):
        build_timeline(case, user=monitor, kinds={"hearing"}, now=NOW, visible=True)
    # Without visible=True, one query makes sure the user may see the case.
    with django_assert_num_queries(7):
        assert build_timeline(case, user=monitor, now=NOW) == entries


def test_a_case_the_user_may_not_see_has_no_events_for_them(monitor, other_monitor):
    """The sources read the case's records by its key: a caller that did not read the case
    through visible_to() gets nothing for a restricted case the user is not assigned to."""
    case = make_case(restricted=True, monitors=[other_monitor])
    busy(case, 1)
    assert build_timeline(case, user=monitor, now=NOW) == []
    assert len(build_timeline(case, user=other_monitor, now=NOW)) == 10


def fingerprinted(case):
    return Case.objects.annotate(**table_fingerprint()).get(pk=case.pk)


def test_a_rule_changed_elsewhere_applies_at_once(supervisor):
    """Another process changes a rule (no signal reaches this one): the fingerprint moves,
    the process reads the table again."""
    case = make_case()
    party = make_party(case=case)
    make_outcome(party=party)

    def appeal_deadline():
        entries = build_timeline(fingerprinted(case), user=supervisor, kinds={"deadline"}, now=NOW)
        return [e.day for e in entries]

    before = appeal_deadline()
    assert before and appeal_deadline() == before  # from the process's copy the second time
    # As a save in another process changes it: Versioned adds one to the version.
    rules = LegalRule.objects.filter(measure=Measure.APPEAL)
    assert rules.update(period_months=F("period_months") + 1, version=F("version") + 1)
    after = appeal_deadline()
    assert after != before and after[0] > before[0]
    # A rule deleted elsewhere: the count moves.
    LegalRule.objects.filter(measure=Measure.APPEAL)._raw_delete(LegalRule.objects.db)
    assert appeal_deadline() == []


def test_a_vague_release_never_comes_before_its_arrest(supervisor):
    # Kem Sokha's pretrial detention: from 3 September 2017, ended "between" then and the verdict.
    case = make_case()
    party = make_party(case=case)
    make_detention(
        person=party.person,
        case=case,
        started_on=dt.date(2017, 9, 3),
        ended_on=dt.date(2017, 9, 3),
        ended_precision="range",
        ended_until=dt.date(2023, 3, 3),
        end_reason=Detention.EndReason.OTHER,
    )
    events = [e.event for e in build_timeline(case, user=supervisor, now=NOW)]
    assert events.index(Event.DETENTION_START) < events.index(Event.DETENTION_END)


def test_hearing_and_follow_up_links_are_their_records_own(supervisor):
    case = make_case()
    busy(case, 2)
    entries = build_timeline(case, user=supervisor, now=NOW)
    models = {Kind.HEARING: Hearing, Kind.FOLLOWUP: FollowUp}
    linked = [e for e in entries if e.kind in models]
    assert len(linked) == 4
    for entry in linked:
        assert entry.url == models[entry.kind].objects.get(pk=entry.pk).get_absolute_url()


def test_entries_are_escaped_and_keep_their_markup(client_for, supervisor):
    """The entries are written in Python (``render_entries``): what users typed is escaped,
    and each entry keeps its classes, its badges and its link."""
    case = make_case()
    hearing = make_hearing(
        case=case,
        scheduled_at=timezone.now() + dt.timedelta(days=3),
        outcome='<script>alert("x")</script>',
    )
    make_followup(case=case, description="<img src=x onerror=alert(1)>", due_on=dt.date(2020, 1, 1))
    body = client_for(supervisor).get(reverse("cases:case-timeline", args=[case.pk])).content
    body = body.decode()
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    assert '<li class="hearing future">' in body
    assert f'<a href="{hearing.get_absolute_url()}">' in body
    assert '<span class="badge">to come</span>' in body
    assert '<li class="followup">' in body and "overdue" in body


@pytest.mark.parametrize("language", ["en", "km"])
def test_details_are_cut_as_djangos_truncator_cuts_them(language):
    from django.utils import translation
    from django.utils.text import Truncator

    from cases.timeline import DETAIL_WORDS, short

    texts = ["", "one two", " spaced\n out  words ", "word " * DETAIL_WORDS, "word " * 31]
    with translation.override(language):
        for text in texts:
            assert short(text) == Truncator(text).words(DETAIL_WORDS)
    assert short("word " * 31).startswith("word " * (DETAIL_WORDS - 1) + "word")
