"""The form renderer (``FORM_RENDERER``): Django's, with its commonest templates done in Python.

Every field of every form goes through Django's template engine: a label is a template, an
``<input>`` a template and an include of the attributes' template, a ``<select>`` a template
with an include per option (each with its own include of the attributes). The filter form of a
list page (nine fields, a court list of dozens of options) cost more than the rest of the page
header. This renderer writes the same bytes as those templates, in Python, for the templates
listed in ``PYTHON``; any other template (and any of these overridden by an installed app or
the project) goes through Django's engine as before. ``tests/cases/test_form_renderer.py``
compares both renderings for every form of the project.
"""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe

WIDGETS = "django/forms/widgets/"


def escaped(value) -> str:
    """``{{ value }}`` in a template: escaped unless already safe."""
    return conditional_escape(value)


def as_string(value) -> str:
    """``{{ value|stringformat:'s' }}``: "%s", kept safe when the value was safe."""
    text = "%s" % (value,)  # noqa: UP031 -- the filter's own formatting, for any value
    return text if isinstance(value, SafeData) else conditional_escape(text)


def attributes(attrs: dict) -> str:
    """``django/forms/widgets/attrs.html`` (and ``django/forms/attrs.html``)."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {escaped(name)}")
        if value is not True:
            parts.append(f'="{as_string(value)}"')
    return "".join(parts)


def render_input(widget: dict) -> str:
    """``django/forms/widgets/input.html`` (text, date, number, checkbox... include it)."""
    value = widget["value"]
    shown = f' value="{as_string(value)}"' if value is not None else ""
    return (
        f'<input type="{escaped(widget["type"])}" name="{escaped(widget["name"])}"{shown}'
        f"{attributes(widget['attrs'])}>"
    )


def render_option(option: dict) -> str:
    """``django/forms/widgets/select_option.html``, with its final newline."""
    return (
        f'<option value="{as_string(option["value"])}"{attributes(option["attrs"])}>'
        f"{escaped(option['label'])}</option>\n"
    )


def render_select(widget: dict) -> str | None:
    """``django/forms/widgets/select.html``; None when an option has a template of its own."""
    parts = [f'<select name="{escaped(widget["name"])}"{attributes(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{escaped(group_name)}">')
        for option in group_choices:
            if option["template_name"] != WIDGETS + "select_option.html":
                return None
            parts.append("\n  " + render_option(option))
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def render_label(context: dict) -> str:
    """``django/forms/label.html``."""
    if not context.get("use_tag"):
        return escaped(context["label"])
    tag = escaped(context["tag"])
    return f"<{tag}{attributes(context.get('attrs') or {})}>{escaped(context['label'])}</{tag}>"


PYTHON = {
    WIDGETS + "input.html": lambda context: render_input(context["widget"]),
    WIDGETS + "text.html": lambda context: render_input(context["widget"]),
    WIDGETS + "date.html": lambda context: render_input(context["widget"]),
    WIDGETS + "number.html": lambda context: render_input(context["widget"]),
    WIDGETS + "email.html": lambda context: render_input(context["widget"]),
    WIDGETS + "search.html": lambda context: render_input(context["widget"]),
    WIDGETS + "hidden.html": lambda context: render_input(context["widget"]),
    WIDGETS + "checkbox.html": lambda context: render_input(context["widget"]),
    WIDGETS + "select.html": lambda context: render_select(context["widget"]),
    "django/forms/label.html": render_label,
}


class FastRenderer(DjangoTemplates):
    """Django's default renderer; the templates of ``PYTHON`` are written in Python."""

    @cached_property
    def in_python(self) -> frozenset[str]:
        """The templates of ``PYTHON`` that resolve to Django's own (not overridden)."""
        own = []
        for name in PYTHON:
            origin = self.get_template(name).origin.name.replace("\\", "/")
            if origin.endswith("/django/forms/templates/" + name):
                own.append(name)
        return frozenset(own)

    def render(self, template_name, context, request=None):
        if template_name in self.in_python:
            html = PYTHON[template_name](context)
            if html is not None:
                return mark_safe(html.strip())  # every value is escaped above
        return super().render(template_name, context, request=request)
