"""Read a rendered form back as the data a browser would post, to submit it unchanged."""

from __future__ import annotations

from html.parser import HTMLParser


class FormReader(HTMLParser):
    """Collect the successful controls of the first form whose attributes match."""

    def __init__(self, match: dict[str, str]):
        super().__init__(convert_charrefs=True)
        self.match = match
        self.inside = False
        self.done = False
        self.data: dict[str, list[str]] = {}
        self._select: tuple[str, bool] | None = None
        self._select_seen: list[str] = []
        self._option: str | None = None
        self._option_selected = False
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = {key: value if value is not None else "" for key, value in attrs}
        if tag == "form" and not self.done:
            self.inside = all(match in attrs.get(k, "").split() for k, match in self.match.items())
            return
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self._add(name, attrs.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = (name, "multiple" in attrs)
            self._select_seen = []
            self._first_option = None
        elif tag == "option" and self._select is not None:
            self._option = attrs.get("value")
            self._option_selected = "selected" in attrs
            self._text = []
        elif tag == "textarea" and name:
            self._textarea = name
            self._text = []

    def handle_data(self, data):
        if self._textarea is not None or self._option is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
            self.done = True
        elif tag == "option" and self._select is not None:
            value = self._option if self._option is not None else "".join(self._text).strip()
            if self._first_option is None:
                self._first_option = value
            if self._option_selected:
                self._select_seen.append(value)
            self._option = None
        elif tag == "select" and self._select is not None:
            name, multiple = self._select
            if not self._select_seen and not multiple and self._first_option is not None:
                self._select_seen = [self._first_option]  # what a browser submits
            for value in self._select_seen:
                self._add(name, value)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # Browsers drop the newline that follows <textarea>.
            self._add(self._textarea, "".join(self._text).removeprefix("\n"))
            self._textarea = None


def form_data(html: str | bytes, **match: str) -> dict[str, list[str]]:
    """Return ``{name: [values]}`` of the first form whose attributes contain ``match``.

    ``form_data(page, id="case_form")``, ``form_data(page, **{"class": "record-form"})``.
    """
    if isinstance(html, bytes):
        html = html.decode()
    reader = FormReader(match)
    reader.feed(html)
    return reader.data


def single(data: dict[str, list[str]]) -> dict[str, object]:
    """Return the data as the test client takes it: lists only for repeated names."""
    return {name: values if len(values) > 1 else values[0] for name, values in data.items()}
