"""Triage of a complaint: accept, reject with a reason, or mark as a duplicate."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

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
    # Leaving REJECTED (or being rejected again) clears the reason and the note with its approval.
    complaint.rejection_reason = reason
    complaint.rejection_note = ""
    complaint.rejection_note_by = None
    complaint.rejection_note_approved_by = None
    complaint.rejection_note_approved_at = None
    return complaint, old


REJECTION_FIELDS = [
    "rejection_reason",
    "rejection_note",
    "rejection_note_by",
    "rejection_note_approved_by",
    "rejection_note_approved_at",
]


@transaction.atomic
def complaint_accept(*, complaint: Complaint, actor: User | None) -> Complaint:
    complaint, old = _complaint_status_set(complaint=complaint, to=Complaint.Status.ACCEPTED)
    complaint.duplicate_of = None
    complaint.save(update_fields=["status", "duplicate_of", *REJECTION_FIELDS])
    case_event_add(
        case=complaint.case,
        complaint=complaint,
        kind=CaseEvent.Kind.COMPLAINT_ACCEPTED,
        actor=actor,
        data={"old": old, "new": complaint.status, "reference": complaint.reference},
    )
    return complaint


@transaction.atomic
def complaint_reject(*, complaint: Complaint, reason: str, actor: User, note: str = "") -> Complaint:
    """Reject a complaint for one of Complaint.RejectionReason (a code); the citizen is told its
    translated label through the signal. ``note`` stays internal until complaint_rejection_note_approve."""
    complaint, old = _complaint_status_set(complaint=complaint, to=Complaint.Status.REJECTED, reason=reason)
    complaint.rejection_note = note.strip()
    complaint.rejection_note_by = actor if complaint.rejection_note else None
    complaint.save(update_fields=["status", *REJECTION_FIELDS])
    case_event_add(
        case=complaint.case,
        complaint=complaint,
        kind=CaseEvent.Kind.COMPLAINT_REJECTED,
        actor=actor,
        data={
            "old": old,
            "new": complaint.status,
            "reference": complaint.reference,
            "reason": reason,
            "note": complaint.rejection_note,
        },
    )
    signals.complaint_rejected.send(sender=Complaint, complaint=complaint, reason=reason)
    return complaint


@transaction.atomic
def complaint_rejection_note_approve(*, complaint: Complaint, actor: User) -> Complaint:
    """A supervisor other than its author releases the rejection note to the citizen (one email)."""
    if not actor.has_perm("complaints.approve_rejection_note"):
        raise PermissionDenied
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if complaint.status != Complaint.Status.REJECTED or not complaint.rejection_note:
        raise CaseActionError(gettext("There is no rejection note to approve."))
    if complaint.rejection_note_approved_at is not None:
        raise CaseActionError(gettext("The rejection note is already approved."))
    if complaint.rejection_note_by_id == actor.pk:
        raise CaseActionError(gettext("A note must be approved by someone other than its author."))
    complaint.rejection_note_approved_by = actor
    complaint.rejection_note_approved_at = timezone.now()
    complaint.save(update_fields=["rejection_note_approved_by", "rejection_note_approved_at"])
    case_event_add(
        case=complaint.case,
        complaint=complaint,
        kind=CaseEvent.Kind.REJECTION_NOTE_APPROVED,
        actor=actor,
        data={"reference": complaint.reference},
    )
    signals.complaint_rejection_note_approved.send(sender=Complaint, complaint=complaint, note=complaint.rejection_note)
    return complaint


@transaction.atomic
def complaint_mark_duplicate(*, complaint: Complaint, duplicate_of: Complaint | None, actor: User) -> Complaint:
    if duplicate_of is not None and duplicate_of.pk == complaint.pk:
        raise CaseActionError("A complaint cannot be a duplicate of itself.")
    complaint, old = _complaint_status_set(complaint=complaint, to=Complaint.Status.DUPLICATE)
    complaint.duplicate_of = duplicate_of
    complaint.save(update_fields=["status", "duplicate_of", *REJECTION_FIELDS])
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
