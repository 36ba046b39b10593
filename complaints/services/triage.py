"""Triage of a complaint: accept, reject with a reason, or mark as a duplicate."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from .. import signals
from ..models import (
    CaseActionError,
    CaseEvent,
    Complaint,
)
from .base import case_event_add


def _complaint_status_set(*, complaint: Complaint, to: str, reason: str = "") -> tuple[Complaint, str]:
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    complaint.check_transition(to, reason=reason)
    old = complaint.status
    complaint.status = to
    complaint.status_reason = reason.strip()
    return complaint, old


@transaction.atomic
def complaint_accept(*, complaint: Complaint, actor: User) -> Complaint:
    complaint, old = _complaint_status_set(complaint=complaint, to=Complaint.Status.ACCEPTED)
    complaint.duplicate_of = None
    complaint.save(update_fields=["status", "status_reason", "duplicate_of"])
    case_event_add(
        case=complaint.case,
        complaint=complaint,
        kind=CaseEvent.Kind.COMPLAINT_ACCEPTED,
        actor=actor,
        data={"old": old, "new": complaint.status, "reference": complaint.reference},
    )
    return complaint


@transaction.atomic
def complaint_reject(*, complaint: Complaint, reason: str, actor: User) -> Complaint:
    """Reject a complaint (out of scope, incomplete); the citizen is told the reason through the signal."""
    complaint, old = _complaint_status_set(complaint=complaint, to=Complaint.Status.REJECTED, reason=reason)
    complaint.save(update_fields=["status", "status_reason"])
    case_event_add(
        case=complaint.case,
        complaint=complaint,
        kind=CaseEvent.Kind.COMPLAINT_REJECTED,
        actor=actor,
        data={"old": old, "new": complaint.status, "reference": complaint.reference, "reason": complaint.status_reason},
    )
    signals.complaint_rejected.send(sender=Complaint, complaint=complaint, reason=complaint.status_reason)
    return complaint


@transaction.atomic
def complaint_mark_duplicate(*, complaint: Complaint, duplicate_of: Complaint | None, actor: User) -> Complaint:
    if duplicate_of is not None and duplicate_of.pk == complaint.pk:
        raise CaseActionError("A complaint cannot be a duplicate of itself.")
    complaint, old = _complaint_status_set(complaint=complaint, to=Complaint.Status.DUPLICATE)
    complaint.duplicate_of = duplicate_of
    complaint.save(update_fields=["status", "status_reason", "duplicate_of"])
    case_event_add(
        case=complaint.case,
        complaint=complaint,
        kind=CaseEvent.Kind.COMPLAINT_DUPLICATE,
        actor=actor,
        data={
            "old": old,
            "new": complaint.status,
            "reference": complaint.reference,
            "duplicate_of": duplicate_of.reference if duplicate_of else None,
        },
    )
    signals.complaint_marked_duplicate.send(sender=Complaint, complaint=complaint, duplicate_of=duplicate_of)
    return complaint
