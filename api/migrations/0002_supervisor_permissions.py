"""Supervisors issue and revoke platform API tokens and read the API request log; nobody else does."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {"platformtoken": ["view", "add", "change"], "apirequestlog": ["view"]}


def grant(apps, schema_editor):
    # As in complaints' roles migration: permissions must exist now, on a fresh database too.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Supervisor")
    for model, actions in GRANTS.items():
        for action in actions:
            group.permissions.add(Permission.objects.get(content_type__app_label="api", codename=f"{action}_{model}"))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    group = apps.get_model("auth", "Group").objects.filter(name="Supervisor").first()
    if group is not None:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="api"))


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("notices", "0002_permissions_and_letter_templates"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
