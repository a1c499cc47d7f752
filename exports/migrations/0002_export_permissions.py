"""Who may export: the Exporter group already may; Supervisor and Admin may too.

The full (unredacted) profile needs ``cases.export_full`` ("Can export unredacted data", made
with the other case permissions): the Admin group holds it, and an administrator may grant it
to a user or a group. Exporters and supervisors get the redacted profile unless granted it.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Supervisor": ["export_case"],
    "Admin": ["export_case", "export_full"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("cases")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="cases", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Supervisor"):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="cases", codename="export_case")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("exports", "0001_initial"),
        ("cases", "0002_roles_and_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
