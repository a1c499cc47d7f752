"""Seed the rule table from shared/DOMAIN.md (sections 2 to 6), each rule with its source."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth.management import create_permissions
from django.db import migrations

CCPC = dt.date(2007, 8, 10)  # Code of Criminal Procedure promulgated (NS/RKM/0807/024)
DECREE_2021 = dt.date(2021, 1, 12)  # Royal Decree on sentence reduction and pardon

RULES = [
    dict(
        measure="police_custody", offence_class="any", period_hours=48, cap_hours=48,
        article="CCPC art. 96", confidence="high", effective_from=CCPC,
        source="CCPC art. 96 text: cjad.nottingham.ac.uk/en/legislation/243/keyword/252; "
        "iccdb.hrlc.net/data/doc/243/keyword/252. Counted from arrival at the police or "
        "gendarmerie unit, not from the arrest.",
    ),
    dict(
        measure="police_custody", offence_class="felony", period_hours=48, extension_hours=24,
        max_extensions=1, cap_hours=72, extension_condition="prosecutor's written permission",
        article="CCPC art. 96", confidence="medium", effective_from=CCPC,
        source="CCPC art. 96 (48 h: high); the 24 h extension figure is cut off in the excerpt "
        "(medium to unverified: english.cambodiadaily.com/news/lawmakers-ok-detention-law-"
        "changes-27298).",
    ),
    dict(
        measure="pretrial", offence_class="felony", age_band="adult", period_months=6,
        extension_months=6, max_extensions=2, cap_months=18,
        extension_condition="reasoned order of the investigating judge",
        article="CCPC art. 208", confidence="medium", effective_from=CCPC,
        source="ICJ (icj.org/south-east-asia-security-laws/cambodia...): up to 18 months for "
        "felonies (art. 208), high; the 6 + 6 + 6 split, medium (Cambodia Daily, CSD Court Watch).",
    ),
    dict(
        measure="pretrial", offence_class="misdemeanour", age_band="adult", period_months=4,
        extension_months=2, max_extensions=1, cap_months=6,
        cap_share_of_min_penalty=Decimal("0.5"),
        extension_condition="order of the investigating judge, once",
        article="CCPC art. 209", confidence="high", effective_from=CCPC,
        source="CCPC art. 209 text (cjad.nottingham.ac.uk/en/state/25/keyword/328); the cap of "
        "half the minimum penalty is from the ICJ page (medium).",
    ),
    dict(
        measure="pretrial", offence_class="petty", age_band="any", allowed=False,
        article="CCPC art. 204", confidence="high", effective_from=CCPC,
        source="CCPC art. 204: provisional detention only for offences carrying at least one "
        "year of imprisonment (AHRC, humanrights.asia AHRC-STM-194-2008).",
    ),
    dict(
        measure="pretrial", offence_class="felony", age_band="minor", period_months=4,
        cap_months=4, article="CCPC ~arts. 212-214; Law on Juvenile Justice 2016",
        confidence="medium", effective_from=CCPC,
        source="CSD Court Watch 2008 via Cambodia Daily (long-pretrial-detention-a-rights-issue-"
        "84711): 4 months for felonies, no extension for a juvenile.",
    ),
    dict(
        measure="pretrial", offence_class="misdemeanour", age_band="minor", period_months=2,
        cap_months=2, article="CCPC ~arts. 212-214; Law on Juvenile Justice 2016",
        confidence="medium", effective_from=CCPC,
        source="CSD Court Watch 2008 via Cambodia Daily: 2 months for misdemeanours, no extension.",
    ),
    dict(
        measure="pretrial", offence_class="any", age_band="child", allowed=False,
        article="age of criminal responsibility (14)", confidence="unverified",
        effective_from=CCPC,
        source="New Internationalist (age 14); article-level text not found.",
    ),
    dict(
        measure="immediate_appearance", offence_class="any", period_days=14,
        article="CCPC arts. 47-48, 304", confidence="high", effective_from=CCPC,
        source="CCPC art. 304 text (iccdb.hrlc.net/data/span/10218): judgment within two weeks "
        "of first appearance, or the detention ends by law.",
    ),
    dict(
        measure="appeal", offence_class="any", period_months=1,
        article="CCPC ~art. 382 (number unverified)", confidence="medium", effective_from=CCPC,
        source="Bernama via The Sun Daily, 3 March 2023: 'the convict has a month to appeal'. "
        "From pronouncement, for a party present at the verdict.",
    ),
    dict(
        measure="sentence_reduction", offence_class="any", share_numerator=1,
        share_denominator=3, article="Royal Decree of 12 January 2021", confidence="high",
        effective_from=DECREE_2021,
        source="Phnom Penh Post (decree summary); AKP 2023-11-07. Final convictions only; "
        "a reduction is at most one year per petition.",
    ),
    dict(
        measure="pardon", offence_class="any", share_numerator=2, share_denominator=3,
        article="Royal Decree of 12 January 2021", confidence="medium",
        effective_from=DECREE_2021,
        source="AKP 2021-2023 via cambodianewsgazette.com; Khmer Times 50602897 (a 2017 "
        "ministry statement said one half).",
    ),
    dict(
        measure="life_reduction", offence_class="any", period_months=120,
        article="Royal Decree of 12 January 2021", confidence="high", effective_from=DECREE_2021,
        source="Phnom Penh Post (decree summary): life sentence eligible after 10 years, first "
        "reduction to 30 years.",
    ),
]


def seed(apps, schema_editor):
    LegalRule = apps.get_model("cases", "LegalRule")
    for row in RULES:
        LegalRule.objects.create(**row)

    # Everyone reads the rules (every deadline shows its rule); only admins edit them.
    app_config = apps.get_app_config("cases")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = {
        p.codename: p
        for p in Permission.objects.filter(
            content_type__app_label="cases", codename__endswith="_legalrule"
        )
    }
    for group in Group.objects.filter(name__in=["Field monitor", "Supervisor", "Exporter"]):
        group.permissions.add(perms["view_legalrule"])
    for group in Group.objects.filter(name="Admin"):
        group.permissions.add(*perms.values())


def unseed(apps, schema_editor):
    apps.get_model("cases", "LegalRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_legal_rules"), ("cases", "0002_roles_and_groups")]
    operations = [migrations.RunPython(seed, unseed)]
