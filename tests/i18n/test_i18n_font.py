"""Khmer script renders in a font served by the site itself, under its licence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

STATIC = Path(settings.BASE_DIR) / "static"
KHMER_BLOCK = "U+1780-17FF"
FACE = re.compile(r"@font-face\s*\{(.*?)\}", re.DOTALL)


def faces() -> list[str]:
    return FACE.findall((STATIC / "css" / "app.css").read_text(encoding="utf-8"))


def test_both_weights_are_vendored_woff2_files_with_the_licence():
    sources = [re.search(r'url\("\.\./([^"]+)"\)', face)[1] for face in faces()]
    assert len(sources) == 2
    for source in sources:
        font = STATIC / source
        assert font.read_bytes()[:4] == b"wOF2", source
        assert finders.find(source) is not None  # collected and served as a static file
    licence = (STATIC / "fonts" / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert "The Noto Project Authors" in licence


def test_the_faces_cover_the_khmer_block_only_and_come_first():
    css = (STATIC / "css" / "app.css").read_text(encoding="utf-8")
    for face in faces():
        assert 'font-family: "Noto Sans Khmer"' in face
        assert f"unicode-range: {KHMER_BLOCK}" in face
    weights = sorted(re.search(r"font-weight: (\d+)", face)[1] for face in faces())
    assert weights == ["400", "700"]
    assert re.search(r'--font-text: "Noto Sans Khmer", system-ui', css)
    assert re.search(r"html:lang\(km\) \{ font-family: var\(--font-text\)", css)
    assert not re.search(r"https?://|//fonts\.", css), "no font from another site"


@pytest.mark.django_db
def test_a_khmer_page_loads_the_stylesheet_and_says_its_language(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "km"
    page = client.get(reverse("login")).text
    assert '<html lang="km">' in page
    assert "/static/css/app.css" in page
