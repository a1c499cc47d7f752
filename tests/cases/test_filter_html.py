"""A list's filter form is written once for each thing it can show (``cases.filter_html``):
the kept HTML is always what a fresh rendering would write."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from cases.filter_html import CACHE, filter_fields_html, render, shown_fields
from cases.filters.cases import CaseFilter
from cases.models import Case, Court
from tests.factories import make_court

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    CACHE.clear()
    yield
    CACHE.clear()


def form_for(user, query: str = ""):
    request = RequestFactory().get(f"/cases/?{query}")
    request.user = user
    filterset = CaseFilter(request.GET or None, queryset=Case.objects.all(), request=request)
    filterset.is_valid()
    return filterset.form


def fresh(user, query: str = "") -> str:
    return render(shown_fields(form_for(user, query)))


@pytest.mark.parametrize(
    "query",
    [
        "",
        "status=open",
        "status=closed&category=land&q=%3Cb%3Ex%3C%2Fb%3E",
        "mine=on&opened_after=2023-01-01",
        "court={court}",
        "court={court}&o=-title&page=2",
    ],
)
def test_kept_html_is_what_a_fresh_rendering_writes(supervisor, query):
    court = make_court(name="Kandal Provincial Court")
    query = query.format(court=court.pk)
    first = filter_fields_html(form_for(supervisor, query))
    kept = filter_fields_html(form_for(supervisor, query))
    assert CACHE.hits == 1
    assert first == kept == fresh(supervisor, query)
    if "court=" in query:
        assert f'<option value="{court.pk}" selected>Kandal Provincial Court</option>' in kept
    if "q=" in query:
        assert "&lt;b&gt;x&lt;/b&gt;" in kept and "<b>x" not in kept


def test_a_court_added_renamed_or_deleted_shows_at_once(supervisor):
    court = make_court(name="Old Name Court")
    assert "Old Name Court" in filter_fields_html(form_for(supervisor))
    court.name = "New Name Court"
    court.save()
    assert "New Name Court" in filter_fields_html(form_for(supervisor))
    make_court(name="Brand New Court")
    html = filter_fields_html(form_for(supervisor))
    assert "Brand New Court" in html and "Old Name Court" not in html
    assert CACHE.hits == 0  # each change made a new entry
    Court.objects.filter(name="Brand New Court").delete()
    assert "Brand New Court" not in filter_fields_html(form_for(supervisor))
    assert CACHE.hits == 1  # the same courts as before the addition: that entry again


def test_each_language_has_its_own_and_a_form_with_errors_is_never_kept(supervisor):
    with translation.override("en"):
        english = filter_fields_html(form_for(supervisor))
    with translation.override("km"):
        khmer = filter_fields_html(form_for(supervisor))
    assert english != khmer and "Category" in english and "Category" not in khmer
    bad = "opened_after=not-a-date&court=999999"
    html = filter_fields_html(form_for(supervisor, bad))
    assert 'class="field has-error"' in html and html == fresh(supervisor, bad)
    entries = len(CACHE.entries)
    filter_fields_html(form_for(supervisor, bad))
    assert len(CACHE.entries) == entries == 2


def test_the_cache_is_bounded():
    from cases.filter_html import FilterHtml

    cache = FilterHtml(size=3)
    for n in range(5):
        cache.put((n,), f"html {n}")
    assert list(cache.entries) == [(2,), (3,), (4,)]
    assert cache.get((2,)) == "html 2"
    cache.put((5,), "html 5")
    assert list(cache.entries) == [(4,), (2,), (5,)]


def test_the_list_page_shows_the_kept_fields(client_for, supervisor):
    make_court(name="Takeo Court")
    client = client_for(supervisor)

    def filter_form():
        page = client.get(reverse("cases:case-list"), {"status": "open"}).content.decode()
        start = page.index('<form method="get" class="filter-form">')
        return page[start : page.index("</form>", start)]

    first, again = filter_form(), filter_form()
    assert first == again and "Takeo Court" in again
    assert '<option value="open" selected>' in again
    assert CACHE.hits >= 1


def test_the_case_filters_form_class_is_built_once_and_each_form_has_its_own_fields(supervisor):
    """``static_form``: one form class per process, but no form shares a field with another;
    a choice narrowed on one form, or an error, never reaches the next."""
    from cases.filters.followups import FollowUpFilter

    first, second = form_for(supervisor, "court=abc"), form_for(supervisor)
    assert type(first) is type(second)
    assert first.fields["court"] is not second.fields["court"]
    first.fields["court"].queryset = Court.objects.none()
    assert "court" in first.errors and not second.errors
    takeo = make_court(name="Takeo Court")
    choices = [(str(value), label) for value, label in second.fields["court"].choices]
    assert (str(takeo.pk), "Takeo Court") in choices
    with translation.override("km"):
        assert form_for(supervisor).fields["category"].label != "Category"
    request = RequestFactory().get("/")
    request.user = supervisor
    followups = [FollowUpFilter(request.GET, request=request).form for _ in range(2)]
    assert type(followups[0]) is not type(followups[1])  # its owners are read per request
