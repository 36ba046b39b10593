"""Receivers for complaints' domain signals (complaints/signals.py), connected in NoticesConfig.ready().

Each runs inside the sender's transaction and only writes outbox rows; publishing waits for the commit.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from complaints import signals
from complaints.models import Case, Complaint

from . import selectors, services


@receiver(signals.complaint_submitted, dispatch_uid="notices.complaint_submitted")
def on_complaint_submitted(sender: type[Complaint], *, complaint: Complaint, **kwargs: Any) -> None:
    services.citizen_notify(
        complaint=complaint,
        kind="acknowledgement",
        event_key="acknowledgement",
        context={"reference": complaint.reference},
    )
    # A complaint about an account that had an advance notice shows that notice to its caseworker.
    for notice in selectors.advance_notices_for_complaint(complaint=complaint):
        services.advance_notice_link(notice=notice, complaint=complaint)


@receiver(signals.complaint_rejected, dispatch_uid="notices.complaint_rejected")
def on_complaint_rejected(sender: type[Complaint], *, complaint: Complaint, reason: str, **kwargs: Any) -> None:
    services.citizen_notify(
        complaint=complaint,
        kind="rejected",
        event_key=f"rejected:{services.idempotency_nonce()}",
        context={"reason": reason},
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
