"""The search page: the first people and cases found, or one kind page by page."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from .forms import SearchForm
from .search import PREVIEW, search_cases, search_people

KINDS = {
    # kind: (permission, search function, heading, "more" link text)
    "people": ("cases.view_person", search_people, _("People"), _("More people")),
    "cases": ("cases.view_case", search_cases, _("Cases"), _("More cases")),
}


def _group(request, kind: str, query, *, paged: bool) -> dict:
    """Return one kind's results: the first PREVIEW (and whether there are more), or a page."""
    _permission, find, heading, more_label = KINDS[kind]
    hits = find(user=request.user, query=query)
    group = {"kind": kind, "heading": heading, "more_label": more_label}
    if paged:
        page = Paginator(hits, settings.PAGINATE_BY).get_page(request.GET.get("page"))
        return {**group, "hits": page.object_list, "page_obj": page, "count": page.paginator.count}
    preview = hits[: PREVIEW + 1]
    return {**group, "hits": preview[:PREVIEW], "more": len(preview) > PREVIEW}


@require_safe
def search(request):
    kinds = [kind for kind, spec in KINDS.items() if request.user.has_perm(spec[0])]
    if not kinds:
        raise PermissionDenied
    # An empty box shows the form; anything typed is checked (too short or too long: 400).
    form = SearchForm(request.GET if request.GET.get("q", "").strip() else None)
    context = {"form": form, "query": None, "groups": [], "kind": None}
    if form.is_bound and not form.is_valid():
        return render(request, "search/search.html", context, status=400)
    if form.is_bound:
        only = request.GET.get("kind")
        kind = only if only in kinds else None
        context.update(query=form.cleaned_data["q"], kind=kind)
        context["groups"] = [
            _group(request, each, context["query"], paged=kind is not None)
            for each in ([kind] if kind else kinds)
        ]
        context["found"] = any(group["hits"] for group in context["groups"])
    return render(request, "search/search.html", context)
