"""The statistics reproduce the report's figures on its documented cases, from the seed data.

Each test counts through the statistics (and some through the page) over the report's seed
(cases/fixtures/report_cases.json) and compares with what the paragraph it cites says. The
figures are the report's; nothing here is typed into the code that counts.

Figures the report gives only as totals, without the cases behind them, cannot come out of
case records and are not tested (README "Statistics"): 51 political activists and 36
defenders, journalists and union activists detained (para 6), 35 political actors detained
at the election (para 27), 51 hearings monitored (para 29), 14 hearings of Kem Sokha's trial
(para 30), 31 visits to 14 facilities (para 56), the prison population (para 54).
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from stats_support import page_row, row_of, stats_for

pytestmark = pytest.mark.django_db

SEXES = ("woman", "man", "other", "unknown")


def by_sex(row: dict) -> dict[str, int]:
    """Return the non-zero counts by sex of a row, as the report words them."""
    return {sex: row[sex] for sex in SEXES if row[sex]}


@pytest.fixture
def everyone(seed, supervisor):
    """Return the supervisor: sees every case, so every documented person counts."""
    return supervisor


@pytest.mark.parametrize(
    ("day", "convicted"),
    [
        # Para 29: "On 14 June 2022, 51 former leaders and supporters of the dissolved National
        # Cambodian Rescue Party (9 women and 42 men) were convicted".
        ("2022-06-14", {"woman": 9, "man": 42}),
        # Para 29: "On 22 December 2022, an additional 37 individuals (3 women and 34 men)".
        ("2022-12-22", {"woman": 3, "man": 34}),
    ],
)
def test_para_29_cnrp_convictions_by_sex(everyone, day, convicted):
    row = row_of(stats_for(everyone, day).summary(), "Convicted")

    assert by_sex(row) == convicted
    assert row["total"] == sum(convicted.values())


def test_para_28_seam_pluk_and_12_others_convicted_and_three_arrested(everyone):
    """Para 28: on 24 March 2023 the court "convicted Seam Pluk and 12 others (2 women and 10
    men)"; Mr. Pluk two and a half years, the others two years; "three members (one woman and
    two men) were arrested on the morning of the verdict"."""
    stats = stats_for(everyone, "2023-03-24")
    summary = stats.summary()
    sentences = stats.sentences()

    assert by_sex(row_of(summary, "Convicted")) == {"woman": 2, "man": 1 + 10}
    assert by_sex(row_of(summary, "Arrested")) == {"woman": 1, "man": 2}
    # Two and a half years and two years: all thirteen in the band of 2 to under 5 years.
    assert row_of(sentences, "2 to under 5 years")["total"] == 13
    assert sum(row.values[0] for row in sentences.rows) == 13


def test_para_39_nagaworld_nine_convicted_and_their_sentences(everyone):
    """Para 39: on 25 May 2023 the court convicted "nine union leaders and activists (seven
    women and two men)": Ms. Sithar a two-year custodial sentence, "five women were placed
    under judicial supervision ... while three others (one woman and two men) received
    one-year suspended sentences"."""
    stats = stats_for(everyone, "2023-05-25")
    sentences = stats.sentences()

    assert by_sex(row_of(stats.summary(), "Convicted")) == {"woman": 7, "man": 2}
    assert by_sex(row_of(stats.breakdown("convicted", "role"), "Union")) == {"woman": 7, "man": 2}
    assert by_sex(row_of(sentences, "2 to under 5 years")) == {"woman": 1}
    assert by_sex(row_of(sentences, "Judicial supervision")) == {"woman": 5}
    assert by_sex(row_of(sentences, "Prison term suspended")) == {"woman": 1, "man": 2}


def test_para_16_oddar_meanchey_farmers_arrested_held_and_three_bailed(everyone):
    """Para 16: "20 farmers (8 women and 12 men) were reportedly arbitrarily arrested between 5
    August and 10 December 2022 ... and held in pretrial detention. Three were released on bail
    on 1 March 2023." """
    arrests = stats_for(everyone, "2022-08-05", "2022-12-10").breakdown("arrested", "category")
    before_bail = stats_for(everyone, "2023-02-28").breakdown("pretrial_now", "category")
    after_bail = stats_for(everyone, "2023-03-01").breakdown("pretrial_now", "category")

    assert by_sex(row_of(arrests, "Land")) == {"woman": 8, "man": 12}
    assert row_of(before_bail, "Land")["total"] == 20
    assert row_of(after_bail, "Land")["total"] == 20 - 3


