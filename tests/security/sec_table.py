"""The URL table of the security tests: every URL, the records filling it, what each role gets.

Statuses: ``LOGIN`` is a redirect to the login page; ``302`` a redirect anywhere else (a saved
form); ``200``, ``403``, ``404``, ``405`` as they are. ``post=None`` marks a page that takes no
POST: every role then gets 405 (anonymous: the login page) and nothing changes.

What a role may do follows README "Roles": anonymous users go to the login page; a record the
user may not see answers 404; a record they may see but not change answers 403; allowed
answers 200 (302 after a valid POST). One deliberate exception, marked ``PERMISSION_FIRST``:
a role that lacks the model permission altogether (an exporter editing, a monitor deleting)
gets 403 before the record is looked up, for any number in the URL, existing or not; the
existence test in test_sec_matrix.py proves that this 403 reveals nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace

from django.utils import timezone
from sec_urls import (
    bad_feed,
    feed,
    history_of,
    none,
    notification,
    record,
    reference,
    restore_of,
)

from tests.factories import PASSWORD

LOGIN = "login"
ROLES = ("anonymous", "monitor", "other", "supervisor", "exporter", "admin")


def statuses(default, **by_role) -> dict:
    """Return a status for every role: anonymous to the login page unless told otherwise."""
    result = dict.fromkeys(ROLES, default)
    result["anonymous"] = LOGIN
    result.update(by_role)
    return result


def posted(get: dict, **by_role) -> dict:
    """Return the POST statuses of a form page: a page shown (200) becomes a saved form (302)."""
    result = {role: 302 if status == 200 else status for role, status in get.items()}
    result.update(by_role)
    return result


# The ladders of README "Roles"; "monitor" is assigned to both cases, "other" to neither.
EVERYONE = statuses(200)
VIEW = {"normal": EVERYONE, "restricted": statuses(200, other=404, exporter=404)}
CHANGE = {
    "normal": statuses(200, other=403, exporter=403),
    "restricted": statuses(200, other=404, exporter=404),
}
DELETE = {
    "normal": statuses(200, monitor=403, other=403, exporter=403),
    "restricted": statuses(200, monitor=403, other=404, exporter=404),
}
SUPERVISORS = statuses(200, monitor=403, other=403, exporter=403)
WRITERS = statuses(200, exporter=403)  # every monitor, supervisors, admins
# PERMISSION_FIRST: the role lacks the model permission, so the view refuses before lookup.
PERMISSION_FIRST = 403


@dataclass(frozen=True)
class Entry:
    """One URL of the table, in one variant of its records."""

    name: str
    kwargs: object
    get: dict
    post: dict | None = None  # None: a page, 405 to a POST (anonymous: the login page)
    variant: str = ""  # "normal", "restricted", "loose" (a person in no case), "valid", "bad"
    source: str = ""  # the page whose form posts here ("" the page itself; "-" no form)
    valid: object = None  # function(world, records, role) -> fields that make the form valid
    read_only: bool = False  # no POST may change anything (set for pages: post=None)

    def __post_init__(self):
        if self.post is None:
            object.__setattr__(self, "read_only", True)
            not_allowed = statuses(405, anonymous=405 if self.get["anonymous"] != LOGIN else LOGIN)
            object.__setattr__(self, "post", not_allowed)

    @property
    def id(self) -> str:
        return f"{self.name}[{self.variant}]" if self.variant else self.name

    def records(self, world):
        if self.variant == "restricted":
            return world.restricted
        if self.variant == "loose":
            return SimpleNamespace(person=world.loose_person)
        return world.normal


# Valid input for each form, on top of what the rendered form already holds ----------------


def today() -> dt.date:
    return timezone.localdate()


def valid(**fields):
    """Return a function giving these fields; a callable value is called with (world, records)."""

    def build(world, records, role):
        return {
            key: value(world, records) if callable(value) else value
            for key, value in fields.items()
        }

    return build


def people_csv():
    """Return a small valid file to upload, read whole by every post that sends it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    class Rewound(SimpleUploadedFile):
        def read(self, *args):
            self.seek(0)
            return super().read(*args)

    return Rewound("people.csv", b"name,sex\nSec Import,woman\n", "text/csv")


