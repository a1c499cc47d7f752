"""Load the report's cases and, in demo mode, the demo users: safe to run again and again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from cases import access
from cases.models import Case, Hearing

FIXTURE = "report_cases"
DEMO_SOURCE = "demo data, not from the report"
DEMO_URL = "http://127.0.0.1:8000/"

# username -> group; the password is demo-<username>-2026.
DEMO_USERS = {
    "monitor": access.ROLE_MONITOR,
    "supervisor": access.ROLE_SUPERVISOR,
    "exporter": access.ROLE_EXPORTER,
    "admin": access.ROLE_ADMIN,
}
MONITOR_CASES_MATCHING = "SOKHA"
MONITOR_FIRST_CASES = 3


def demo_password(username: str) -> str:
    """Return the published password of a demo account."""
    return f"demo-{username}-2026"


class Command(BaseCommand):
    help = "Load the report's cases (once) and create the demo users (demo mode only)."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=DEMO_URL, help="Address to print in the summary.")

    def handle(self, *args, url: str, **options):
        self.load_report_cases()
        if not settings.DEMO_MODE:
            self.stdout.write(
                self.style.WARNING(
                    "Not creating demo users: DEMO_MODE is off. Their passwords are public, "
                    "so they only exist in a demo (set DEMO_MODE=1)."
                )
            )
            return
        with transaction.atomic():
            users = self.create_demo_users()
            cases = self.assign_monitor(users["monitor"])
            self.schedule_demo_hearing(cases)
        self.print_logins(url)

    def load_report_cases(self) -> None:
        if Case.objects.exists():
            self.stdout.write("Cases already present: not loading the report fixture again.")
            return
        fixture = Path(apps.get_app_config("cases").path) / "fixtures" / f"{FIXTURE}.json"
        if not fixture.exists():
            self.stdout.write(
                self.style.WARNING(f"No fixture at {fixture}: starting without the report's cases.")
            )
            return
        call_command("loaddata", FIXTURE, verbosity=0)
        self.stdout.write(f"Loaded the report's cases: {Case.objects.count()} cases.")

    def create_demo_users(self) -> dict:
        User = get_user_model()
        users = {}
        for username, group_name in DEMO_USERS.items():
            try:
                group = Group.objects.get(name=group_name)
            except Group.DoesNotExist as exc:
                raise CommandError(
                    f"Group {group_name!r} is missing: run `manage.py migrate` first."
                ) from exc
            is_admin = group_name == access.ROLE_ADMIN
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": "Demo",
                    "last_name": username,
                    "email": f"{username}@example.org",
                    "is_staff": is_admin,
                    "is_superuser": is_admin,
                },
            )
            if created:
                # Only on creation, so a password changed in the demo survives a re-run.
                user.set_password(demo_password(username))
                user.save(update_fields=["password"])
            elif is_admin and not (user.is_staff and user.is_superuser):
                user.is_staff = user.is_superuser = True
                user.save(update_fields=["is_staff", "is_superuser"])
            user.groups.add(group)
            users[username] = user
        return users

    def assign_monitor(self, monitor) -> list[Case]:
        """Assign the demo monitor to a few seed cases so their home page has data."""
        matching = list(Case.objects.filter(reference__icontains=MONITOR_CASES_MATCHING))
        first = list(Case.objects.all()[:MONITOR_FIRST_CASES])
        cases = list({case.pk: case for case in matching + first}.values())
        if not cases:
            self.stdout.write(self.style.WARNING("No cases yet: the demo monitor has none."))
            return []
        for case in cases:
            case.monitors.add(monitor)
        return cases

    def schedule_demo_hearing(self, cases: list[Case]) -> None:
        """Add one upcoming trial hearing, marked as demo data, when none is in the future."""
        now = timezone.now()
        if not cases or Hearing.objects.filter(scheduled_at__gte=now).exists():
            return
        case = cases[0]
        day = timezone.localdate() + dt.timedelta(days=10)
        hearing = Hearing(
            case=case,
            court=case.court,
            kind=Hearing.Kind.TRIAL,
            status=Hearing.Status.SCHEDULED,
            scheduled_at=timezone.make_aware(dt.datetime.combine(day, dt.time(8, 30))),
            source=DEMO_SOURCE,
        )
        hearing.full_clean()
        hearing.save()
        self.stdout.write(f"Scheduled a demo hearing in {case.reference} on {day:%d %B %Y}.")

    def print_logins(self, url: str) -> None:
        lines = [
            f"Case monitoring demo: {url}",
            "",
            f"{'username':<12}{'password':<24}role",
        ]
        lines += [
            f"{username:<12}{demo_password(username):<24}{group}"
            for username, group in DEMO_USERS.items()
        ]
        lines += ["", "Demo accounts only: these passwords are public."]
        width = max(len(line) for line in lines)
        border = "+" + "-" * (width + 2) + "+"
        self.stdout.write(border)
        for line in lines:
            self.stdout.write(f"| {line:<{width}} |")
        self.stdout.write(border)
