"""Seed the person roles and the four user roles (groups) with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_CODES = [
    "political_activist",
    "hrd",
    "journalist",
    "union",
    "land_community",
    "commune_councillor",
    "party_official",
    "ngo_worker",
    "other",
]

DOMAIN_MODELS = [
    "person", "persongroup", "organisation", "affiliation", "court", "detentionfacility",
    "case", "caseparty", "offence", "charge", "hearing", "trialoutcome", "detention",
    "detentionextension", "followup", "role",
]
# What a field monitor writes: the records of the cases they follow (never deletes).
MONITOR_WRITES = [
    "person", "persongroup", "organisation", "affiliation", "case", "caseparty", "charge",
    "hearing", "trialoutcome", "detention", "detentionextension", "followup",
]
SUPERVISOR_EXTRA_WRITES = ["court", "detentionfacility", "offence"]
SPECIAL = {
    "monitor": [],
    "supervisor": ["view_restricted_case", "manage_all_cases", "view_protected_identity"],
    "exporter": ["export_case"],
}

GROUPS = {
    "Field monitor": "monitor",
    "Supervisor": "supervisor",
    "Exporter": "exporter",
    "Admin": "admin",
}


def codenames(kind):
    view = [f"view_{m}" for m in DOMAIN_MODELS]
    if kind == "exporter":
        return view + SPECIAL["exporter"]
    writes = [f"{a}_{m}" for m in MONITOR_WRITES for a in ("add", "change")]
    if kind == "monitor":
        return view + writes
    extra = [f"{a}_{m}" for m in SUPERVISOR_EXTRA_WRITES for a in ("add", "change")]
    deletes = [f"delete_{m}" for m in DOMAIN_MODELS if m != "role"]
    return view + writes + extra + deletes + SPECIAL["supervisor"]


def seed(apps, schema_editor):
    Role = apps.get_model("cases", "Role")
    for code in ROLE_CODES:
        Role.objects.get_or_create(code=code)

    # Permissions are normally created after migrations; make them now.
    app_config = apps.get_app_config("cases")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, kind in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        if kind == "admin":
            perms = Permission.objects.filter(content_type__app_label__in=["cases", "auth"])
        else:
            perms = Permission.objects.filter(
                content_type__app_label="cases", codename__in=codenames(kind)
            )
        group.permissions.set(perms)


def unseed(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
