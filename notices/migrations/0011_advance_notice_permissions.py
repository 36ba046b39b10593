"""Advance-notice permissions for the staff roles (role names: complaints.models.Role).

Supervisors alone approve objections and register platforms' webhooks (their secrets sign our pushes).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Correspondence officer": {
        "advancenotice": ["view", "add", "respond_advancenotice", "record_advancenotice_outcome"],
        "advancenoticeevent": ["view"],
    },
    "Supervisor": {
        "advancenotice": [
            "view",
            "add",
            "change",
            "respond_advancenotice",
            "approve_advancenotice",
            "record_advancenotice_outcome",
        ],
        "advancenoticeevent": ["view"],
        "platformwebhook": ["view", "add", "change", "delete"],
    },
    "Caseworker": {"advancenotice": ["view"], "advancenoticeevent": ["view"]},
    "Analyst": {"advancenotice": ["view"], "advancenoticeevent": ["view"]},
}


def grant(apps, schema_editor):
    # Permissions are normally created by post_migrate, after every migration; we need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, models in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for model, actions in models.items():
            codenames = [a if "_" in a else f"{a}_{model}" for a in actions]
            group.permissions.add(*Permission.objects.filter(content_type__app_label="notices", codename__in=codenames))


def ungrant(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    models = {model for grants in GRANTS.values() for model in grants}
    for group in Group.objects.filter(name__in=GRANTS):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="notices", content_type__model__in=models)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0010_advance_notices"),
        ("complaints", "0003_roles"),
    ]

    operations = [migrations.RunPython(grant, ungrant)]
