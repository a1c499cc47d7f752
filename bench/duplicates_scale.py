"""Measure duplicate detection at national scale: 100,000 people with romanised Khmer names.

Run (from the project root)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h6_dupes DEMO_MODE=1 \\
        .venv/bin/python bench/duplicates_scale.py [--people 100000] [--refill]

1. Creates the scratch database if it is missing and runs ``migrate``.
2. Fills it once with people whose names are drawn like real ones: a family name from 80
   common ones (Zipf: "Chan", "Sok" and "Kim" are everywhere), a given name from 200 common
   ones or made of two of 60 syllables, and 2% respellings of another person's name (word order,
   a final r, kh/k...). ``--refill`` empties and fills again.
3. Times the signature query, building the index of everyone, finding every pair, the check of
   one new name (with the index kept and without), and the report page (cold and kept), and
   counts the report page's queries. Writes ``bench/duplicates_scale.json``.

It refuses any database but a scratch one: never ``monitoring`` or ``test_*``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitoring.settings")

FAMILIES = [
    "Chan",
    "Sok",
    "Kim",
    "Chea",
    "Heng",
    "Ly",
    "Seng",
    "Sam",
    "Hun",
    "Meas",
    "Keo",
    "Pich",
    "Nget",
    "Prak",
    "Phan",
    "Mao",
    "Ouk",
    "Yim",
    "Tep",
    "Vong",
    "Long",
    "Ros",
    "Sar",
    "Pen",
    "Hem",
    "Thach",
    "Kong",
    "Chhun",
    "Bun",
    "Oum",
    "Khim",
    "Nuon",
    "Mom",
    "Chhim",
    "Kem",
    "Touch",
    "Sun",
    "Choun",
    "Nhem",
    "Srey",
    "Sim",
    "Tan",
    "Lim",
    "Ngor",
    "Men",
    "Yin",
    "Hang",
    "Nov",
    "Ek",
    "Som",
    "Koy",
    "Mey",
    "Chum",
    "Sous",
    "Tith",
    "Em",
    "Ngin",
    "Soy",
    "Lay",
    "Ung",
    "Uy",
    "Chey",
    "Sous",
    "Hak",
    "Kea",
    "Ream",
    "Ros",
    "Lach",
    "Neang",
    "Pov",
    "Van",
    "Sin",
    "Rath",
    "Seab",
    "Thong",
    "Voeun",
    "Chrea",
    "Khun",
    "Oeng",
]
GIVEN = [
    "Sokha",
    "Sophea",
    "Dara",
    "Vuthy",
    "Rithy",
    "Sovann",
    "Sothea",
    "Bopha",
    "Chenda",
    "Kosal",
    "Piseth",
    "Samnang",
    "Veasna",
    "Sreymom",
    "Kanha",
    "Lida",
    "Sophal",
    "Sokunthea",
    "Ratha",
    "Vannak",
    "Chantha",
    "Narith",
    "Phalla",
    "Sopheak",
    "Channa",
    "Vireak",
    "Sothy",
    "Makara",
    "Sreypov",
    "Pisey",
    "Monyroth",
    "Kimsan",
    "Sokhom",
    "Sovannara",
    "Chanthou",
    "Leakhena",
    "Rachana",
    "Sophorn",
    "Sreyneang",
    "Davy",
    "Kimly",
    "Bunthoeun",
    "Sarin",
    "Sarath",
    "Soeun",
    "Phearum",
    "Visal",
    "Vichet",
    "Chamroeun",
    "Sokhorn",
    "Sitha",
    "Sothearith",
    "Chakriya",
    "Rainsy",
    "Sithar",
    "Vibol",
    "Samphos",
    "Chhay",
    "Bunna",
    "Tola",
    "Setha",
    "Sokhon",
    "Piseth",
    "Sinorn",
    "Kosal",
    "Vichea",
    "Chantha",
    "Sophath",
    "Khon",
    "Monika",
    "Sopheap",
    "Thida",
    "Sreyleak",
    "Vathana",
    "Sokleng",
    "Theara",
    "Vanna",
    "Sambath",
    "Kakada",
    "Narin",
    "Rotha",
    "Seiha",
    "Borey",
    "Sovath",
    "Chanthy",
    "Bophal",
    "Nary",
    "Reaksmey",
    "Sreyroth",
    "Vanny",
    "Sokim",
    "Phirun",
    "Mealea",
    "Sokny",
    "Sreynich",
    "Vannda",
    "Chhorvy",
    "Pheakdey",
    "Sophy",
    "Malis",
    "Chanlina",
    "Sreyka",
    "Rany",
    "Sina",
    "Navy",
    "Lyda",
    "Socheat",
    "Kimhong",
    "Sokchea",
    "Chanrith",
    "Dalin",
    "Kunthea",
    "Rotanak",
    "Puthy",
    "Sophanna",
    "Sreyneth",
    "Kimheng",
    "Monyneath",
    "Bunthan",
    "Sophoan",
    "Kolab",
    "Vanthy",
    "Serey",
    "Sambo",
    "Veasna",
    "Phanith",
    "Channy",
    "Sotheary",
    "Pisal",
    "Sakada",
    "Ponlok",
    "Mony",
    "Kimleang",
    "Sreypich",
    "Rasmey",
    "Chhunly",
    "Seyha",
    "Kunthy",
    "Sarun",
    "Pov",
    "Sokha",
    "Roth",
    "Sopheavy",
    "Vantha",
    "Sreymao",
    "Chakra",
    "Ratanak",
]
SYLLABLES = [
    "so",
    "kha",
    "vann",
    "ra",
    "phal",
    "ny",
    "da",
    "rith",
    "chan",
    "thy",
    "mony",
    "pheap",
    "sok",
    "chea",
    "leak",
    "nak",
    "sak",
    "bo",
    "pha",
    "ra",
    "tha",
    "ka",
    "na",
    "vi",
    "reak",
    "pi",
    "sey",
    "sam",
    "nang",
    "veas",
    "srey",
    "mom",
    "kan",
    "li",
    "ly",
    "sor",
    "phorn",
    "kim",
    "san",
    "lin",
    "dy",
    "vuth",
    "roth",
    "ney",
    "mao",
    "pov",
    "neang",
    "chhay",
    "bun",
    "sar",
    "ath",
    "ol",
    "sina",
    "rath",
    "vy",
    "sothea",
    "chen",
    "chum",
    "rin",
]
ROUNDS = 3


def zipf_weights(n: int, s: float = 1.0) -> list[float]:
    return [1 / (rank + 1) ** s for rank in range(n)]


def respelled(name: str, rng: random.Random) -> str:
    words = name.split()
    trick = rng.choice(["order", "final r", "kh", "double"])
    if trick == "order":
        return " ".join(reversed(words))
    if trick == "final r":
        return name + "r"
    if trick == "kh" and "kh" in name.lower():
        return name.replace("kh", "k").replace("Kh", "K")
    return name[:-1] + name[-1] * 2


def names(count: int, seed: int = 6) -> list[str]:
    rng = random.Random(seed)
    families = zipf_weights(len(FAMILIES))
    givens = zipf_weights(len(GIVEN), 0.6)
    result: list[str] = []
    for _ in range(count):
        if result and rng.random() < 0.02:
            result.append(respelled(rng.choice(result), rng))
            continue
        family = rng.choices(FAMILIES, families)[0]
        if rng.random() < 0.5:
            given = rng.choices(GIVEN, givens)[0]
        else:
            given = (rng.choice(SYLLABLES) + rng.choice(SYLLABLES)).capitalize()
        result.append(f"{family} {given}")
    return result


def timed(function, rounds: int = ROUNDS):
    """Return (result, best seconds, all seconds) of ``rounds`` calls."""
    times, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = function()
        times.append(round(time.perf_counter() - start, 4))
    return result, min(times), times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--refill", action="store_true")
    args = parser.parse_args()

    import django
    from django.conf import settings

    django.setup()
    name = settings.DATABASES["default"]["NAME"]
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") or name == "monitoring":
        sys.exit("Give DATABASE_URL of a scratch PostgreSQL database (not monitoring).")
    if str(name).startswith("test_"):
        sys.exit("Refusing a test database.")
    ensure_database(settings.DATABASES["default"])

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from cases import duplicate_finder
    from cases.models import Person
    from tests.factories import make_user

    call_command("migrate", verbosity=0)
    if args.refill or Person.all_objects.count() != args.people:
        fill(args.people)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE cases_person")

    from django.contrib.auth import get_user_model

    User = get_user_model()
    supervisor = User.objects.filter(username="bench-supervisor").first() or make_user(
        "supervisor", username="bench-supervisor"
    )
    figures: dict[str, object] = {"people": Person.all_objects.count()}

    _, figures["signature_s"], _ = timed(duplicate_finder.signature)
    index, figures["index_build_s"], figures["index_build_runs_s"] = timed(
        lambda: duplicate_finder._build(supervisor, cleared=True)
    )
    tracemalloc.start()
    duplicate_finder._build(supervisor, cleared=True)
    figures["index_build_peak_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    tracemalloc.stop()
    sizes = sorted((len(m) for m in index.blocks.values()), reverse=True)
    figures["blocks"] = len(sizes)
    figures["largest_blocks"] = sizes[:5]
    figures["comparisons_without_blocking"] = len(index.people) * (len(index.people) - 1) // 2
    figures["pairs_within_blocks"] = sum(n * (n - 1) // 2 for n in sizes)
    pairs, figures["all_pairs_s"], _ = timed(
        lambda: index.pairs(limit=duplicate_finder.REPORT_LIMIT), rounds=1
    )
    tracemalloc.start()
    index.pairs(limit=duplicate_finder.REPORT_LIMIT)
    figures["all_pairs_peak_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    tracemalloc.stop()
    figures["pairs_found"] = index.found
    figures["pairs_kept"] = len(pairs)
    figures["pairs_kept_likely"] = sum(1 for pair in pairs if pair.match.is_likely)

    probe = {"name": "Kem Sokhar", "sex": "man"}
    _, figures["create_check_cold_s"], _ = timed(
        lambda: (duplicate_finder.forget(), duplicate_finder.matches_for_new(supervisor, **probe)),
        rounds=1,
    )
    hits, figures["create_check_kept_s"], _ = timed(
        lambda: duplicate_finder.matches_for_new(supervisor, **probe)
    )
    figures["create_check_hits"] = len(hits)

    # Static files from the source folders (no collectstatic for a benchmark).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(supervisor)
    url = reverse("cases:person-duplicates")
    duplicate_finder.forget()
    start = time.perf_counter()
    response = client.get(url)
    figures["report_first_answer_s"] = round(time.perf_counter() - start, 3)
    assert response.status_code == 200, response.status_code
    figures["report_first_answer_is_progress"] = b"refreshes by itself" in response.content
    while duplicate_finder._running:
        time.sleep(0.1)
    figures["report_background_search_s"] = round(time.perf_counter() - start, 2)
    with CaptureQueriesContext(connection) as queries:
        _, figures["report_kept_s"], _ = timed(lambda: client.get(url, {"page": 3}))
    figures["report_queries"] = len(queries.captured_queries) // ROUNDS
    figures["load_average"] = os.getloadavg()
    out = ROOT / "bench" / "duplicates_scale.json"
    out.write_text(json.dumps(figures, indent=2, default=str) + "\n")
    for key, value in figures.items():
        print(f"{key:32s} {value}")


def ensure_database(database: dict) -> None:
    import psycopg

    params = {
        "host": database.get("HOST") or "127.0.0.1",
        "port": database.get("PORT") or 5432,
        "user": database.get("USER") or "postgres",
        "dbname": "postgres",
        "autocommit": True,
    }
    if database.get("PASSWORD"):
        params["password"] = database["PASSWORD"]
    with psycopg.connect(**params) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database["NAME"]]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{database["NAME"]}"')


def fill(count: int) -> None:
    from django.db import connection, transaction

    from cases.models import Person

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE cases_person RESTART IDENTITY CASCADE")
        # audit: benchmark data in a scratch database, written without the trail on purpose
        Person.objects.bulk_create(
            (Person(name=text, sex="unknown") for text in names(count)), batch_size=5000
        )


if __name__ == "__main__":
    main()