def test_paras_16_and_32_in_pretrial_detention_at_the_end_of_the_period(everyone):
    """Para 16: 17 of the 20 farmers still held (three bailed). Para 32: Bin Chong and Eang
    Chea, commune councillors, "are in detention awaiting trial on charges of forgery"."""
    stats = stats_for(everyone, "2022-06-01", "2023-05-31")
    by_role = stats.breakdown("pretrial_now", "role")

    assert row_of(stats.summary(), "In pretrial detention")["total"] == 17 + 2
    assert row_of(by_role, "Commune councillor")["total"] == 2
    assert by_sex(row_of(by_role, "Land or community")) == {"woman": 8 - 1, "man": 12 - 2}


def test_para_30_kem_sokha_sentenced_to_27_years(everyone):
    """Para 30: on 3 March 2023 the court "convicted and sentenced Mr. Sokha to 27 years"."""
    sentences = stats_for(everyone, "2023-03-03").sentences()

    assert by_sex(row_of(sentences, "10 years or more")) == {"man": 1}
    assert sum(row.values[0] for row in sentences.rows) == 1


def test_para_41_ccfc_four_charged_in_ratanakiri(everyone):
    """Para 41: "On 22 May 2023, the Ratanakiri municipal court charged the President, two
    members and one trainer" of the CCFC (sex not given)."""
    stats = stats_for(everyone, "2023-05-22")

    assert by_sex(row_of(stats.summary(), "Charged")) == {"unknown": 4}
    assert row_of(stats.breakdown("charged", "province"), "Ratanakiri")["total"] == 4
    assert row_of(stats.breakdown("charged", "court"), "Ratanakiri")["total"] == 4


def test_para_38_two_activists_arrested_and_charged(everyone):
    """Para 38: "On 21 March 2023, two political activists, Yim Sinorn and Hun Kosal, were
    arrested" and charged with incitement and insulting the King."""
    stats = stats_for(everyone, "2023-03-21")

    assert row_of(stats.summary(), "Arrested")["total"] == 2
    assert row_of(stats.summary(), "Charged")["total"] == 2
    assert row_of(stats.breakdown("arrested", "role"), "Political activist")["total"] == 2


def test_para_17_seven_women_summoned_and_six_men_convicted(everyone):
    """Para 17: in June 2022 "seven female community representatives ... were summoned by the
    police, reportedly on charges of incitement and causing public chaos"; in December 2022
    "six male land activists ... were convicted and sentenced to three to five years"."""
    june = stats_for(everyone, "2022-06-01", "2022-06-30").breakdown("charged", "category")
    december = stats_for(everyone, "2022-12-01", "2022-12-31").breakdown("convicted", "category")

    assert by_sex(row_of(june, "Land")) == {"woman": 7}
    assert by_sex(row_of(december, "Land")) == {"man": 6}


def test_para_59_tbong_khmum_case_shared_with_two_bodies(everyone):
    """Para 59: the case "was shared with the Cambodian Human Rights Committee and the National
    Committee against Torture on 6 April 2023"."""
    followups = stats_for(everyone, "2023-04-06").table("followups")

    assert row_of(followups, "Raised with an authority")["done"] == 2
    assert sum(row.values[0] for row in followups.rows) == 2


def test_the_page_shows_para_29_and_para_39_figures(everyone, client_for):
    client = client_for(everyone)
    cnrp = client.get(reverse("stats:statistics"), {"start": "2022-06-14", "end": "2022-06-14"})
    union = client.get(
        reverse("stats:statistics"),
        {"start": "2023-05-25", "end": "2023-05-25", "measure": "convicted"},
    )

    convicted = page_row(cnrp.text, "summary", "Convicted")
    assert (convicted["Total"], convicted["Women"], convicted["Men"]) == ("51", "9", "42")
    supervised = page_row(union.text, "sentences", "Judicial supervision")
    assert (supervised["Total"], supervised["Women"]) == ("5", "5")
    leaders = page_row(union.text, "role", "Union")
    assert (leaders["Women"], leaders["Men"]) == ("7", "2")


def test_the_reporting_period_counts_each_documented_conviction_once(everyone):
    """The whole period (1 June 2022 to 31 May 2023) holds every dated conviction of paras 5
    to 39; Ley Sokhon's (para 28) has no date in the report, so it is in no period and shows
    in the undated column."""
    row = row_of(stats_for(everyone, "2022-06-01", "2023-05-31").summary(), "Convicted")
    by_day = sum(
        row_of(stats_for(everyone, day).summary(), "Convicted")["total"]
        for day in ("2022-06-14", "2022-12-22", "2023-03-24", "2023-05-25")
    )

    assert row["undated"] == 1
    assert row["total"] >= by_day == 51 + 37 + 13 + 9
