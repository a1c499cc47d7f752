"""Let the Admin group see the reminder outbox and fix preferences or revoke calendar feeds."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ADMIN_CODENAMES = [
    "view_reminder",
    "view_notification",
    "view_digest",
    "view_reminderpreference",
    "change_reminderpreference",
    "view_calendarfeed",
    "delete_calendarfeed",
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("reminders")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Admin")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="reminders", codename__in=ADMIN_CODENAMES
        )
    )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    group = apps.get_model("auth", "Group").objects.filter(name="Admin").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="reminders")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0001_initial"),
        ("cases", "0002_roles_and_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
