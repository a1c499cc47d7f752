"""Time the check and the import of a large prisoner list (helper script, not a test).

Uses the database of DATABASE_URL (a scratch one: it writes people, cases and detentions and
leaves them there), runs both steps in this process as the worker would, and prints seconds,
rows a second and the growth of the peak resident memory.

    createdb -h 127.0.0.1 -U postgres h6_imports_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h6_imports_bench DEMO_MODE=1 \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h6_imports_bench DEMO_MODE=1 \\
        .venv/bin/python bench/imports_bench.py --rows 50000 --format csv
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import resource
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitoring.settings")

import django

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402

from cases.models import Case, DetentionFacility, Offence  # noqa: E402
from imports import services  # noqa: E402


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reference_data(tag: str):
    facility, _ = DetentionFacility.objects.get_or_create(
        name=f"Bench prison {tag}", defaults={"kind": "prison", "province": "phnom_penh"}
    )
    case, _ = Case.objects.get_or_create(
        reference=f"BENCH-{tag}", defaults={"title": "Bench case", "category": "other"}
    )
    offence, _ = Offence.objects.get_or_create(
        name=f"Bench offence {tag}", article=f"9{tag[:3]}", defaults={"offence_class": "felony"}
    )
    return facility, case, offence


FAMILY = [
    "Sok",
    "Chea",
    "Kim",
    "Heng",
    "Chan",
    "Ly",
    "Meas",
    "Mao",
    "Keo",
    "Nhem",
    "Pich",
    "Prak",
    "Sam",
    "Seng",
    "Sun",
    "Touch",
    "Yim",
    "Chhim",
    "Hun",
    "Kem",
    "Long",
    "Men",
    "Nou",
    "Ouk",
    "Pen",
    "Phan",
    "Ros",
    "Sao",
    "Tep",
    "Uy",
    "Vann",
    "Var",
    "Yin",
    "Chum",
    "Hang",
    "Im",
    "Khieu",
    "Lim",
    "Ngin",
    "Tan",
]
GIVEN = [
    "Sokha",
    "Sithar",
    "Dara",
    "Vanna",
    "Sopheap",
    "Chanthy",
    "Rithy",
    "Sophal",
    "Bopha",
    "Kosal",
    "Vuthy",
    "Sovann",
    "Pisey",
    "Sreymom",
    "Channa",
    "Thida",
    "Piseth",
    "Rotha",
    "Visal",
    "Sokunthea",
    "Sambath",
    "Chenda",
    "Vannak",
    "Samnang",
    "Kanha",
    "Veasna",
    "Sophea",
    "Leakhena",
    "Narith",
    "Sreyneang",
    "Boren",
    "Chantrea",
    "Davy",
    "Kimsan",
    "Lida",
    "Makara",
    "Nary",
    "Ponleu",
    "Rachana",
    "Serey",
    "Sothea",
    "Theary",
    "Vichet",
    "Vireak",
    "Sokleng",
    "Mony",
    "Nimol",
    "Oudom",
    "Panha",
    "Ratana",
]


def name_of(i: int) -> str:
    """Return a realistic romanised Khmer name: common family names repeat, as they do."""
    family, given = FAMILY[i % len(FAMILY)], GIVEN[(i // len(FAMILY)) % len(GIVEN)]
    third = GIVEN[(i // (len(FAMILY) * len(GIVEN))) % len(GIVEN)]
    return f"{family} {given} {third}" if i >= len(FAMILY) * len(GIVEN) else f"{family} {given}"


def rows(n: int, tag: str, facility, case, offence) -> list[list[str]]:
    header = ["name", "sex", "age", "started", "facility", "kind", "case_reference", "charges"]
    body = [
        [
            name_of(i),
            "man" if i % 2 else "woman",
            str(20 + i % 50),
            f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}",
            facility.name,
            "pretrial",
            case.reference if i % 10 == 0 else "",
            offence.article if i % 10 == 0 else "",
        ]
        for i in range(n)
    ]
    return [header, *body]


def as_file(table: list[list[str]], file_format: str) -> bytes:
    if file_format == "csv":
        out = io.StringIO(newline="")
        csv.writer(out).writerows(table)
        return out.getvalue().encode()
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in table:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument(
        "--no-namesakes", action="store_true", help="skip the duplicate finder (to compare)"
    )
    parser.add_argument("--check-only", action="store_true")
    args = parser.parse_args()
    if args.no_namesakes:
        from imports.namesakes import Found, Namesakes

        Namesakes.find = lambda self, person, number: Found()
        Namesakes.add = lambda self, person, number: None
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    tag = uuid.uuid4().hex[:6]
    user, _ = get_user_model().objects.get_or_create(username="bench-importer")
    user.groups.add(Group.objects.get(name="Supervisor"))
    facility, case, offence = reference_data(tag)
    content = as_file(rows(args.rows, tag, facility, case, offence), args.format)
    upload = SimpleUploadedFile(f"bench.{args.format}", content)
    services.enqueue = lambda job_id, step: None  # no worker, no thread: the steps run here
    job = services.create_job(kind="detentions", upload=upload, file_format=args.format, by=user)

    result = {"rows": args.rows, "format": args.format, "bytes": len(content)}
    result["vendor"] = connection.vendor
    base = peak_mib()
    steps = (("check", services.check_job), ("import", services.import_job))
    for step, run in steps[:1] if args.check_only else steps:
        if step == "import":
            services.confirm_job(job=job, by=user)
        reset_queries()
        started = time.perf_counter()
        outcome = run(job_id=job.pk)
        seconds = time.perf_counter() - started
        result[step] = {
            "outcome": outcome[:60],
            "seconds": round(seconds, 1),
            "rows_per_second": round(args.rows / seconds),
            "peak_rss_growth_mib": round(peak_mib() - base, 1),
        }
        print(step, result[step], flush=True)
    job.refresh_from_db()
    result["status"] = job.status
    result["written"] = job.written
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
