"""Rejection reasons chosen from a translated list, with a note the citizen reads only once approved.

Existing rejections keep their staff-written text as an internal, unapproved note (it was never
reviewed) under the general reason; status_reason itself goes in 0009. Supervisors get the
permission to approve notes.
"""

import django.db.models.deletion
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models
from django.db.models import F


def reasons_from_free_text(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    Complaint.objects.filter(status="REJECTED").update(rejection_reason="OTHER", rejection_note=F("status_reason"))


def free_text_from_notes(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    Complaint.objects.filter(status="REJECTED").update(status_reason=F("rejection_note"))


def supervisors_approve_notes(apps, schema_editor):
    app_config = apps.get_app_config("complaints")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="complaints", codename="approve_rejection_note")
    for group in Group.objects.filter(name="Supervisor"):
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0007_pii_search_log"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="complaint",
            options={
                "ordering": ["-received_at", "-id"],
                "permissions": [
                    ("view_complainant_pii", "Can view complainants' full CNIC, mobile and email"),
                    ("approve_rejection_note", "Can approve a rejection note for the citizen to read"),
                ],
                "verbose_name": "complaint",
                "verbose_name_plural": "complaints",
            },
        ),
        migrations.AddField(
            model_name="complaint",
            name="rejection_note",
            field=models.TextField(blank=True, verbose_name="rejection note"),
        ),
        migrations.AddField(
            model_name="complaint",
            name="rejection_note_approved_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="rejection note approved"),
        ),
        migrations.AddField(
            model_name="complaint",
            name="rejection_note_approved_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="complaint",
            name="rejection_note_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="complaint",
            name="rejection_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("INCOMPLETE", "The complaint is missing details we need to take it up."),
                    (
                        "NOT_A_PLATFORM_ACTION",
                        "The complaint is not about a platform's action against an account or its content.",
                    ),
                    ("PLATFORM_NOT_COVERED", "The service is not one of the platforms we correspond with."),
                    (
                        "NOT_THE_ACCOUNT_HOLDER",
                        "A complaint must come from the account holder or someone they have authorised.",
                    ),
                    ("TOO_OLD", "The platform's action is too long ago for us to take up."),
                    ("OTHER", "We cannot take up this complaint."),
                ],
                max_length=30,
                verbose_name="rejection reason",
            ),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("COMPLAINT_RECEIVED", "Complaint received"),
                    ("COMPLAINT_ACCEPTED", "Complaint accepted"),
                    ("COMPLAINT_REJECTED", "Complaint rejected"),
                    ("COMPLAINT_DUPLICATE", "Complaint marked duplicate"),
                    ("REJECTION_NOTE_APPROVED", "Rejection note approved"),
                    ("CASE_OPENED", "Case opened"),
                    ("STATUS_CHANGED", "Status changed"),
                    ("ASSIGNED", "Assigned"),
                    ("PRIORITY_CHANGED", "Priority changed"),
                    ("NOTE", "Internal note"),
                    ("MERGED", "Merged"),
                    ("SPLIT", "Split"),
                    ("ESCALATED", "Escalated as overdue"),
                    ("LETTER", "Letter"),
                    ("REPLY", "Platform reply"),
                    ("NOTICE", "Notice"),
                ],
                max_length=30,
            ),
        ),
        migrations.RunPython(reasons_from_free_text, free_text_from_notes),
        migrations.RunPython(supervisors_approve_notes, migrations.RunPython.noop),
    ]