def credentials(world, records, role):
    user = world.users.get(role, world.users["monitor"])
    return {"username": user.get_username(), "password": PASSWORD}


VALID = {
    "login": credentials,
    "accounts:security": valid(password=PASSWORD),
    # Back to the home page, not to the login page the form comes from (a redirect to it
    # would read as "sent to log in").
    "accounts:language": valid(language="km", next="/"),
    "accounts:password-change": valid(
        old_password=PASSWORD,
        new_password1="a fresh passphrase 2026",
        new_password2="a fresh passphrase 2026",
    ),
    "cases:case-create": valid(
        title="A new case", category="political_expression", opened_on="2023-03-10"
    ),
    "cases:person-create": valid(name="A new person"),
    "cases:group-create": valid(label="A new group"),
    "cases:organisation-create": valid(name="A new organisation", kind="ngo"),
    "cases:court-create": valid(name="A new court", level="first_instance"),
    "cases:facility-create": valid(name="A new facility", kind="prison"),
    "cases:party-create": valid(person=lambda w, r: w.loose_person.pk, role="victim"),
    "cases:charge-create": valid(offence=lambda w, r: w.other_offence.pk, charged_on="2023-02-02"),
    "cases:hearing-create": valid(scheduled_at="2030-06-03T08:30"),
    "cases:outcome-create": valid(instance="appeal", verdict="convicted", verdict_on="2023-09-01"),
    "cases:detention-create": valid(
        person=lambda w, r: r.person.pk,
        kind="police_custody",
        started_on="2020-01-01",
        ended_on="2020-01-02",
        end_reason="bail",
    ),
    "cases:extension-create": valid(
        ordered_on=lambda w, r: (today() - dt.timedelta(days=5)).isoformat(), months="1"
    ),
    "cases:followup-create": valid(kind="letter", description="A letter to the prison"),
    "observations:assess": valid(grade="C", reasoning="Counsel was sent out twice."),
    "imports:import-list": valid(kind="persons", file=lambda w, r: people_csv()),
    "observations:quick-hearing": valid(scheduled_at="2031-06-03T08:30", kind="trial"),
    "cases:detention-release": valid(
        **{"release-ended_on": lambda w, r: today().isoformat(), "release-end_reason": "bail"}
    ),
    "cases:detention-transition": valid(
        **{
            "transition-kind": "sentence",
            "transition-started_on": lambda w, r: today().isoformat(),
        }
    ),
}


# The table -----------------------------------------------------------------------------------


