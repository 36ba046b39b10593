"""Notices permissions for the staff roles, and the first wording of each letter type.

The groups are fetched with get_or_create: complaints' roles migration creates them too, and either
may run first on a given database.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    # Drafts and refers, sends approved letters, records replies, edits templates and contacts.
    "Correspondence officer": {
        "notice": ["view"],
        "letter": ["view", "add", "change", "send_letter"],
        "lettercase": ["view", "add"],
        "lettertemplate": ["view", "change"],
        "reply": ["view", "add"],
        "replyattachment": ["view", "add"],
        "replycaseoutcome": ["view", "add"],
    },
    # Everything, and the two decisions that need a supervisor: approving a letter, retrying a dead notice.
    "Supervisor": {
        "notice": ["view", "change", "retry_notice"],
        "letter": ["view", "add", "change", "delete", "approve_letter", "send_letter"],
        "lettercase": ["view", "add", "change", "delete"],
        "lettertemplate": ["view", "add", "change", "delete"],
        "reply": ["view", "add", "change"],
        "replyattachment": ["view", "add", "change"],
        "replycaseoutcome": ["view", "add", "change"],
    },
    "Analyst": {
        "notice": ["view"],
        "letter": ["view"],
        "lettercase": ["view"],
        "lettertemplate": ["view"],
        "reply": ["view"],
        "replycaseoutcome": ["view"],
    },
}

CASE_LIST = """{% for case in cases %}{{ forloop.counter }}. {{ case.reference }}  @{{ case.account_handle }}
{% endfor %}"""

TEMPLATES = {
    "REINSTATEMENT_REQUEST": (
        "Request to review and restore {{ case_count }} account{{ case_count|pluralize }} ({{ letter.our_reference }})",
        "To {% if contact %}{{ contact.name }}, {{ contact.role }}, {% endif %}{{ platform.name }}\n\n"
        "Our reference: {{ letter.our_reference }}\n\n"
        "Under {{ legal_basis }}, {{ regulator_name }} has received complaints from users in Pakistan about the "
        "action {{ platform.name }} took against the {{ case_count }} account{{ case_count|pluralize }} listed below "
        "and in the attached annex. We ask you to review each action and to restore the accounts where the content "
        "does not breach the law of Pakistan or your terms of service, and to tell us your decision for each "
        "account, quoting our reference.\n\n" + CASE_LIST + "\n{{ regulator_name }}",
    ),
    "INFORMATION_REQUEST": (
        "Request for information on {{ case_count }} account{{ case_count|pluralize }} ({{ letter.our_reference }})",
        "To {% if contact %}{{ contact.name }}, {{ contact.role }}, {% endif %}{{ platform.name }}\n\n"
        "Our reference: {{ letter.our_reference }}\n\n"
        "Under {{ legal_basis }}, {{ regulator_name }} asks you for the grounds of the action taken against the "
        "account{{ case_count|pluralize }} listed below and in the attached annex: the rule applied, whether the "
        "decision was automated, and its territorial scope.\n\n" + CASE_LIST + "\n{{ regulator_name }}",
    ),
    "REMINDER": (
        "Reminder: {{ original.our_reference }} is overdue ({{ letter.our_reference }})",
        "To {% if contact %}{{ contact.name }}, {{ contact.role }}, {% endif %}{{ platform.name }}\n\n"
        "Our reference: {{ letter.our_reference }}, reminding you of {{ original.our_reference }} "
        "sent on {{ original.date_sent|date:'Y-m-d' }}, whose reply was due on "
        "{{ original.response_due_at|date:'Y-m-d H:i' }}.\n\n"
        "We have not received your decision on the {{ case_count }} account{{ case_count|pluralize }} below. "
        "Please reply, quoting our reference.\n\n" + CASE_LIST + "\n{{ regulator_name }}",
    ),
    "ESCALATION": (
        "Escalation: {{ case_count }} unresolved account{{ case_count|pluralize }} ({{ letter.our_reference }})",
        "To {% if contact %}{{ contact.name }}, {{ contact.role }}, {% endif %}{{ platform.name }}\n\n"
        "Our reference: {{ letter.our_reference }}\n\n"
        "Under {{ legal_basis }}, {{ regulator_name }} escalates the following account{{ case_count|pluralize }}, "
        "on which earlier letters have not been resolved. We require your decision within the deadline that "
        "applies to {{ platform.name }}.\n\n" + CASE_LIST + "\n{{ regulator_name }}",
    ),
}


def grant(apps, schema_editor):
    # Permissions are normally created by post_migrate, after every migration; we need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    grant_to_groups(apps)


def grant_to_groups(apps):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, models in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for model, actions in models.items():
            codenames = [a if "_" in a else f"{a}_{model}" for a in actions]
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label="notices", codename__in=codenames)
            )
    LetterTemplate = apps.get_model("notices", "LetterTemplate")
    for letter_type, (subject, body) in TEMPLATES.items():
        LetterTemplate.objects.get_or_create(
            letter_type=letter_type, language="en", defaults={"subject": subject, "body": body}
        )


def ungrant(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=GRANTS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="notices"))


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0001_initial"),
        ("complaints", "0003_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, ungrant)]
