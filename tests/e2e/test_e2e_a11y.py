"""The main pages pass axe-core's WCAG 2.1 A/AA rules (serious and critical), on a desktop and a
phone, for a field monitor and a supervisor, over the report's cases; the skip link works by
keyboard and focus is visible."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from e2e_axe import axe_violations, describe

from cases.models import Case, Detention, Hearing
from reminders.kinds import Kind
from reminders.models import Notification
from tests.factories import make_extension, make_hearing, make_user

pytestmark = pytest.mark.e2e

CASE = "UN23-P39-NAGAWORLD"  # the report's case with the most detentions, and a hearing


def build_world(role: str) -> dict:
    """Load the report's cases, a user of ``role`` assigned to CASE, and their inbox."""
    call_command("loaddata", "report_cases", verbosity=0)
    user = make_user(role, username=role)
    case = Case.objects.get(reference=CASE)
    case.monitors.add(user)
    detention = Detention.objects.get(case=case, kind=Detention.Kind.PRETRIAL)  # Chhim Sithar
    make_extension(detention=detention, ordered_on=detention.started_on + dt.timedelta(days=100))
    hearing = Hearing.objects.filter(case=case).first()
    make_hearing(
        case=case,
        court=case.court,
        scheduled_at=timezone.now() + dt.timedelta(days=5),
        status=Hearing.Status.SCHEDULED,
    )
    Notification.objects.create(
        user=user,
        kind=Kind.BEYOND_LIMIT,
        title="Detention beyond its legal limit",
        body="Check the detention record.",
        url=detention.get_absolute_url(),
        urgent=True,
    )
    Notification.objects.create(
        user=user,
        kind=Kind.HEARING_UPCOMING,
        title="Hearing coming up",
        url=hearing.get_absolute_url(),
        read_at=timezone.now(),
    )
    return {"user": user, "case": case, "detention": detention, "hearing": hearing}


def pages(world: dict) -> dict[str, str]:
    """Return the pages to check, by name."""
    case, detention, hearing = world["case"], world["detention"], world["hearing"]
    urls = {
        "home": reverse("home"),
        "case list (filtered)": reverse("cases:case-list") + "?category=labour&o=-opened",
        "case detail": case.get_absolute_url(),
        "case timeline": reverse("cases:case-timeline", args=[case.pk]),
        "person list": reverse("cases:person-list"),
        "person detail": detention.person.get_absolute_url(),
        "hearing list": reverse("cases:hearing-list"),
        "hearing detail": hearing.get_absolute_url(),
        "detention list": reverse("cases:detention-list"),
        "detention detail": detention.get_absolute_url(),
        "notifications": reverse("reminders:notification-list"),
        "notification settings": reverse("reminders:preferences"),
        "security": reverse("accounts:security"),
        "case create form": reverse("cases:case-create"),
        "hearing create form": reverse("cases:hearing-create", args=[case.pk]),
    }
    if world["user"].has_perm("cases.manage_all_cases"):
        urls["legal-clock dashboard"] = reverse("cases:clock-dashboard")
    return urls


def check(page, name: str, url: str, failures: list[str]) -> None:
    response = page.goto(url)
    if response is None or response.status != 200:
        failures.append(f"{name} ({url}): HTTP {response and response.status}")
        return
    violations = axe_violations(page)
    if violations:
        failures.append(f"{name} ({url}):\n{describe(violations)}")


@pytest.mark.parametrize("role", ["monitor", "supervisor"])
def test_main_pages_have_no_serious_accessibility_violations(role, page, phone_page, log_in):
    world = build_world(role)
    failures: list[str] = []
    for viewport, tab in (("desktop", page), ("phone", phone_page)):
        check(tab, f"{viewport} login", reverse("login"), failures)
        log_in(tab, world["user"])
        for name, url in pages(world).items():
            check(tab, f"{viewport} {name}", url, failures)
        tab.goto(reverse("cases:hearing-create", args=[world["case"].pk]))
        tab.locator("#id_scheduled_at").fill("")
        with tab.expect_navigation():  # the form again, its errors beside the fields
            tab.locator("main form.record-form button[type=submit]").click()
        assert tab.locator(".field.has-error").count(), "the empty hearing form was accepted"
        if violations := axe_violations(tab):
            failures.append(f"{viewport} hearing form with errors:\n{describe(violations)}")
    assert not failures, "\n\n".join(failures)


# The focused element, its focus ring and how it contrasts with what lies behind it: the best
# of the outline's and the box-shadow's colours against the nearest opaque background.
FOCUS_STATE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const rgb = text => (text.match(/rgba?\\(([^)]+)\\)/) || [null, ""])[1].split(",").map(Number);
  const luminance = ([r, g, b]) => [r, g, b].map(c => {
    c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }).reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  const contrast = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  let node = el.parentElement, background = [255, 255, 255];
  while (node) {
    const color = rgb(getComputedStyle(node).backgroundColor);
    if (color.length === 3 || (color.length === 4 && color[3] > 0)) { background = color; break; }
    node = node.parentElement;
  }
  const rings = [];
  if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2) {
    rings.push(rgb(style.outlineColor));
  }
  if (style.boxShadow !== "none") rings.push(rgb(style.boxShadow));
  const box = el.getBoundingClientRect();
  const text = (el.innerText || el.name || "").trim().slice(0, 30);
  return {
    element: `${el.tagName.toLowerCase()}.${el.className} "${text}"`,
    isSkipLink: el.classList.contains("skip"),
    isMain: el.id === "main",
    onScreen: box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0,
    ringContrast: Math.max(0, ...rings.map(ring => contrast(ring, background))),
  };
}"""


def test_skip_link_comes_first_and_focus_is_always_visible(page, log_in):
    user = make_user("monitor", username="monitor")
    log_in(page, user)
    page.goto(reverse("cases:case-list") + "?category=labour")

    page.keyboard.press("Tab")
    first = page.evaluate(FOCUS_STATE)
    assert first["isSkipLink"], f"the first Tab stop is {first['element']}"
    assert first["onScreen"], "the skip link stays off screen when focused"

    page.keyboard.press("Enter")
    assert page.evaluate(FOCUS_STATE)["isMain"], "the skip link does not move focus to main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")

    page.goto(reverse("cases:case-list") + "?category=labour")
    weak = []
    for _ in range(30):  # the header, the filter form, the table's first links
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        if state["ringContrast"] < 3:
            weak.append(f"{state['element']}: contrast {state['ringContrast']:.2f}")
    assert not weak, "focus rings that are missing or below 3:1:\n" + "\n".join(weak)
