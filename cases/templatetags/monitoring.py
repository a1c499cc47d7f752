"""Template helpers: honest fuzzy dates, protected names, sortable headers."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from cases.dates import FuzzyDate
from cases.filter_html import filter_fields_html
from cases.links import PkUrls, esc
from cases.models import Case, format_months

register = template.Library()


@register.filter
def fuzzy(obj, prefix: str) -> str:
    """Render ``obj.<prefix>_on`` with its precision: ``{{ detention|fuzzy:"started" }}``."""
    if obj is None:
        return ""
    value = FuzzyDate.of(obj, prefix)
    return str(value) if value else ""


@register.filter
def months(value) -> str:
    return format_months(value)


@register.simple_tag(takes_context=True)
def person_label(context, person) -> str:
    """Return the name the current user may see (the pseudonym for protected identities)."""
    if person is None:
        return ""
    return person.label_for(context["request"].user)


@register.simple_tag(takes_context=True)
def sort_header(context, field: str, label: str, param: str = "o"):
    """Render a column header that sorts by ``field``, toggling the direction."""
    request = context["request"]
    current = request.GET.get(param, "")
    query = request.GET.copy()
    query.pop("page", None)
    # The state is told in words: aria-sort belongs on the <th>, not on the link inside it.
    if current == field:
        query[param] = f"-{field}"
        arrow, state = "▲", _("sorted ascending")
    elif current == f"-{field}":
        query[param] = field
        arrow, state = "▼", _("sorted descending")
    else:
        query[param] = field
        return format_html(
            '<a href="?{}" title="{}">{}</a>',
            query.urlencode(),
            _("Sort by %(label)s") % {"label": label},
            label,
        )
    return format_html(
        '<a href="?{}" title="{}">{} <span aria-hidden="true">{}</span>'
        '<span class="visually-hidden"> ({})</span></a>',
        query.urlencode(),
        _("Sort by %(label)s") % {"label": label},
        label,
        arrow,
        state,
    )


@register.simple_tag
def case_rows(cases) -> str:
    """Render the case list's rows (``cases/case_list.html``).

    Built here rather than in a template loop: the engine's lookups for seven cells of fifty
    rows cost more than the rest of the page. Every value is escaped; the markup is the one
    the list has always had.
    """
    labels = {
        key: esc(label)
        for key, label in (
            ("reference", _("Reference")),
            ("title", _("Title")),
            ("category", _("Category")),
            ("stage", _("Stage")),
            ("court", _("Court")),
            ("began", _("Events began")),
            ("defendants", _("Defendants")),
        )
    }
    restricted = f' <span class="badge restricted">{esc(_("restricted"))}</span>'
    urls = PkUrls()
    html = []
    for case in cases:
        court = esc(case.court_name or "")
        if case.court_case_number:
            court += f"<br><small>{esc(case.court_case_number)}</small>"
        opened = FuzzyDate.of(case, "opened")
        status_class = "badge open" if case.status == Case.Status.OPEN else "badge"
        html.append(
            "<tr>"
            f'<td data-label="{labels["reference"]}">'
            f'<a href="{esc(urls("cases:case-detail", case.pk))}">{esc(case.reference)}</a>'
            f"{restricted if case.is_restricted else ''}</td>"
            f'<td data-label="{labels["title"]}">{esc(case.title)}</td>'
            f'<td data-label="{labels["category"]}">{esc(case.category_label)}</td>'
            f'<td data-label="{labels["stage"]}"><span class="badge">{esc(case.stage_label)}'
            f'</span> <span class="{status_class}">{esc(case.status_label)}</span></td>'
            f'<td data-label="{labels["court"]}">{court}</td>'
            f'<td data-label="{labels["began"]}">{esc(opened or "")}</td>'
            f'<td data-label="{labels["defendants"]}" class="num">{case.defendant_count}</td>'
            "</tr>\n"
        )
    return mark_safe("".join(html))  # every value above is escaped


@register.simple_tag
def filter_fields(form) -> str:
    """The fields of a list's filter form but its sort key (``partials/filters.html``),
    kept per process for the values, labels and choices they show (``cases.filter_html``)."""
    return filter_fields_html(form)
