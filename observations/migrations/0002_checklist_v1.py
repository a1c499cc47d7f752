"""Seed version 1 of the fair-trial checklist and the roles' observation permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.utils import timezone

from observations.checklist_v1 import ITEMS

MONITOR = ["view_observation", "add_observation", "change_observation", "view_attachment",
           "add_attachment", "view_fairnessassessment"]
SUPERVISOR = MONITOR + ["delete_attachment", "add_fairnessassessment",
                        "change_fairnessassessment", "delete_fairnessassessment"]
EXPORTER = ["view_observation", "view_attachment", "view_fairnessassessment"]
ADMIN = SUPERVISOR + ["view_checklist", "add_checklist", "change_checklist",
                      "view_checklistitem", "add_checklistitem", "change_checklistitem",
                      "delete_checklistitem"]
GROUPS = {"Field monitor": MONITOR, "Supervisor": SUPERVISOR, "Exporter": EXPORTER, "Admin": ADMIN}


def seed(apps, schema_editor):
    Checklist = apps.get_model("observations", "Checklist")
    Item = apps.get_model("observations", "ChecklistItem")
    if not Checklist.objects.filter(number=1).exists():
        checklist = Checklist.objects.create(
            number=1,
            title="Fair-trial checklist",
            note="DOMAIN.md section 10: OHCHR, OSCE/ODIHR, ICJ manuals; ICCPR arts. 9, 14, 15.",
            published_at=timezone.now(),
        )
        Item.objects.bulk_create(
            Item(checklist=checklist, code=code, section=section, position=(index + 1) * 10,
                 text=text, text_km=text_km, standard=standard)
            for index, (code, section, text, text_km, standard) in enumerate(ITEMS)
        )

    app_config = apps.get_app_config("observations")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="observations", codename__in=codenames
            )
        )


def unseed(apps, schema_editor):
    apps.get_model("observations", "Checklist").objects.filter(number=1).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("observations", "0001_initial"),
        ("cases", "0002_roles_and_groups"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
