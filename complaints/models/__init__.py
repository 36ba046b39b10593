"""Complaints from citizens, and the cases that group them per platform account.

Transition rules live here, on the models; the writes that use them live in services/.
Field names and values follow shared/docs/domain.md (CFPB, DSA transparency database, PTA practice).
The module is a package by concern; every name is importable from ``complaints.models`` as before
(migrations name ``complaints.models.evidence_upload_to`` and ``private_storage``).
"""

from .base import (
    CaseActionError,
    InvalidTransition,
    Language,
    Platform,
    PlatformContact,
    Province,
    ReferenceCounter,
    Role,
    StaffProfile,
)
from .cases import Case
from .complaints import Complaint, Evidence, evidence_upload_to, private_storage
from .events import CaseEvent, PiiAccessLog

__all__ = [
    "Case",
    "CaseActionError",
    "CaseEvent",
    "Complaint",
    "Evidence",
    "InvalidTransition",
    "Language",
    "PiiAccessLog",
    "Platform",
    "PlatformContact",
    "Province",
    "ReferenceCounter",
    "Role",
    "StaffProfile",
    "evidence_upload_to",
    "private_storage",
]
