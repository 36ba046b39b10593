"""Every write to complaints and cases goes through a function in this package.

Each one is keyword-only, runs in a transaction, writes a CaseEvent beside the change, and sends
its domain signal (complaints/signals.py) inside that transaction. The public names are re-exported
here so callers keep writing ``from complaints.services import ...``.
"""

from .assignment import case_autoassign_publish, case_autoassign_sweep, cases_autoassign
from .base import case_event_add, reference_next
from .cases import (
    case_assign,
    case_escalate_overdue,
    case_merge,
    case_note_add,
    case_priority_set,
    case_reassign_bulk,
    case_split,
    case_take,
    case_transition,
)
from .evidence import evidence_clean_one, evidence_quarantine_sweep, evidences_clean_pending
from .intake import ComplaintData, EvidenceUpload, complaint_submit, evidence_download_record
from .pii import (
    RevealedPii,
    complainant_search_record,
    complaint_pii_export_record,
    complaint_pii_reveal,
)
from .staff import staff_totp_enrol
from .triage import complaint_accept, complaint_mark_duplicate, complaint_reject, complaint_rejection_note_approve

__all__ = [
    "ComplaintData",
    "EvidenceUpload",
    "RevealedPii",
    "case_assign",
    "case_autoassign_publish",
    "case_autoassign_sweep",
    "case_escalate_overdue",
    "case_event_add",
    "case_merge",
    "case_note_add",
    "case_priority_set",
    "case_reassign_bulk",
    "case_split",
    "case_take",
    "case_transition",
    "cases_autoassign",
    "complainant_search_record",
    "complaint_accept",
    "complaint_mark_duplicate",
    "complaint_pii_export_record",
    "complaint_pii_reveal",
    "complaint_reject",
    "complaint_rejection_note_approve",
    "complaint_submit",
    "evidence_clean_one",
    "evidence_download_record",
    "evidence_quarantine_sweep",
    "evidences_clean_pending",
    "reference_next",
    "staff_totp_enrol",
]
