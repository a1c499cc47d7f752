"""The report fixture loads, and its records say what the UN report says (paras 4 to 61)."""

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

import cases
from cases.dates import FuzzyDate, normalise
from cases.models import (
    Case,
    CaseParty,
    Charge,
    Detention,
    FuzzyDatesModel,
    Hearing,
    OffenceClass,
    Person,
    PersonGroup,
    TrialOutcome,
)

pytestmark = pytest.mark.django_db

D = dt.date.fromisoformat


@pytest.fixture
def seed(db):
    call_command("loaddata", "report_cases", verbosity=0)


def sexes(people) -> dict[str, int]:
    return dict(Counter(people.values_list("sex", flat=True)))


def members(label: str):
    return PersonGroup.objects.get(label=label).members.all()


def fixture_models():
    """Return the models the fixture fills (other models may hold rows seeded elsewhere)."""
    path = Path(cases.__file__).parent / "fixtures" / "report_cases.json"
    labels = {row["model"] for row in json.loads(path.read_text())}
    return [apps.get_model(label) for label in sorted(labels)]


def test_fixture_loads_the_documented_cases(seed):
    references = set(Case.objects.values_list("reference", flat=True))

    assert {
        "UN23-P05-RAINSY",
        "UN23-P06-SETHA",
        "UN23-P16-ODDAR",
        "UN23-P17-SAMRONG",
        "UN23-P17-SIHANOUK",
        "UN23-P20-SURROGATES",
        "UN23-P28-SOKHON",
        "UN23-P28-PLUK",
        "UN23-P29-CNRP51",
        "UN23-P29-CNRP37",
        "UN23-P30-SOKHA",
        "UN23-P31-SONCHHAY",
        "UN23-P31-KORM",
        "UN23-P32-KIMTOLA",
        "UN23-P32-BINCHONG",
        "UN23-P33-CP-ATTACKS",
        "UN23-P34-PISETH",
        "UN23-P35-OUKHUNG",
        "UN23-P37-VOD-SLAP",
        "UN23-P38-SINORN-KOSAL",
        "UN23-P39-NAGAWORLD",
        "UN23-P41-NGO-SONG",
        "UN23-P41-CCFC-RATANAKIRI",
        "UN23-P56-CC3",
        "UN23-P58-PREYSPEU",
        "UN23-P59-HAYBUNNA",
        "UN23-P59-TBONGKHMUM",
    } <= references


def test_loading_twice_changes_nothing(seed):
    before = {model: model.objects.count() for model in fixture_models()}

    call_command("loaddata", "report_cases", verbosity=0)

    assert {model: model.objects.count() for model in fixture_models()} == before


def test_kem_sokha_arrest_conviction_and_appeal(seed):
    sokha = Person.objects.get(name="Kem Sokha")
    first = TrialOutcome.objects.get(party__person=sokha, instance="first")
    articles = set(
        Charge.objects.filter(party__person=sokha, outcome="convicted").values_list(
            "offence__article", flat=True
        )
    )

    assert sokha.detentions.order_by("started_on").first().started_on == D("2017-09-03")
    assert first.verdict_on == D("2023-03-03")
    assert first.verdict == "convicted"
    assert first.court.name == "Phnom Penh Court of First Instance"
    assert articles == {"439", "443"}
    assert first.sentence_months == 324
    assert first.appeal_filed_on == D("2023-03-30")
    assert first.appealed_by == "defendant"
    assert sokha.detentions.filter(kind="supervision", started_on=D("2023-03-03")).exists()
    assert (
        Hearing.objects.filter(
            case__reference="UN23-P30-SOKHA", kind="verdict", status="held", time_known=False
        ).count()
        == 1
    )


def test_seam_pluk_group_sentences_and_verdict_day_arrests(seed):
    group = members("Seam Pluk and 12 others")
    sentences = Counter(
        TrialOutcome.objects.filter(party__person__in=group).values_list(
            "sentence_months", flat=True
        )
    )
    arrested = Person.objects.filter(
        detentions__case__reference="UN23-P28-PLUK",
        detentions__kind="sentence",
        detentions__started_on=D("2023-03-24"),
    )

    assert group.count() == 13
    assert sexes(group) == {"woman": 2, "man": 11}
    assert group.filter(name="Seam Pluk", is_named=True, sex="man").exists()
    assert TrialOutcome.objects.get(party__person__name="Seam Pluk").sentence_months == 30
    assert sentences == {30: 1, 24: 12}
    assert sexes(arrested) == {"woman": 1, "man": 2}


