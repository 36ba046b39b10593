"""Letter templates and platform contacts become the supervisors' to change; the change log is theirs to read.

A correspondence officer who can edit a template or a contact can make an approved letter say
something else or go somewhere else. Supervisors keep (from complaints' and notices' role
migrations) every permission removed here from the officers.

Also: reminders written before this release were approved by nobody; they become drafts for a
supervisor to approve. And the seeded REMINDER wording formatted dates with |date, which a plain
(string) context no longer needs.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REVOKE = {
    "Correspondence officer": {
        "notices": ["change_lettertemplate", "add_lettertemplate", "delete_lettertemplate"],
        "complaints": ["change_platformcontact", "add_platformcontact", "delete_platformcontact"],
    },
}
GRANT = {
    "Supervisor": {"notices": ["view_correspondenceevent"]},
}
DATE_FILTERS = {
    "{{ original.date_sent|date:'Y-m-d' }}": "{{ original.date_sent }}",
    "{{ original.response_due_at|date:'Y-m-d H:i' }}": "{{ original.response_due_at }}",
}


def tighten(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, by_app in REVOKE.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, codenames in by_app.items():
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
            )
    for role, by_app in GRANT.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, codenames in by_app.items():
            group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
    LetterTemplate = apps.get_model("notices", "LetterTemplate")
    for template in LetterTemplate.objects.all():
        subject, body = template.subject, template.body
        for old, new in DATE_FILTERS.items():
            subject, body = subject.replace(old, new), body.replace(old, new)
        if (subject, body) != (template.subject, template.body):
            LetterTemplate.objects.filter(pk=template.pk).update(subject=subject, body=body)
    Letter = apps.get_model("notices", "Letter")
    Letter.objects.filter(status="APPROVED", approved_by__isnull=True).update(status="DRAFT", approved_at=None)


def loosen(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, by_app in REVOKE.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, codenames in by_app.items():
            group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0005_letter_frozen_recipient_and_correspondence_events"),
        ("complaints", "0003_roles"),
    ]

    operations = [migrations.RunPython(tighten, loosen)]
