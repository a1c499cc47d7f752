"""Log in to the running app like a browser and save the session for the scanners.

    python security/login.py BASE_URL USERNAME OUT_PREFIX   (password on stdin)

GETs the login page, POSTs the form with its CSRF token and checks that the home page then
answers 200 (not a redirect back to the login page). Writes every cookie the server set (the
session and CSRF cookies, whatever their names: ``sessionid`` or ``__Host-sessionid``):

- ``OUT_PREFIX.wapiti.json``: a wapiti cookie file (``wapiti -c``),
- ``OUT_PREFIX.cookie``: a ``name=value; name=value`` header value (``sqlmap --cookie``).

Standard library only.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

LOGIN_PATH = "/accounts/login/"
TOKEN = re.compile(
    r'name="csrfmiddlewaretoken"\s+value="([^"]+)"|value="([^"]+)"\s+name="csrfmiddlewaretoken"'
)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def login(base_url: str, username: str, password: str) -> http.cookiejar.CookieJar:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    login_url = urllib.parse.urljoin(base_url, LOGIN_PATH)
    with opener.open(login_url, timeout=30) as response:
        page = response.read().decode("utf-8", "replace")
    match = TOKEN.search(page)
    if not match:
        raise SystemExit(f"login: no csrfmiddlewaretoken on {login_url}")
    token = match.group(1) or match.group(2)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password}
    ).encode()
    # The URL is the scan's own http://127.0.0.1:PORT/ address.
    request = urllib.request.Request(login_url, data=data, headers={"Referer": login_url})  # noqa: S310
    try:
        with opener.open(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as error:  # the 302 of a successful login lands here
        status = error.code
    if status != 302:
        raise SystemExit(
            f"login: {username!r} was not logged in (POST {LOGIN_PATH} answered {status})"
        )
    try:
        with opener.open(urllib.parse.urljoin(base_url, "/"), timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        raise SystemExit(f"login: {username!r} is not logged in (GET / answered {status})")
    return jar


def main() -> None:
    base_url, username, prefix = sys.argv[1:4]
    password = sys.stdin.readline().rstrip("\n")
    jar = login(base_url, username, password)
    wapiti: dict = {}
    for cookie in jar:
        domain = (
            cookie.domain
            if cookie.domain.startswith(".") or re.match(r"^[\d.]+$", cookie.domain)
            else "." + cookie.domain
        )
        wapiti.setdefault(domain, {}).setdefault(cookie.path, {})[cookie.name] = {
            "value": cookie.value,
            "expires": cookie.expires,
            "secure": cookie.secure,
            "port": None,
            "version": cookie.version or 0,
        }
    with open(f"{prefix}.wapiti.json", "w") as out:
        json.dump(wapiti, out, indent=1)
    with open(f"{prefix}.cookie", "w") as out:
        out.write("; ".join(f"{cookie.name}={cookie.value}" for cookie in jar))
    names = ", ".join(sorted(cookie.name for cookie in jar))
    print(f"logged in as {username} (cookies: {names})")


if __name__ == "__main__":
    main()
