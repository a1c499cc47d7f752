"""The fields of a list's filter form, written once for each thing they can show.

Rendering a filter form (ten fields, a court list of dozens of options) costs a list page
about 3 ms, the largest part of its Python time after the rows. The HTML depends only on the
form's class, the active language, the values asked for, each field's label and attributes,
and the choices offered. So it is kept per process (``FilterHtml``, a small LRU) under a key made
of exactly those, the choices included: they are read on every request (for a court list, one
query of SQL compiled once), so a court added, renamed or deleted shows at once, with no
invalidation to get wrong. A form with errors is rendered afresh every time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from django import forms
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

SKIPPED = {"o"}  # the sort key: a hidden input of the page, not a field shown


class FilterHtml:
    """A least-recently-used map of rendered filter forms, bounded in entries."""

    def __init__(self, size: int = 512):
        self.size = size
        self.entries: OrderedDict[tuple, SafeString] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple) -> SafeString | None:
        with self.lock:
            html = self.entries.get(key)
            if html is None:
                self.misses += 1
                return None
            self.entries.move_to_end(key)
            self.hits += 1
            return html

    def put(self, key: tuple, html: SafeString) -> None:
        with self.lock:
            self.entries[key] = html
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.hits = self.misses = 0


CACHE = FilterHtml()


def shown_fields(form: forms.Form) -> list:
    return [field for field in form.visible_fields() if field.name not in SKIPPED]


def fix_choices(field) -> tuple:
    """Read a choice field's choices once, for the key and for the rendering alike; return
    them as (value, label) strings."""
    widget = field.field.widget
    if not hasattr(widget, "choices"):
        return ()
    # One query for a model's choices (not list(): it would ask their len(), a COUNT).
    choices = [choice for choice in widget.choices]  # noqa: C416
    widget.choices = choices  # the rendering below reads this list, not the query again
    return tuple((str(value), str(label)) for value, label in choices)


def key_of(form: forms.Form, fields: list) -> tuple | None:
    """What the fields' HTML depends on; None when it must not be kept (errors)."""
    if form.is_bound and form.errors:
        return None
    parts: list = [
        type(form).__module__,
        type(form).__qualname__,
        get_language(),
        form.prefix,
        form.auto_id,
        form.is_bound,
    ]
    data = form.data if form.is_bound else {}
    for field in fields:
        name = field.html_name
        values = tuple(data.getlist(name)) if hasattr(data, "getlist") else (data.get(name),)
        widget = field.field.widget
        parts.append(
            (
                name,
                values,
                type(widget).__qualname__,
                str(field.label),
                None if form.is_bound else repr(field.initial),
                str(field.help_text),
                field.field.required,
                field.field.disabled,
                tuple(sorted((k, str(v)) for k, v in widget.attrs.items())),
                fix_choices(field),
            )
        )
    return tuple(parts)


def render(fields: list) -> SafeString:
    """Each field as ``partials/filters.html`` always wrote it: label, widget, errors."""
    html = []
    for field in fields:
        classes = "field"
        errors = field.errors
        if errors:
            classes += " has-error"
        if field.widget_type == "checkbox":
            classes += " checkbox"
        html.append(f'<div class="{classes}">{field.label_tag()}{field}')
        if errors:
            html.append(f'<div class="field-errors">{errors}</div>')
        html.append("</div>\n    ")
    return mark_safe("".join(html))  # label, widget and errors are Django's, escaped


def filter_fields_html(form: forms.Form) -> SafeString:
    fields = shown_fields(form)
    key = key_of(form, fields)
    if key is not None and (html := CACHE.get(key)) is not None:
        return html
    html = render(fields)
    if key is not None:
        CACHE.put(key, html)
    return html
