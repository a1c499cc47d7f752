"""Every URL pattern of the project, and how to fill its arguments from the security world."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import unescape
from urllib.parse import urljoin, urlsplit

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from tests.support.forms import form_data

# Namespaces and names left out of the walk: the admin (but for its index, listed below),
# the language switch and static files.
SKIPPED_NAMESPACES = {"admin"}
SKIPPED_NAMES = {"set_language"}
ADMIN_NAMES = {"admin:index"}


def walk(resolver: URLResolver, namespace: str = "", prefix: str = "") -> Iterator[str]:
    """Yield the full name ("cases:case-detail") of every pattern under ``resolver``; one
    without a name as "(unnamed) <its route>", so that it cannot go unnoticed either."""
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            full = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            yield from walk(pattern, full, route)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or f"(unnamed) {route}"
            yield f"{namespace}:{name}" if namespace else name


def project_url_names() -> set[str]:
    """Return the name of every URL the matrix must cover."""
    names = set()
    for name in walk(get_resolver()):
        if name in SKIPPED_NAMES or name.split(":")[0] in SKIPPED_NAMESPACES:
            continue
        names.add(name)
    return names | ADMIN_NAMES


# How to fill each URL's arguments: name -> function(world, records of the variant's case).
Kwargs = Callable[[object, object], dict]


def record(kind: str, arg: str = "pk") -> Kwargs:
    """Fill ``arg`` with the pk of the variant's record of ``kind`` (case, party, hearing...)."""
    return lambda world, records: {arg: getattr(records, kind).pk}


def none(world, records) -> dict:
    return {}


def reference(kind: str) -> Kwargs:
    return lambda world, records: {"pk": getattr(world, kind).pk}


def history_of(world, records) -> dict:
    case = records.case
    return {"app_label": "cases", "model_name": "case", "pk": case.pk}


def restore_of(world, records) -> dict:
    return {"model_name": "followup", "pk": world.deleted.pk}


def notification(world, records) -> dict:
    return {"pk": world.notification.pk}


def feed(world, records) -> dict:
    return {"token": world.feed_token}


def bad_feed(world, records) -> dict:
    return {"token": "x" * 43}


# Forms of a page -----------------------------------------------------------------------------

FORM_TAG = re.compile(r"<form\b[^>]*>.*?</form>", re.DOTALL | re.IGNORECASE)
ATTRIBUTES = re.compile(r"""([a-zA-Z_:-]+)\s*=\s*("[^"]*"|'[^']*')""")


@dataclass(frozen=True)
class PostForm:
    """A ``<form method="post">`` of a page: where it posts and what a browser would send."""

    action: str
    data: dict[str, list[str]]
    kinds: dict[str, str]  # name -> "date", "datetime-local", "number", "select", "text"...


CONTROL_TAG = re.compile(r"<(input|select|textarea)\b[^>]*>", re.IGNORECASE)


def control_kinds(chunk: str) -> dict[str, str]:
    """Return the kind of each named control of a form: its input type, or the tag's name."""
    kinds = {}
    for match in CONTROL_TAG.finditer(chunk):
        attributes = {key.lower(): value[1:-1] for key, value in ATTRIBUTES.findall(match[0])}
        if "name" in attributes:
            tag = match[1].lower()
            kind = attributes.get("type", "text") if tag == "input" else tag
            kinds.setdefault(attributes["name"], kind)
    return kinds


def post_forms(html: str, page_url: str) -> list[PostForm]:
    """Return every POST form of ``html``, its action resolved against ``page_url``."""
    forms = []
    for chunk in FORM_TAG.findall(html):
        opening = chunk[: chunk.index(">") + 1]
        attributes = {
            key.lower(): unescape(value[1:-1]) for key, value in ATTRIBUTES.findall(opening)
        }
        if attributes.get("method", "get").lower() != "post":
            continue
        action = urljoin(page_url, attributes.get("action") or page_url)
        forms.append(
            PostForm(
                action=urlsplit(action).path, data=form_data(chunk), kinds=control_kinds(chunk)
            )
        )
    return forms


def form_posting_to(html: str, page_url: str, target: str) -> PostForm | None:
    """Return the first POST form of the page that posts to ``target``."""
    return next((form for form in post_forms(html, page_url) if form.action == target), None)


# What a refused request must leave alone -----------------------------------------------------

# Every table of these apps, many-to-many tables included; not the audit trail (viewing a
# restricted record is recorded), sessions or the lockout log.
WATCHED_APPS = ("cases", "reminders", "auth", "otp_totp", "otp_static")
UNWATCHED = {"auth.permission", "auth.group_permissions", "auth.group"}


def database_state() -> dict[str, list[tuple]]:
    """Return every row of the watched tables, to compare before and after a request."""
    state = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if model._meta.app_label not in WATCHED_APPS or label in UNWATCHED:
            continue
        state[label] = list(model._base_manager.order_by("pk").values_list())
    return state


def state_changes(before: dict, after: dict) -> list[str]:
    """Return the tables whose rows differ, with the rows that differ."""
    changes = []
    for label in before:
        if before[label] != after[label]:
            gone = [row for row in before[label] if row not in after[label]]
            new = [row for row in after[label] if row not in before[label]]
            changes.append(f"{label}: {gone} -> {new}")
    return changes