def case_entries(variant: str) -> list[Entry]:
    """Return the URLs of a case and of every record hanging off it, for one case."""
    view, change, delete = VIEW[variant], CHANGE[variant], DELETE[variant]
    restricted = variant == "restricted"

    def form(name, kwargs, get, **kw):
        return Entry(name, kwargs, get, posted(get), variant, valid=VALID.get(name), **kw)

    def page(name, kwargs, get):
        return Entry(name, kwargs, get, None, variant)

    case, party = record("case"), record("party")
    # A role without the change or delete permission is refused before the case is read.
    case_change = {**change, "exporter": PERMISSION_FIRST} if restricted else change
    case_delete = (
        {**delete, "other": PERMISSION_FIRST, "exporter": PERMISSION_FIRST}
        if restricted
        else delete
    )
    person_change = (
        {**WRITERS, "other": 404, "exporter": PERMISSION_FIRST} if restricted else WRITERS
    )
    person_delete = DELETE["normal"]  # a monitor or an exporter may delete no person at all
    observe = {**change, "exporter": PERMISSION_FIRST}
    # Only the release and transition forms post here; their page is the detention's.
    action = {**change, **{r: 405 for r, s in change.items() if s == 200}}
    return [
        page("cases:case-detail", case, view),
        form("cases:case-update", case, case_change),
        form("cases:case-delete", case, case_delete),
        page("cases:case-timeline", case, view),
        form("cases:party-create", record("case", "case_pk"), change),
        form("cases:party-update", party, change),
        form("cases:party-delete", party, delete),
        form("cases:charge-create", record("party", "party_pk"), change),
        form("cases:charge-update", record("charge"), change),
        form("cases:charge-delete", record("charge"), delete),
        form("cases:hearing-create", record("case", "case_pk"), change),
        page("cases:hearing-detail", record("hearing"), view),
        form("cases:hearing-update", record("hearing"), change),
        form("cases:hearing-delete", record("hearing"), delete),
        form("cases:outcome-create", record("party", "party_pk"), change),
        page("cases:outcome-detail", record("outcome"), view),
        form("cases:outcome-update", record("outcome"), change),
        form("cases:outcome-delete", record("outcome"), delete),
        form("cases:detention-create", record("case", "case_pk"), change),
        page("cases:detention-detail", record("detention"), view),
        form("cases:detention-update", record("detention"), change),
        form("cases:detention-delete", record("detention"), delete),
        Entry(
            "cases:detention-release",
            record("detention"),
            action,
            posted(change),
            variant,
            source="cases:detention-detail",
            valid=VALID["cases:detention-release"],
        ),
        Entry(
            "cases:detention-transition",
            record("detention"),
            action,
            posted(change),
            variant,
            source="cases:detention-detail",
            valid=VALID["cases:detention-transition"],
        ),
        form("cases:extension-create", record("detention", "detention_pk"), change),
        form("cases:extension-update", record("extension"), change),
        form("cases:extension-delete", record("extension"), delete),
        form("cases:followup-create", record("case", "case_pk"), change),
        page("cases:followup-detail", record("followup"), view),
        form("cases:followup-update", record("followup"), change),
        form("cases:followup-delete", record("followup"), delete),
        page("cases:person-detail", record("person"), view),
        form("cases:person-update", record("person"), person_change),
        form("cases:person-delete", record("person"), person_delete),
        # The history is for supervisors: refused by permission before the record is read.
        page("audit:history", history_of, SUPERVISORS),
        # Fair-trial observation: an exporter may read observations but never write one.
        form("observations:observe", record("hearing", "hearing_pk"), observe),
        Entry(
            "observations:autosave",
            record("hearing", "hearing_pk"),
            NOT_GET,
            observe,  # a JSON answer (200), never a redirect
            variant,
            source="-",
        ),
        page("observations:observation-detail", record("observation"), view),
        page("observations:attachment", record("attachment"), view),
        page("observations:case-observations", record("case", "case_pk"), view),
        form("observations:assess", record("case", "case_pk"), SUPERVISORS),
        Entry(
            "observations:quick-hearing",
            record("case"),
            NOT_GET,
            posted(change, exporter=PERMISSION_FIRST),
            variant,
            source="cases:case-detail",
            valid=VALID["observations:quick-hearing"],
        ),
    ]


def plain(name, get, post=None, kwargs=none, variant="", **kw) -> Entry:
    return Entry(name, kwargs, get, post, variant, valid=VALID.get(name), **kw)


REFERENCE = {  # URL prefix -> world attribute; who writes them (README "Roles")
    "group": ("group", WRITERS),
    "organisation": ("organisation", WRITERS),
    "court": ("court", SUPERVISORS),
    "facility": ("facility", SUPERVISORS),
}


def reference_entries() -> list[Entry]:
    entries = []
    for prefix, (attribute, writers) in REFERENCE.items():
        kwargs = reference(attribute)
        entries += [
            plain(f"cases:{prefix}-list", EVERYONE),
            plain(f"cases:{prefix}-create", writers, posted(writers)),
            plain(f"cases:{prefix}-detail", EVERYONE, kwargs=kwargs),
            plain(f"cases:{prefix}-update", writers, posted(writers), kwargs=kwargs),
            plain(f"cases:{prefix}-delete", SUPERVISORS, posted(SUPERVISORS), kwargs=kwargs),
        ]
    return entries


