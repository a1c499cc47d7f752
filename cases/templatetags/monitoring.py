"""Template helpers: honest fuzzy dates, protected names, sortable headers."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from cases.dates import FuzzyDate
from cases.models import format_months

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
