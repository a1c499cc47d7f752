"""Read one scan's reports and fail on any finding: the verdict of ``security/scan.sh``.

    python security/check_reports.py REPORT_DIR RUN [RUN ...]

A RUN is scanner-role, for example ``wapiti-monitor`` or ``sqlmap-supervisor``.

Fails (exit 1) on:

- any entry in a wapiti JSON report's ``vulnerabilities`` or ``anomalies`` (an anomaly is an
  HTTP 500 or a timeout wapiti provoked), except the few in ``ACCEPTED`` below, each with why;
- anything sqlmap found: an injection point it confirms (a results row it did not itself mark
  as a false positive), a positive XSS or file inclusion heuristic; sqlmap finding no form;
- any 5xx in gunicorn's access log, a traceback, ``ERROR`` log line or worker timeout in the
  server's output;
- ``manage.py check --deploy`` (with ``DJANGO_SECURE=1``) not clean;
- a scanner that did not finish (killed by ``SCANNER_TIMEOUT``) or left no report, and a
  scanner session that was no longer logged in at the end (the scan would have tested the login
  page only).

What wapiti did not finish within ``SCAN_BUDGET`` is said beside the verdict, not a failure.

Writes ``summary.txt`` beside the reports. Standard library only.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

# Findings that are the scan's set-up, not the app: each (wapiti category, regex on its info).
ACCEPTED = [
    (
        "HTTP Secure Headers",
        r"^Strict-Transport-Security is not set$",
        "HSTS is only sent over HTTPS (DJANGO_SECURE=1); the scan is plain HTTP on loopback. "
        "`manage.py check --deploy` with DJANGO_SECURE=1 checks it instead (check-deploy.txt).",
    ),
    (
        "Secure Flag cookie",
        r"^Secure flag is not set in the cookie : (__Host-)?(sessionid|csrftoken|django_language)$",
        "Cookies are Secure (and __Host- prefixed) only with DJANGO_SECURE=1, over HTTPS; the "
        "scan is plain HTTP. `check --deploy` with DJANGO_SECURE=1 checks the session and CSRF "
        "cookies instead.",
    ),
    (
        "HTTP Secure Headers",
        r"^X-XSS-Protection is not set$",
        "Deprecated header: browsers removed the XSS auditor it drove, Django stopped sending it "
        "(3.0) and OWASP advises against `1`, which wapiti 3.0.4 asks for; the CSP replaces it.",
    ),
]

# sqlmap output lines that are findings. Not findings by themselves: "appears to be ...
# injectable" (sqlmap goes on to check for a false positive; a confirmed injection point is
# printed as "identified the following injection point(s)" and written to the results file) and
# the basic heuristic's "might be injectable", which fires on any parameter that forgives a
# bad value: `?page=5003-5001` shows page 1, as Django's Paginator.get_page does.
SQLMAP_FINDINGS = [
    re.compile(p, re.I)
    for p in (
        r"identified the following injection point",
        r"might be vulnerable to cross-site scripting",
        r"might be vulnerable to file inclusion",
    )
]
# Django logs "<time> ERROR django.request ..." (and its traceback); gunicorn "[ERROR] ...".
SERVER_ERRORS = re.compile(
    r"Traceback \(most recent call last\)|WORKER TIMEOUT| ERROR |\[ERROR\]|\[CRITICAL\]"
)


def accepted(category: str, info: str) -> str | None:
    for accepted_category, pattern, reason in ACCEPTED:
        if category == accepted_category and re.search(pattern, info):
            return reason
    return None


def one_line(text: str, limit: int = 600) -> str:
    text = " | ".join(line.strip() for line in text.strip().splitlines() if line.strip())
    return text if len(text) <= limit else text[:limit] + " …"


def check_wapiti(
    out: Path, role: str, failures: list[str], notes: list[str], coverage: list[str]
) -> None:
    report = out / f"wapiti-{role}.json"
    if not report.exists():
        failures.append(f"wapiti ({role}): no report (see wapiti-{role}.log)")
        return
    data = json.loads(report.read_text())
    for section in ("vulnerabilities", "anomalies"):
        for category, entries in sorted(data.get(section, {}).items()):
            for entry in entries:
                info = entry.get("info", "")
                reason = accepted(category, info) if section == "vulnerabilities" else None
                where = f"{entry.get('method', '')} {entry.get('path', '')}".strip()
                if reason:
                    notes.append(f"wapiti ({role}) accepted: {category}: {info} ({where})")
                    continue
                param = entry.get("parameter") or ""
                kind = "vulnerability" if section == "vulnerabilities" else "anomaly"
                failures.append(
                    f"wapiti ({role}) {kind}: {category}: {info} at {where}"
                    + (f" parameter {param!r}" if param else "")
                    + f"\n      request: {one_line(entry.get('http_request', ''))}"
                    + (
                        f"\n      curl: {one_line(entry['curl_command'])}"
                        if entry.get("curl_command")
                        else ""
                    )
                )
    log = out / f"wapiti-{role}.log"
    if log.exists():
        text = log.read_text(errors="replace")
        for module in re.findall(r"Max attack time was reached for module (\w+)", text):
            notes.append(
                f"wapiti ({role}): module {module} reached WAPITI_MAX_ATTACK_TIME: not every "
                "resource was attacked by it"
            )
        cut = re.findall(r"WAPITI_DEADLINE: module (\w+) (stopped early|skipped)", text)
        if cut:
            coverage.append(
                f"wapiti ({role}) reached SCAN_BUDGET: "
                + ", ".join(f"{module} {what}" for module, what in cut)
            )
        if "Max scan time was reached" in text:
            notes.append(f"wapiti ({role}): crawling reached WAPITI_MAX_CRAWL_TIME")
        skipped = re.findall(r"^(\d+) requests were skipped due to network", text, re.M)
        for count in skipped:
            notes.append(f"wapiti ({role}): {count} requests skipped (timeouts, connections)")
        # wapiti prints a crashed module's exception and traceback, then goes on.
        if re.search(r"^Traceback|^  File \".*\", line \d+, in ", text, re.M):
            failures.append(f"wapiti ({role}): a module crashed (see wapiti-{role}.log)")


def check_sqlmap(out: Path, role: str, failures: list[str], notes: list[str]) -> None:
    log = out / f"sqlmap-{role}.log"
    if not log.exists():
        failures.append(f"sqlmap ({role}): no output")
        return
    text = log.read_text(errors="replace")
    for line in text.splitlines():
        if any(pattern.search(line) for pattern in SQLMAP_FINDINGS):
            failures.append(f"sqlmap ({role}): {line.strip()}")
    found = out / f"sqlmap-{role}-found.log"
    if found.exists() and found.read_text().strip():
        failures.append(f"sqlmap ({role}): injection data stored (see sqlmap-{role}-found.log)")
    results = out / f"sqlmap-{role}-results.csv"
    if results.exists():
        with results.open(newline="") as handle:
            for row in csv.DictReader(handle):
                where = (
                    f"{row.get('Place')} parameter {row.get('Parameter')!r} "
                    f"of {row.get('Target URL')}"
                )
                if "false positive" in (row.get("Note(s)") or ""):
                    notes.append(f"sqlmap ({role}) rejected as a false positive itself: {where}")
                else:
                    failures.append(
                        f"sqlmap ({role}) injection: {where} (technique {row.get('Technique(s)')})"
                    )
    forms = len(re.findall(r"^\[\d+/\d+\] (?:Form|URL):", text, re.M))
    tested = len(re.findall(r"testing if \w+ parameter '[^']*' is dynamic", text))
    dynamic = len(re.findall(r"parameter '[^']*' appears to be dynamic", text))
    notes.append(
        f"sqlmap ({role}): {forms} forms and URLs, {tested} parameters, {dynamic} dynamic "
        "(tested in full)"
    )
    if not forms:
        failures.append(f"sqlmap ({role}): found no form to test (session lost or crawl broken?)")


def check_server(out: Path, failures: list[str], notes: list[str]) -> None:
    access = out / "access.log"
    lines = access.read_text(errors="replace").splitlines() if access.exists() else []
    errors = [line for line in lines if re.match(r"5\d\d ", line)]
    for line in errors[:50]:
        failures.append(f"server answered {line[:600]}")
    if len(errors) > 50:
        failures.append(f"… and {len(errors) - 50} more 5xx answers (access.log)")
    statuses: dict[str, int] = {}
    for line in lines:
        statuses[line[:3]] = statuses.get(line[:3], 0) + 1
    notes.append(
        f"server: {len(lines)} requests, by status: "
        + ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    )
    server_log = out / "server.log"
    if server_log.exists():
        text = server_log.read_text(errors="replace")
        hits = [line for line in text.splitlines() if SERVER_ERRORS.search(line)]
        if hits:
            failures.append(
                f"server output: {len(hits)} error line(s), first: {hits[0].strip()[:300]} "
                "(see server.log)"
            )


def check_run(out: Path, failures: list[str]) -> None:
    deploy = out / "check-deploy.txt"
    text = deploy.read_text() if deploy.exists() else ""
    if "System check identified no issues" not in text:
        failures.append(
            f"manage.py check --deploy (DJANGO_SECURE=1): {one_line(text) or 'no output'}"
        )
    timings = out / "timings.txt"
    for line in timings.read_text().splitlines() if timings.exists() else []:
        name, _started, took, rc = line.split()
        if rc in ("124", "137"):
            failures.append(f"{name}: stopped by SCANNER_TIMEOUT after {took} s (scan incomplete)")
        elif rc != "0":
            failures.append(f"{name}: exit status {rc} (see {name}.log)")
    sessions = out / "sessions.txt"
    for line in sessions.read_text().splitlines() if sessions.exists() else []:
        name, code = line.split()
        if code != "200":
            failures.append(
                f"session {name} was logged out during the scan (GET / answered {code}): a "
                "crawled URL ends sessions; exclude it in security/scan.sh"
            )


def main() -> int:
    out = Path(sys.argv[1])
    runs = [run.split("-", 1) for run in sys.argv[2:]]
    failures: list[str] = []
    notes: list[str] = []
    coverage: list[str] = []  # what the time budget cut: said beside the verdict
    check_run(out, failures)
    for scanner, role in runs:
        if scanner == "wapiti":
            check_wapiti(out, role, failures, notes, coverage)
        else:
            check_sqlmap(out, role, failures, notes)
    check_server(out, failures, notes)
    lines = ["Security scan summary", ""]
    lines += [f"  note: {note}" for note in notes]
    lines.append("")
    if failures:
        lines.append(f"FAILED: {len(failures)} finding(s)")
        lines += [f"  - {failure}" for failure in failures]
    else:
        lines.append(
            "PASSED: no findings" + (" in what the time budget allowed" if coverage else "")
        )
    lines += [f"  incomplete: {item}" for item in coverage]
    summary = "\n".join(lines) + "\n"
    (out / "summary.txt").write_text(summary)
    print(summary, end="")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
