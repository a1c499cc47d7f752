"""Template helpers: the link to a record's history, for those who may read it."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from audit.display import history_url, may_see_history

register = template.Library()


@register.simple_tag(takes_context=True)
def history_link(context, obj, css_class: str = "button"):
    """Render a "History" link to the record's audit trail, for supervisors only."""
    if obj is None or not may_see_history(context["request"].user):
        return ""
    url = history_url(obj._meta.label_lower, str(obj.pk))
    return format_html('<a class="{}" href="{}">{}</a>', css_class, url, _("History"))
