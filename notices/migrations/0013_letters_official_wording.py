"""The seeded letter templates read as an official letter: who writes from which office, our reference
and the date once in the heading, the addressee, the legal basis, a reply-by date and a signatory.
The subject no longer repeats our reference: the email's subject line already carries it.

Only templates still as seeded are rewritten: a supervisor's own wording is theirs, and stays.
"""

from importlib import import_module

from django.db import migrations, models

SEEDED = import_module("notices.migrations.0002_permissions_and_letter_templates").TEMPLATES
DATE_FILTERS = import_module("notices.migrations.0006_supervisors_own_templates_and_contacts").DATE_FILTERS

CASE_LIST = """{% for case in cases %}{{ forloop.counter }}. {{ case.reference }}  @{{ case.account_handle }}
{% endfor %}"""

HEADING = (
    "The {{ regulator_name }}\n"
    "{{ office }}\n\n"
    "Our reference: {{ letter.our_reference }}\n"
    "Date: {{ date }}\n\n"
    "{% if contact %}{{ contact.name }}\n{{ contact.role }}\n{% endif %}{{ platform.name }}\n\n"
    "Dear {% if contact %}{{ contact.name }}{% else %}Sir or Madam{% endif %},\n\n"
)
SIGNATURE = "\nYours faithfully,\n\n{{ signatory }}\nThe {{ regulator_name }}"
ACCOUNTS = "account{{ case_count|pluralize }}"

TEMPLATES = {
    "REINSTATEMENT_REQUEST": (
        "Request to review and restore {{ case_count }} " + ACCOUNTS + " on {{ platform.name }}",
        HEADING + "Under {{ legal_basis }}, the {{ regulator_name }} has received complaints from users in Pakistan "
        "about the action that {{ platform.name }} took against the {{ case_count }} " + ACCOUNTS + " listed below "
        "and in the attached annex.\n\n"
        "We ask you to review each action, to restore each account whose content breaches neither the law of "
        "Pakistan nor your terms of service, and to tell us your decision on each account by {{ reply_by }}, "
        "quoting our reference.\n\n" + CASE_LIST + SIGNATURE,
    ),
    "INFORMATION_REQUEST": (
        "Request for information on {{ case_count }} " + ACCOUNTS + " on {{ platform.name }}",
        HEADING + "Under {{ legal_basis }}, the {{ regulator_name }} asks you for the grounds of the action taken "
        "against the " + ACCOUNTS + " listed below and in the attached annex: the rule applied, whether the "
        "decision was automated, and the countries where it applies.\n\n"
        "Please send us this information by {{ reply_by }}, quoting our reference.\n\n" + CASE_LIST + SIGNATURE,
    ),
    "REMINDER": (
        "Reminder: our letter {{ original.our_reference }} awaits your reply",
        HEADING + "On {{ original.date_sent }} we wrote to you under our reference {{ original.our_reference }}. "
        "Your reply was due by {{ original.response_due_at }}, and we have not received your decision on the "
        "{{ case_count }} " + ACCOUNTS + " below.\n\n"
        "Please reply by {{ reply_by }}, quoting our reference.\n\n" + CASE_LIST + SIGNATURE,
    ),
    "ESCALATION": (
        "Escalation: {{ case_count }} unresolved " + ACCOUNTS + " on {{ platform.name }}",
        HEADING + "Under {{ legal_basis }}, the {{ regulator_name }} escalates the " + ACCOUNTS + " below, on which "
        "our earlier letters have not been resolved. We require your decision on each account by {{ reply_by }}, "
        "quoting our reference.\n\n" + CASE_LIST + SIGNATURE,
    ),
}


def _as_seeded(subject, body):
    for old, new in DATE_FILTERS.items():
        subject, body = subject.replace(old, new), body.replace(old, new)
    return subject, body


def _rewrite(apps, before, after):
    LetterTemplate = apps.get_model("notices", "LetterTemplate")
    for letter_type in after:
        LetterTemplate.objects.filter(
            letter_type=letter_type,
            language="en",
            subject=before[letter_type][0],
            body=before[letter_type][1],
        ).update(subject=after[letter_type][0], body=after[letter_type][1])


def forward(apps, schema_editor):
    _rewrite(apps, {t: _as_seeded(*wording) for t, wording in SEEDED.items()}, TEMPLATES)


def backward(apps, schema_editor):
    _rewrite(apps, TEMPLATES, {t: _as_seeded(*wording) for t, wording in SEEDED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0012_encrypted_fields_stateless_clean"),
    ]

    operations = [
        migrations.AlterField(
            model_name="lettertemplate",
            name="body",
            field=models.TextField(
                help_text=(
                    "Django template over plain values: letter.our_reference, date, reply_by, response_hours, "
                    "platform.name, contact.name, contact.role, cases (each: reference, account_handle), case_count, "
                    "legal_basis, regulator_name, signatory, office, and for reminders original.our_reference, "
                    "original.date_sent, original.response_due_at."
                ),
                verbose_name="body",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
