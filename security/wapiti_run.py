"""Run Debian's wapiti 3.0.4 with seven changes for this app, then wapiti's own entry point.

Run it with the system python (``/usr/bin/python3``), where Debian installs ``wapitiCore``;
the arguments are wapiti's.

1. ``-x`` works on Python 3.11: wapiti 3.0.4 compiles each pattern as ``pattern + r"\\Z(?ms)"``
   and Python 3.11 refuses global flags that are not at the start, so any ``-x`` crashes.
2. One resource per route and parameter names: wapiti tells resources apart by their parameter
   *values*, and Django masks the CSRF token differently in every response, so the language
   form in the header of each page (and every form seen twice) would be a new resource to
   attack. Here a query parameter is attacked once per route (path with numbers as ``<n>``),
   a form once per route and field names, and a form of three fields or more once per field
   names whatever its path (a record's create and edit pages share their form). A parameter
   sent several times (ticked checkboxes) is sent once: wapiti would attack each copy.
3. The csrf module knows Django's token field (``csrfmiddlewaretoken``); without it every
   Django form is reported as "Lack of anti CSRF token", and with it the module checks for
   real that a form with a wrong token is refused.
4. Forms take the page's declared encoding (Django sends ``charset=utf-8``) instead of
   guessing it with chardet over the whole page each time: the guess was two thirds of the
   crawl's time (75 of 113 s for 135 resources).
5. The xss and permanentxss modules try a short list of payloads (``XSS_PAYLOADS``, one per
   technique: script element, event handlers, ``javascript:`` URL, an attribute added inside
   the tag) instead of all 52 in every context a value is reflected in: Django
   re-renders a refused form with every value, so each text field of each form is reflected
   and the full list made xss alone several times the time budget. ``WAPITI_XSS_PAYLOADS=all``
   restores the full list (or give section names of wapiti's xssPayloads.ini, comma-separated).
6. A deadline for the whole attack phase: at ``WAPITI_DEADLINE`` (a Unix time) the module at
   work stops after the resource it is attacking and the modules left do not start; wapiti
   then writes its report as usual, and this prints which modules it cut short or skipped.
   (``--max-attack-time`` only bounds each module, and a scan killed from outside leaves no
   report.) The modules run in the order of ``ORDER``, the most useful here first.
7. wapiti instantiates every module, even those not asked for, and the wapp module then
   downloads its database from GitHub on each run: not unless wapp is asked for.
"""

import atexit
import configparser
import itertools
import os
import re
import sys
import tempfile
import time

from wapitiCore.attack import mod_csrf, mod_permanentxss, mod_wapp, mod_xss
from wapitiCore.net import crawler, page, web

NUMBER_SEGMENT = re.compile(r"/\d+(?=/|$)")


def wildcard_translate(pattern: str) -> re.Pattern:
    """``*`` matches anything, the rest literally, anchored at both ends (flags first)."""
    return re.compile("(?ms)" + ".*".join(re.escape(part) for part in pattern.split("*")) + r"\Z")


crawler.wildcard_translate = wildcard_translate

_explore = crawler.Explorer.explore


def first_of_each(params: list) -> list:
    """Keep the first value of a parameter sent several times (ticked checkboxes)."""
    names, kept = set(), []
    for name, value in params:
        if name not in names:
            names.add(name)
            kept.append([name, value])
    return kept


def with_params(request: web.Request, get_params: list, post_params) -> web.Request:
    """A copy of ``request`` with other parameters (the crawl's status and headers kept)."""
    copy = web.Request(
        request.path,
        method=request.method,
        get_params=get_params,
        post_params=post_params,
        file_params=request.file_params,
        encoding=request.encoding,
        enctype=request.enctype,
        referer=request.referer,
        link_depth=request.link_depth,
    )
    copy.status = request.status
    copy.set_headers(request.headers)
    return copy


def deduplicated(request: web.Request, seen: set) -> web.Request | None:
    """The part of ``request`` not attacked yet, or None when there is nothing new in it."""
    if request.method == "GET":
        if not request.get_keys:
            return request  # a page without parameters: nothing to attack, but crawled
        # A query parameter is attacked once per route: /cases/?q=&stage=… (the filter form)
        # and /cases/?q=&stage=…&o=name (a sort link keeping the filters) add up to q, stage…
        # and o, and /cases/?stage=…&status=… (a link from the home page) adds nothing.
        route = NUMBER_SEGMENT.sub("/<n>", request.path)
        params = [p for p in first_of_each(request.get_params) if ("GET", route, p[0]) not in seen]
        if not params:
            return None
        seen.update(("GET", route, name) for name, _ in params)
        if params == request.get_params:
            return request
        return with_params(request, params, request.post_params)
    names = tuple(sorted(set(request.get_keys) | set(request.post_keys)))
    if len(set(request.post_keys) - {"csrfmiddlewaretoken"}) >= 3:
        key = (request.method, names)  # a record's create and edit forms: the same form
    else:
        key = (request.method, NUMBER_SEGMENT.sub("/<n>", request.path), names)
    if key in seen:
        return None
    seen.add(key)
    post_keys = request.post_keys
    if isinstance(request.post_params, list) and len(set(post_keys)) < len(post_keys):
        return with_params(request, request.get_params, first_of_each(request.post_params))
    return request


