"""Receivers for complaints' domain signals (complaints/signals.py), connected in NoticesConfig.ready().

Each runs inside the sender's transaction and only writes outbox rows; publishing waits for the commit.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.utils import translation

from complaints import signals
from complaints.models import Case, Complaint

from . import services


@receiver(signals.complaint_submitted, dispatch_uid="notices.complaint_submitted")
def on_complaint_submitted(sender: type[Complaint], *, complaint: Complaint, **kwargs: Any) -> None:
    services.citizen_acknowledge(complaint=complaint)


@receiver(signals.complaint_rejected, dispatch_uid="notices.complaint_rejected")
def on_complaint_rejected(sender: type[Complaint], *, complaint: Complaint, reason: str, **kwargs: Any) -> None:
    # ``reason`` is a code: the citizen reads its label in their own language, never staff text.
    language = complaint.preferred_language if complaint.preferred_language in {"ur", "en"} else "ur"
    with translation.override(language):
        label = str(Complaint.RejectionReason(reason).label)
    services.citizen_notify(
        complaint=complaint,
        kind="rejected",
        event_key=f"rejected:{services.idempotency_nonce()}",
        context={"reason_label": label},
    )


@receiver(signals.complaint_rejection_note_approved, dispatch_uid="notices.complaint_rejection_note_approved")
def on_complaint_rejection_note_approved(
    sender: type[Complaint], *, complaint: Complaint, note: str, **kwargs: Any
) -> None:
    services.citizen_notify(
        complaint=complaint,
        kind="rejection_note",
        event_key=f"rejection_note:{services.idempotency_nonce()}",
        context={"note": note},
        email_only=True,
    )


@receiver(signals.complaint_marked_duplicate, dispatch_uid="notices.complaint_marked_duplicate")
def on_complaint_marked_duplicate(
    sender: type[Complaint], *, complaint: Complaint, duplicate_of: Complaint | None = None, **kwargs: Any
) -> None:
    services.citizen_notify(
        complaint=complaint,
        kind="duplicate",
        event_key=f"duplicate:{services.idempotency_nonce()}",
        context={"duplicate_of": duplicate_of.reference if duplicate_of else ""},
    )


@receiver(signals.case_status_changed, dispatch_uid="notices.case_status_changed")
def on_case_status_changed(sender: type[Case], *, case: Case, new: str, **kwargs: Any) -> None:
    services.case_status_notify(case=case, new=new)


@receiver(signals.case_overdue, dispatch_uid="notices.case_overdue")
def on_case_overdue(sender: type[Case], *, case: Case, supervisors: list[Any], **kwargs: Any) -> None:
    services.case_overdue_notify(case=case, supervisors=supervisors)
