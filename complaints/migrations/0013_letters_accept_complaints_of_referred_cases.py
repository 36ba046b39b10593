"""Complaints left RECEIVED on a case that was referred to its platform, or closed with the
platform's outcome, become ACCEPTED, each with its event row: from now on case_transition keeps
the two in step (docs/cases.md), and this puts the rows written before it in step too.

Rejected and duplicate complaints are not touched, and nor are cases closed as withdrawn or not
pursued. The reverse does nothing: the acceptances are facts on the timeline now.
"""

from django.db import migrations
from django.db.models import Q

REFERRED = ["REFERRED_TO_PLATFORM", "AWAITING_PLATFORM", "PLATFORM_RESPONDED"]
NOT_TAKEN_UP = ["NOT_PURSUED", "WITHDRAWN"]


def accept(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    CaseEvent = apps.get_model("complaints", "CaseEvent")
    pursued = (
        Q(case__status__in=REFERRED)
        | Q(case__sent_to_platform_at__isnull=False)
        | (Q(case__status="CLOSED") & ~Q(case__outcome__in=NOT_TAKEN_UP))
    )
    stale = Complaint.objects.filter(pursued, status="RECEIVED").order_by("pk")
    for complaint in stale.only("pk", "case_id", "reference").iterator(chunk_size=500):
        if Complaint.objects.filter(pk=complaint.pk, status="RECEIVED").update(status="ACCEPTED", duplicate_of=None):
            CaseEvent.objects.create(
                case_id=complaint.case_id,
                complaint_id=complaint.pk,
                kind="COMPLAINT_ACCEPTED",
                data={
                    "old": "RECEIVED",
                    "new": "ACCEPTED",
                    "reference": complaint.reference,
                    "note": "accepted when the rule that a referred case's complaints are accepted came in",
                },
            )


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0012_pii_fields_stateless_clean"),
    ]

    operations = [migrations.RunPython(accept, migrations.RunPython.noop)]