def explore(self, *args, **kwargs):
    seen: set = set()
    for request in _explore(self, *args, **kwargs):
        request = deduplicated(request, seen)
        if request is not None:
            yield request


crawler.Explorer.explore = explore

if "csrfmiddlewaretoken" not in mod_csrf.mod_csrf.TOKEN_FORM_STRINGS:
    mod_csrf.mod_csrf.TOKEN_FORM_STRINGS.append("csrfmiddlewaretoken")

_apparent_encoding = page.Page.apparent_encoding


@property
def declared_or_apparent_encoding(self):
    return self.encoding or _apparent_encoding.fget(self)


page.Page.apparent_encoding = declared_or_apparent_encoding

XSS_PAYLOADS = (
    "case_script_alert_quote",  # a script element (text)
    "svg_onload_alert_regex",  # an event handler, no quotes and no spaces
    "img_onerror_alert_quote",  # the classic event handler
    "iframe_src_javascript",  # a javascript: URL
    "onfocus_autofocus_event",  # an attribute added inside the tag, no "<" needed
)


def use_xss_payloads(names: str) -> None:
    if names == "all":
        return
    wanted = [name.strip() for name in names.split(",") if name.strip()]
    payloads = configparser.ConfigParser(interpolation=None)
    with open(os.path.join(mod_xss.mod_xss.DATA_DIR, mod_xss.mod_xss.PAYLOADS_FILE)) as handle:
        payloads.read_file(handle)
    unknown = [name for name in wanted if not payloads.has_section(name)]
    if unknown:
        raise SystemExit(f"wapiti_run: unknown XSS payloads: {', '.join(unknown)}")
    subset = configparser.ConfigParser(interpolation=None)
    for name in wanted:
        subset[name] = dict(payloads[name])
    handle, path = tempfile.mkstemp(prefix="wapiti-xss-", suffix=".ini")
    with os.fdopen(handle, "w") as out:
        subset.write(out)
    atexit.register(os.unlink, path)
    mod_xss.mod_xss.PAYLOADS_FILE = path  # absolute: os.path.join keeps it as it is
    mod_permanentxss.mod_permanentxss.PAYLOADS_FILE = path


use_xss_payloads(os.environ.get("WAPITI_XSS_PAYLOADS") or ",".join(XSS_PAYLOADS))

from wapitiCore.main import wapiti as wapiti_main_module  # noqa: E402

DEADLINE = float(os.environ.get("WAPITI_DEADLINE") or "inf")
_init_attacks = wapiti_main_module.Wapiti._init_attacks


def before_deadline(module):
    attack = module.attack

    def attack_until_deadline():
        if time.time() >= DEADLINE:
            print(f"[!] WAPITI_DEADLINE: module {module.name} skipped")
            return
        for resource in attack():
            yield resource
            if time.time() >= DEADLINE:
                print(f"[!] WAPITI_DEADLINE: module {module.name} stopped early")
                return

    return attack_until_deadline


# The order the modules run in, the most useful here first, so that a deadline cuts the least
# useful: the header and cookie checks (one request each), csrf and redirect (the `next`
# parameters of the login, language and two-factor forms), xss and permanentxss (which needs
# xss first), sql (error messages, which DEBUG off never shows: a broken query is a 500, which
# any module provokes and the access log shows), crlf (Django refuses line breaks in headers).
ORDER = (
    "http_headers",
    "cookieflags",
    "csp",
    "csrf",
    "redirect",
    "xss",
    "permanentxss",
    "sql",
    "crlf",
)


def init_attacks(self):
    _init_attacks(self)
    self.attacks.sort(key=lambda m: ORDER.index(m.name) if m.name in ORDER else len(ORDER))
    for module in self.attacks:
        module.attack = before_deadline(module)


wapiti_main_module.Wapiti._init_attacks = init_attacks


def wapp_asked_for(argv: list[str]) -> bool:
    for flag, value in itertools.pairwise(argv):
        if flag in ("-m", "--module") and "wapp" in value.split(","):
            return True
    return False


if not wapp_asked_for(sys.argv):
    mod_wapp.mod_wapp.update = lambda self: None

from wapitiCore.main.wapiti import wapiti_main  # noqa: E402

if __name__ == "__main__":
    sys.argv[0] = "wapiti"
    sys.exit(wapiti_main())
