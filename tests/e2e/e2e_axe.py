"""Accessibility checks with axe-core (vendored in vendor/, see vendor/README.md).

The app's Content-Security-Policy refuses inline scripts, so ``page.add_script_tag`` is blocked;
``page.evaluate`` goes through the DevTools protocol, which the policy does not cover, and lets
the check run on the page exactly as users get it (no ``bypass_csp``).
"""

from functools import cache
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}


@cache
def axe_source() -> str:
    # The trailing expression keeps evaluate() from returning the script's last value.
    return AXE.read_text(encoding="utf-8") + "\n;true"


def axe_violations(page, *, tags=WCAG_TAGS) -> list[dict]:
    """Return axe-core's serious and critical violations of ``tags`` on the page as it is."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    results = page.evaluate(
        """tags => axe.run(document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"],
        })""",
        list(tags),
    )
    return [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def describe(violations: list[dict]) -> str:
    """Return one block per violation: impact, rule id, help, each offending node's target."""
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {target}  {summary}")
    return "\n".join(lines)


def assert_accessible(page, *, tags=WCAG_TAGS) -> None:
    """Fail listing every serious or critical axe-core violation on the page."""
    violations = axe_violations(page, tags=tags)
    assert not violations, f"accessibility violations on {page.url}:\n{describe(violations)}"
