"""Helpers for pages that write hundreds of rows: URLs reversed once, cheap escaping.

A list page or a timeline links hundreds of records; ``reverse()`` costs more than the rest
of a row. ``PkUrls`` reverses each URL name once, with a marker in place of the primary key,
and fills the key in afterwards. Make one per page (the URL may depend on the language).
"""

from __future__ import annotations

import html

from django.urls import reverse

MARKER = 987654321987  # stands for the pk in a URL reversed once


class PkUrls:
    def __init__(self):
        self.patterns: dict[str, tuple[str, str] | None] = {}

    def __call__(self, name: str, pk: int) -> str:
        """Return ``reverse(name, args=[pk])``."""
        if name not in self.patterns:
            parts = reverse(name, args=[MARKER]).split(str(MARKER))
            self.patterns[name] = (parts[0], parts[1]) if len(parts) == 2 else None
        pattern = self.patterns[name]
        if pattern is None:
            return reverse(name, args=[pk])
        return f"{pattern[0]}{int(pk)}{pattern[1]}"


def esc(value) -> str:
    """``django.utils.html.escape`` for a page's hundreds of cells: the same characters
    escaped (stdlib ``html.escape``), without its lazy-string wrapper, which costs more than
    the escaping. Returns a plain string: mark the finished markup safe."""
    return html.escape(str(value))