SELF_SERVICE = statuses(200)  # a logged-in user's own account pages
OWN_NOTIFICATION = statuses(404, monitor=302)  # the notification is the assigned monitor's
NOT_GET = statuses(405)

EXPORTERS = statuses(200, monitor=403, other=403)
OWN_EXPORT = statuses(404, monitor=403, other=403, exporter=200)


def export_entries() -> list[Entry]:
    """Return one entry per list and format: /exports/cases.csv, /exports/cases.xlsx..."""
    return [
        plain(
            "exports:export",
            EXPORTERS,
            kwargs=lambda world, records, n=name, f=fmt: {"list_name": n, "fmt": f},
            variant=f"{name}.{fmt}",
        )
        for name in ("people", "cases", "hearings", "detentions", "followups", "facilities")
        for fmt in ("csv", "xlsx")
    ]


def export_job(world, records) -> dict:
    return {"pk": world.export_job.pk}


def export_download(world, records) -> dict:
    return {"pk": world.export_job.pk, "token": world.export_job.token}


OWN_IMPORT = statuses(403, supervisor=200, admin=404)


def import_job(world, records) -> dict:
    return {"pk": world.import_job.pk}


def import_template(world, records) -> dict:
    return {"kind": "detentions", "file_format": "xlsx"}


def duplicate_pair(world, records) -> dict:
    """Return the variant's defendant and the person in no case (merged into the first)."""
    return {"pk": records.person.pk, "other_pk": world.loose_person.pk}


def merge_record(world, records) -> dict:
    return {"pk": world.merge_record.pk}


