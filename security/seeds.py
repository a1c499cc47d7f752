"""List one URL per route the logged-in user can reach: the start list for the scanners.

    python security/seeds.py BASE_URL COOKIE_FILE EXCLUDE_REGEX OUT_FILE [EXTRA_PATH ...]

A breadth-first crawl from ``/`` with the session cookie (``COOKIE_FILE`` holds a ``Cookie``
header value, as written by login.py) that fetches only the first URL of each *route pattern*:
numbers in the path become ``<n>`` and a query string counts by its parameter names, so
``/persons/74/`` and ``/persons/93/`` are one pattern and ``/persons/?o=name`` another. A pattern
whose first URL does not answer 200 (a record this user may see but not edit) gets up to three
more tries. URLs matching ``EXCLUDE_REGEX`` (log-out, delete) are never fetched. Writes the
pages that answered 200, plus ``EXTRA_PATH``s (pages no link leads to, such as the login page),
one absolute URL a line. Standard library only.
"""

from __future__ import annotations

import html.parser
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from pathlib import Path

MAX_FETCHES = 400
TRIES_PER_PATTERN = 4
SKIP_EXTENSIONS = re.compile(
    r"\.(css|js|png|jpe?g|gif|svg|ico|woff2?|ttf|map|ics|csv|pdf|xlsx?)$", re.I
)


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif (
            tag == "form"
            and (attrs.get("method") or "get").lower() == "get"
            and attrs.get("action")
        ):
            self.links.append(attrs["action"])


def pattern(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/<n>", parts.path)
    names = sorted(
        {name for name, _ in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)}
    )
    return path + ("?" + "&".join(names) if names else "")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main() -> None:
    base_url, cookie_file, exclude, out_file, *extra = sys.argv[1:]
    cookie = Path(cookie_file).read_text().strip()
    excluded = re.compile(exclude)
    base = urllib.parse.urlsplit(base_url)
    opener = urllib.request.build_opener(NoRedirect)
    tries: dict[str, int] = {}
    done: set[str] = set()  # patterns with a page that answered 200
    seen: set[str] = set()
    found: list[str] = []
    queue = deque([urllib.parse.urljoin(base_url, "/")])
    fetches = 0
    while queue and fetches < MAX_FETCHES:
        url = queue.popleft()
        key = pattern(url)
        if url in seen or key in done or tries.get(key, 0) >= TRIES_PER_PATTERN:
            continue
        seen.add(url)
        tries[key] = tries.get(key, 0) + 1
        fetches += 1
        # Only same-origin links of the scan's own http://127.0.0.1:PORT/ address get here.
        request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310
        try:
            with opener.open(request, timeout=30) as response:
                status, body = response.status, response.read()
                content_type = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            status, body, content_type = error.code, b"", ""
        if status != 200:
            continue
        done.add(key)
        found.append(url)
        if "html" not in content_type:
            continue
        parser = Links()
        parser.feed(body.decode("utf-8", "replace"))
        for href in parser.links:
            link = urllib.parse.urljoin(url, href).split("#")[0]
            parts = urllib.parse.urlsplit(link)
            if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
                continue
            if excluded.search(link) or SKIP_EXTENSIONS.search(parts.path):
                continue
            if link not in seen and pattern(link) not in done:
                queue.append(link)
    for path in extra:
        url = urllib.parse.urljoin(base_url, path)
        if url not in found:
            found.append(url)
    Path(out_file).write_text("\n".join(found) + "\n")
    print(f"{len(found)} start URLs ({fetches} pages fetched, {len(done)} route patterns)")


if __name__ == "__main__":
    main()