def test_nagaworld_nine_and_sithars_detention(seed):
    group = members("Chhim Sithar and 8 other Nagaworld union leaders")
    sithar = Person.objects.get(name="Chhim Sithar")
    pretrial = sithar.detentions.get(kind="pretrial")
    outcomes = TrialOutcome.objects.filter(party__case__reference="UN23-P39-NAGAWORLD")

    assert group.count() == 9
    assert sexes(group) == {"woman": 7, "man": 2}
    assert sithar.group.members.count() == 9
    assert pretrial.started_on == D("2022-11-26")
    assert (pretrial.ended_on, pretrial.end_reason) == (D("2023-05-25"), "next_stage")
    assert sithar.detentions.get(kind="sentence").started_on == D("2023-05-25")
    assert outcomes.get(party__person=sithar).sentence_months == 24
    assert sexes(Person.objects.filter(case_parties__outcomes__supervision_months=18)) == {
        "woman": 5
    }
    suspended = outcomes.filter(sentence_months=12, suspended_months=12)
    assert sexes(Person.objects.filter(case_parties__outcomes__in=suspended)) == {
        "woman": 1,
        "man": 2,
    }


@pytest.mark.parametrize(
    ("reference", "verdict_on", "breakdown"),
    [
        ("UN23-P29-CNRP51", "2022-06-14", {"woman": 9, "man": 42}),
        ("UN23-P29-CNRP37", "2022-12-22", {"woman": 3, "man": 34}),
    ],
)
def test_cnrp_convictions_by_sex(seed, reference, verdict_on, breakdown):
    convicted = Person.objects.filter(
        case_parties__case__reference=reference,
        case_parties__outcomes__verdict="convicted",
        case_parties__outcomes__verdict_on=D(verdict_on),
    )

    assert sexes(convicted) == breakdown


def test_oddar_meanchey_farmers_and_bail(seed):
    farmers = members("20 Oddar Meanchey farmers")
    held = Detention.objects.filter(case__reference="UN23-P16-ODDAR", kind="pretrial")

    assert sexes(farmers) == {"woman": 8, "man": 12}
    assert held.count() == 20
    assert {(d.started_on, d.started_until) for d in held} == {(D("2022-08-05"), D("2022-12-10"))}
    assert held.filter(ended_on=D("2023-03-01"), end_reason="bail").count() == 3
    assert held.filter(ended_on__isnull=True).count() == 17


@pytest.mark.parametrize(
    ("label", "breakdown"),
    [
        ("14 Candlelight Party activists attacked", {"woman": 2, "man": 12}),
        ("Six Sihanoukville land activists", {"man": 6}),
        ("Seven Samrong Tbong women representatives", {"woman": 7}),
        ("Four NGO representatives summoned in January 2023", {"man": 4}),
        ("CCFC President, two members and one trainer", {"unknown": 4}),
        ("Two surrogate mothers and their twins", {"woman": 2, "unknown": 4}),
        ("Hay Bunna and two friends", {"man": 3}),
    ],
)
def test_group_sizes_by_sex_follow_the_report(seed, label, breakdown):
    assert sexes(members(label)) == breakdown


def test_every_record_cites_a_paragraph(seed):
    sourced = [m for m in fixture_models() if any(f.name == "source" for f in m._meta.fields)]

    assert Case in sourced
    for model in sourced:
        sources = model.objects.values_list("source", flat=True)
        assert all("para" in source for source in sources), model


def test_every_unnamed_person_belongs_to_a_group(seed):
    unnamed = Person.objects.unnamed()

    assert unnamed.exists()
    assert not unnamed.filter(group__isnull=True).exists()


def test_bin_chong_forgery_charge_has_unknown_class(seed):
    charge = Charge.objects.get(party__person__name="Bin Chong")

    assert charge.offence.name == "Forgery"
    assert charge.offence.article == ""
    assert charge.offence.offence_class == OffenceClass.UNKNOWN


def test_month_precision_date_renders_as_the_month(seed):
    detention = Detention.objects.get(person__name="Bin Chong")

    assert str(FuzzyDate.of(detention, "started")) == "April 2023"


def test_son_chhay_damages_at_each_instance(seed):
    outcomes = TrialOutcome.objects.filter(party__person__name="Son Chhay")
    amounts = {o.instance: (o.damages_amount, o.damages_currency) for o in outcomes}

    assert amounts == {
        "first": (750_000, "USD"),
        "appeal": (1_000_000, "USD"),
        "supreme": (1_000_000, "USD"),
    }
    assert CaseParty.objects.filter(
        case__reference="UN23-P31-SONCHHAY", organisation__acronym="CPP"
    ).exists()


def test_fuzzy_dates_are_stored_as_save_would_store_them(seed):
    for model in fixture_models():
        if not issubclass(model, FuzzyDatesModel):
            continue
        for obj in model.objects.all():
            for prefix in model.fuzzy_dates:
                on, until = (getattr(obj, f"{prefix}_{part}") for part in ("on", "until"))
                precision = getattr(obj, f"{prefix}_precision")
                assert normalise(on, precision, until) == (on, until), (obj, prefix)


def test_every_record_passes_model_validation(seed):
    for model in fixture_models():
        for obj in model.objects.all():
            obj.full_clean()