TABLE: list[Entry] = [
    # Public: the login page and the calendar feed (its token is the key).
    plain("login", statuses(200, anonymous=200), statuses(302, anonymous=302)),
    plain("reminders:calendar-feed", statuses(200, anonymous=200), kwargs=feed, variant="valid"),
    plain("reminders:calendar-feed", statuses(404, anonymous=404), kwargs=bad_feed, variant="bad"),
    plain("logout", NOT_GET, statuses(LOGIN), source="-"),
    # The home page renders for a POST too; it writes nothing.
    plain("home", EVERYONE, EVERYONE, source="-", read_only=True),
    # The user's own account: set-up pages redirect while no second factor is set up.
    plain("accounts:security", SELF_SERVICE, posted(SELF_SERVICE)),
    plain("accounts:password-change", SELF_SERVICE, posted(SELF_SERVICE)),
    plain("accounts:verify", statuses(302), statuses(302), source="-"),
    # Without a code from an app the form is shown again, with its error.
    plain("accounts:enrol", SELF_SERVICE, SELF_SERVICE),
    plain("accounts:backup-codes", statuses(302), statuses(302), source="-"),
    plain("accounts:disable", statuses(302), statuses(302), source="-"),
    # The language switch of every page's footer (the login page's too): POST only, anonymous
    # included (a cookie); a logged-in user's choice is saved.
    plain(
        "accounts:language",
        statuses(405, anonymous=405),
        statuses(302, anonymous=302),
        source="login",
    ),
    plain("reminders:notification-list", EVERYONE),
    plain("reminders:notification-read-all", NOT_GET, statuses(302), source="-"),
    plain("reminders:preferences", SELF_SERVICE, posted(SELF_SERVICE)),
    plain(
        "reminders:notification-read",
        NOT_GET,
        OWN_NOTIFICATION,
        kwargs=notification,
        source="-",
    ),
    plain("reminders:notification-open", OWN_NOTIFICATION, kwargs=notification),
    # Issuing a feed shows the page again with its new address (once).
    plain("reminders:calendar", SELF_SERVICE, SELF_SERVICE),
    plain("cases:case-list", EVERYONE),
    plain("observations:today", EVERYONE),
    plain("cases:case-create", WRITERS, posted(WRITERS)),
    plain("cases:clock-dashboard", SUPERVISORS),
    plain("cases:deleted-list", SUPERVISORS),
    plain("cases:deleted-restore", SUPERVISORS, posted(SUPERVISORS), kwargs=restore_of),
    plain("cases:hearing-list", EVERYONE),
    plain("cases:outcome-list", EVERYONE),
    plain("cases:detention-list", EVERYONE),
    plain("cases:followup-list", EVERYONE),
    plain("cases:person-list", EVERYONE),
    plain("cases:person-create", WRITERS, posted(WRITERS)),
    *reference_entries(),
    plain("cases:person-detail", EVERYONE, kwargs=record("person"), variant="loose"),
    plain(
        "cases:person-update",
        WRITERS,
        posted(WRITERS),
        kwargs=record("person"),
        variant="loose",
    ),
    plain(
        "cases:person-delete",
        SUPERVISORS,
        posted(SUPERVISORS),
        kwargs=record("person"),
        variant="loose",
    ),
    # Staff in the Admin group only; the audit log needs staff and audit.view_auditevent.
    plain("audit:event-list", statuses(403, admin=200)),
    # The admin sends whoever is not staff to the (application's) login page.
    plain(
        "admin:index",
        statuses(LOGIN, admin=200),
        statuses(LOGIN, admin=200),
        source="-",
        read_only=True,
    ),
    # Search: every role reads it; what it finds follows visible_to (tests/search/).
    plain("search:search", EVERYONE),
    # Statistics: every role that sees cases; the counts follow visible_to (tests/stats/).
    plain("stats:statistics", EVERYONE),
    plain("stats:download", EVERYONE),
    # Exports: the lists with their filters, for whoever has cases.export_case (exporters,
    # supervisors, admins); a background export's pages and one-time file are its owner's
    # alone (the exporter's here): anyone else with the permission gets 404.
    plain("exports:history", EXPORTERS),
    *export_entries(),
    plain("exports:job", OWN_EXPORT, kwargs=export_job),
    plain("exports:job-status", OWN_EXPORT, kwargs=export_job),
    plain("exports:download", OWN_EXPORT, kwargs=export_download),
    # Imports: supervisors and admins; a job is its uploader's (the supervisor's here): an
    # admin gets 404, roles that may not import get 403 before any job is looked up.
    plain("imports:import-list", SUPERVISORS, posted(SUPERVISORS)),
    plain("imports:template", SUPERVISORS, kwargs=import_template),
    plain("imports:job", OWN_IMPORT, kwargs=import_job),
    plain("imports:job-status", OWN_IMPORT, kwargs=import_job),
    plain("imports:job-errors", OWN_IMPORT, kwargs=import_job),
    plain(
        "imports:job-confirm", NOT_GET, posted(OWN_IMPORT), kwargs=import_job, source="imports:job"
    ),
    plain(
        "imports:job-cancel", NOT_GET, posted(OWN_IMPORT), kwargs=import_job, source="imports:job"
    ),
    # Duplicate people: supervisors (and admins) only, refused by permission before any
    # person is read; a merge posts its confirmation page's form (really merging, rolled back).
    plain("cases:person-duplicates", SUPERVISORS),
    plain(
        "cases:person-duplicate-dismiss",
        NOT_GET,
        posted(SUPERVISORS),
        kwargs=duplicate_pair,
        source="-",
    ),
    *[
        plain(
            "cases:person-merge",
            SUPERVISORS,
            posted(SUPERVISORS),
            kwargs=duplicate_pair,
            variant=variant,
        )
        for variant in ("normal", "restricted")
    ],
    plain("cases:merge-list", SUPERVISORS),
    plain("cases:merge-detail", SUPERVISORS, kwargs=merge_record),
    plain(
        "cases:merge-undo",
        NOT_GET,
        posted(SUPERVISORS),
        kwargs=merge_record,
        source="cases:merge-detail",
    ),
    *case_entries("normal"),
    *case_entries("restricted"),
]
