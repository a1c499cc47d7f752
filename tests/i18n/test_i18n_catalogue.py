"""The Khmer catalogue: complete, faithful to its placeholders, up to date with the code, and
compiled without GNU gettext.

``test_every_message_has_a_khmer_translation`` and ``test_the_catalogue_holds_every_message``
fail while the catalogue lags behind the code: run ``make messages``, translate, and commit
``locale/km/LC_MESSAGES/django.po`` (README "Languages").
"""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

BASE_DIR = Path(settings.BASE_DIR)
CATALOGUE = BASE_DIR / "locale" / "km" / "LC_MESSAGES" / "django.po"
# Placeholders and markup a translation must keep exactly: %(name)s, %s, {name}, <tags>,
# &entities;, and template variables {{ name }} (blocktranslate writes them as %(name)s).
TOKENS = re.compile(r"%\(\w+\)[#0 +-]*\d*(?:\.\d+)?[a-zA-Z]|%[sdif]|\{\w*\}|<[^>]+>|&\w+;")


def load_catalogue() -> polib.POFile:
    return polib.pofile(str(CATALOGUE), wrapwidth=0)


def entry_name(entry: polib.POEntry) -> str:
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    return f"{context}{entry.msgid!r} (line {entry.linenum})"


def tokens(text: str) -> list[str]:
    return sorted(TOKENS.findall(text.replace("%%", "")))


def translations(entry: polib.POEntry) -> list[tuple[str, str]]:
    """Return (English, Khmer) pairs: Khmer has one plural form, said for every number."""
    if entry.msgid_plural:
        return [(entry.msgid_plural, text) for text in entry.msgstr_plural.values()]
    return [(entry.msgid, entry.msgstr)]


def write_po(folder: Path, entries: list[polib.POEntry], name: str = "django.po") -> Path:
    catalogue = polib.POFile()
    catalogue.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Language": "km",
        "Plural-Forms": "nplurals=1; plural=0;",
    }
    catalogue.extend(entries)
    path = folder / "km" / "LC_MESSAGES" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    catalogue.save(str(path))
    return path


# The catalogue as committed -------------------------------------------------------------------


def test_every_message_has_a_khmer_translation():
    catalogue = load_catalogue()
    missing = [entry_name(e) for e in catalogue if not e.obsolete and not all_translated(e)]
    fuzzy = [entry_name(e) for e in catalogue.fuzzy_entries()]
    assert not fuzzy, f"{len(fuzzy)} fuzzy (unchecked) translations: " + "; ".join(fuzzy[:20])
    assert not missing, f"{len(missing)} messages without Khmer: " + "; ".join(missing[:20])


def all_translated(entry: polib.POEntry) -> bool:
    return all(khmer.strip() for _english, khmer in translations(entry))


def test_translations_keep_every_placeholder_and_tag():
    wrong = []
    for entry in load_catalogue().translated_entries():
        for english, khmer in translations(entry):
            if tokens(english) != tokens(khmer):
                wrong.append(f"{entry_name(entry)}: {tokens(english)} != {tokens(khmer)}")
    assert not wrong, f"{len(wrong)} translations change their placeholders:\n" + "\n".join(wrong)


def test_the_month_and_day_names_are_in_the_catalogue():
    """Dates print them (monitoring/date_strings.py); Django's Khmer catalogue lacks some."""
    from django.utils import dates

    ours = {(e.msgctxt, e.msgid) for e in load_catalogue()}
    names = [
        *dates.WEEKDAYS.values(),
        *dates.WEEKDAYS_ABBR.values(),
        *dates.MONTHS.values(),
        *dates.MONTHS_3.values(),
        *dates.MONTHS_AP.values(),
        *dates.MONTHS_ALT.values(),
    ]
    wanted = {lazy_key(name) for name in names}
    wanted |= {(None, text) for text in ("a.m.", "p.m.", "AM", "PM", "midnight", "noon")}
    assert not wanted - ours, sorted(wanted - ours, key=str)


def lazy_key(name) -> tuple[str | None, str]:
    """Return (msgctxt, msgid) of a lazy gettext_lazy or pgettext_lazy string."""
    args = name._args
    return (args[0], args[1]) if len(args) == 2 else (None, args[0])


