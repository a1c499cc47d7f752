"""Compile every translation catalogue (``locale/*/LC_MESSAGES/*.po``) into its ``.mo``.

Django's ``compilemessages`` needs GNU gettext's ``msgfmt``, which a fresh Debian machine may
lack; polib (a pinned dependency) writes the same binary format in pure Python. Like
``msgfmt --check-format``, a catalogue is refused when a translation uses a placeholder its
English text does not have (it would fail at run time), and nothing is written for it.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# printf-style placeholders of python-format strings: %(name)s, %(count)d, %s, %d, %.1f ...
NAMED = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[a-zA-Z]")
POSITIONAL = re.compile(r"%[#0 +-]*\d*(?:\.\d+)?[sdifrxXeEgGc]")
BRACED = re.compile(r"\{(\w*)\}")
# A line of a .po file that is not a comment: a keyword and a string, or a string continued.
STRING_LINE = re.compile(
    r'(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+)?"(?:[^"\\]|\\.)*"'
)


def catalogues(locale_paths) -> list[Path]:
    """Return every ``.po`` file of the locale folders, in a stable order."""
    found = []
    for base in locale_paths:
        found += Path(base).glob("*/LC_MESSAGES/*.po")
    return sorted(found)


def placeholder_errors(entry: polib.POEntry) -> list[str]:
    """Return what is wrong with the placeholders of a translated entry's msgstr(s)."""
    sources = [entry.msgid, entry.msgid_plural or ""]
    targets = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
    errors = []
    if "python-format" in entry.flags:
        allowed = {name for text in sources for name in NAMED.findall(text)}
        positional = len(POSITIONAL.findall(NAMED.sub("", entry.msgid.replace("%%", ""))))
        for target in filter(None, targets):
            target = target.replace("%%", "")
            if unknown := set(NAMED.findall(target)) - allowed:
                errors.append(f"unknown placeholder(s) {', '.join(sorted(unknown))}")
            if len(POSITIONAL.findall(NAMED.sub("", target))) != positional:
                errors.append(f"needs {positional} positional placeholder(s) such as %s")
    if "python-brace-format" in entry.flags:
        allowed = {name for text in sources for name in BRACED.findall(text)}
        for target in filter(None, targets):
            if unknown := set(BRACED.findall(target)) - allowed:
                errors.append(f"unknown placeholder(s) {', '.join(sorted(unknown))}")
    return errors


def syntax_errors(text: str) -> list[str]:
    """Return the lines polib would read without complaint but wrongly (it is lenient).

    An unclosed quote makes polib drop the translation silently, as does a msgid without
    its msgstr; msgfmt refuses both.
    """
    errors = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#") and not STRING_LINE.fullmatch(line):
            errors.append(f"line {number}: not a keyword and a quoted string: {line[:60]!r}")
    msgids = len(re.findall(r"^msgid\s", text, re.MULTILINE))
    if msgids != len(re.findall(r"^msgstr(?:\[0\])?\s", text, re.MULTILINE)):
        errors.append("a msgid has no msgstr")
    return errors


def load(path: Path) -> polib.POFile:
    """Read and check a catalogue; raise CommandError saying where it is wrong."""
    try:
        problems = syntax_errors(path.read_text(encoding="utf-8"))
        catalogue = polib.pofile(str(path), check_for_duplicates=True, wrapwidth=0)
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise CommandError(f"{path}: not a valid .po file: {error}") from error
    if problems:
        raise CommandError(f"{path}: not a valid .po file:\n  " + "\n  ".join(problems))
    problems = [
        f"  line {entry.linenum}: msgid {entry.msgid!r}: {error}"
        for entry in catalogue.translated_entries()
        for error in placeholder_errors(entry)
    ]
    if problems:
        raise CommandError(
            f"{path}: placeholders differ from the English text:\n" + "\n".join(problems)
        )
    return catalogue


def write_atomically(data: bytes, target: Path) -> None:
    """Replace ``target`` in one step, so a running server never reads half a catalogue."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = "Compile every locale/*/LC_MESSAGES/*.po to .mo with polib (GNU gettext not needed)."
    requires_system_checks = []

    def handle(self, *args, **options) -> None:
        paths = catalogues(settings.LOCALE_PATHS)
        if not paths:
            self.stdout.write("No catalogues to compile.")
            return
        loaded = [(path, load(path)) for path in paths]  # all checked before any is written
        for path, catalogue in loaded:
            write_atomically(catalogue.to_binary(), path.with_suffix(".mo"))
            translated = len(catalogue.translated_entries())
            total = translated + len(catalogue.untranslated_entries())
            total += len(catalogue.fuzzy_entries())
            self.stdout.write(f"Compiled {path} ({translated} of {total} messages translated)")
