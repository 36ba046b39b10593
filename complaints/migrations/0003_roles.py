"""The staff roles as groups, with their permissions on the complaints models.

Only Supervisor gets view_complainant_pii. The notices app grants its own models' permissions to
these groups by name in its own migration, so the names must not change.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = "view"
ROLES = {
    "Caseworker": {
        "case": ["view", "change"],
        "complaint": ["view", "change"],
        "caseevent": ["view"],
        "evidence": ["view"],
        "platform": ["view"],
        "platformcontact": ["view"],
    },
    "Supervisor": {
        "case": ["view", "change", "view_all_cases", "assign_case"],
        "complaint": ["view", "change", "view_complainant_pii"],
        "caseevent": ["view"],
        "evidence": ["view"],
        "platform": ["view", "change", "add"],
        "platformcontact": ["view", "change", "add", "delete"],
        "staffprofile": ["view", "change", "add"],
        "piiaccesslog": ["view"],
    },
    "Correspondence officer": {
        "case": ["view", "view_all_cases"],
        "complaint": ["view"],
        "caseevent": ["view"],
        "platform": ["view", "change"],
        "platformcontact": ["view", "change", "add"],
    },
    "Analyst": {
        "case": ["view", "view_all_cases"],
        "complaint": ["view"],
        "caseevent": ["view"],
        "platform": ["view"],
        "platformcontact": ["view"],
    },
}


def codename(action: str, model: str) -> str:
    return f"{action}_{model}" if action in {"view", "change", "add", "delete"} else action


def roles_create(apps, schema_editor):
    # Permissions are normally created after all migrations ran (post_migrate); this migration
    # needs them now, on a fresh database too.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        for model, actions in grants.items():
            for action in actions:
                group.permissions.add(
                    Permission.objects.get(content_type__app_label="complaints", codename=codename(action, model))
                )


def roles_delete(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0002_case_permissions_indexes"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(roles_create, roles_delete)]