def source_copy(target: Path) -> Path:
    """Copy what makemessages reads (the project without its environment) to ``target``."""
    skipped = shutil.ignore_patterns(
        ".venv", ".git", "node_modules", "staticfiles", "media", "db.sqlite3*", "__pycache__",
        "*.mo", ".pytest_cache", "sent-mail", "security", "tests", "bench",
    )  # fmt: skip
    shutil.copytree(BASE_DIR, target, ignore=skipped, symlinks=True)
    return target


def makemessages_arguments() -> list[str]:
    """Return the arguments of ``make messages``, as the Makefile gives them."""
    makefile = (BASE_DIR / "Makefile").read_text()
    match = re.search(r"^\t\$\(PY\) manage\.py (makemessages .*)$", makefile, re.MULTILINE)
    assert match, "the Makefile has no `messages` target running makemessages"
    return match[1].split()


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_the_catalogue_holds_every_message(tmp_path):
    copy = source_copy(tmp_path / "project")
    subprocess.run(  # noqa: S603 (this interpreter, the Makefile's arguments)
        [sys.executable, "manage.py", *makemessages_arguments()],
        cwd=copy,
        check=True,
        capture_output=True,
        timeout=300,
    )
    made = polib.pofile(str(copy / CATALOGUE.relative_to(BASE_DIR)))
    committed = {(e.msgctxt, e.msgid, e.msgid_plural) for e in load_catalogue()}
    missing = [
        entry_name(e)
        for e in made
        if not e.obsolete and (e.msgctxt, e.msgid, e.msgid_plural) not in committed
    ]
    assert not missing, (
        f"{len(missing)} messages of the code are not in the catalogue (run `make messages` "
        "and translate them): " + "; ".join(missing[:20])
    )


# compile_catalogues ---------------------------------------------------------------------------


def test_compile_catalogues_writes_a_mo_that_gettext_reads(tmp_path, settings):
    settings.LOCALE_PATHS = [tmp_path]
    po = write_po(
        tmp_path,
        [
            polib.POEntry(msgid="Cases", msgstr="សំណុំរឿង"),
            polib.POEntry(msgctxt="abbrev. month", msgid="Jan.", msgstr="មករា"),
            polib.POEntry(
                msgid="%(n)s day",
                msgid_plural="%(n)s days",
                msgstr_plural={0: "%(n)s ថ្ងៃ"},
                flags=["python-format"],
            ),
            polib.POEntry(msgid="Untranslated", msgstr=""),
        ],
    )

    call_command("compile_catalogues", stdout=open(tmp_path / "out", "w"))  # noqa: SIM115

    with open(po.with_suffix(".mo"), "rb") as stream:
        compiled = gettext.GNUTranslations(stream)
    assert compiled.gettext("Cases") == "សំណុំរឿង"
    assert compiled.pgettext("abbrev. month", "Jan.") == "មករា"
    assert compiled.ngettext("%(n)s day", "%(n)s days", 5) == "%(n)s ថ្ងៃ"
    assert compiled.gettext("Untranslated") == "Untranslated"  # falls through to Django's


def test_the_project_catalogue_compiles(tmp_path, settings):
    folder = tmp_path / "km" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(CATALOGUE, folder / "django.po")
    settings.LOCALE_PATHS = [tmp_path]
    call_command("compile_catalogues", stdout=open(tmp_path / "out", "w"))  # noqa: SIM115
    with open(folder / "django.mo", "rb") as stream:
        assert gettext.GNUTranslations(stream).info()["plural-forms"] == "nplurals=1; plural=0;"


def test_a_broken_catalogue_is_refused_with_its_name(tmp_path, settings):
    settings.LOCALE_PATHS = [tmp_path]
    po = tmp_path / "km" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid "Cases"\nmsgstr "សំណុំរឿង\n', encoding="utf-8")  # unclosed quote

    with pytest.raises(CommandError, match=r"django\.po: not a valid \.po file"):
        call_command("compile_catalogues")
    assert not po.with_suffix(".mo").exists()


def test_a_translation_with_a_foreign_placeholder_is_refused(tmp_path, settings):
    settings.LOCALE_PATHS = [tmp_path]
    write_po(
        tmp_path,
        [
            polib.POEntry(msgid="Due %(date)s", msgstr="ត្រូវ %(data)s", flags=["python-format"]),
        ],
    )

    with pytest.raises(CommandError, match=r"'Due %\(date\)s'.*unknown placeholder\(s\) data"):
        call_command("compile_catalogues")
