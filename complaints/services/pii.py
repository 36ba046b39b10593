"""Complainants' identifiers leaving the masked view: each reveal and export is logged."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from ..models import (
    Complaint,
    PiiAccessLog,
)
from ..pii import cnic_format


@dataclass(frozen=True)
class RevealedPii:
    cnic: str
    mobile: str
    email: str


@transaction.atomic
def complaint_pii_reveal(*, complaint: Complaint, actor: User) -> RevealedPii:
    """The complainant's full identifiers, with the PiiAccessLog row that records who saw them."""
    if not actor.has_perm("complaints.view_complainant_pii"):
        raise PermissionError("Revealing complainants' details needs the view_complainant_pii permission.")
    PiiAccessLog.objects.create(
        user=actor, complaint=complaint, action=PiiAccessLog.Action.REVEAL, detail={"reference": complaint.reference}
    )
    return RevealedPii(cnic=cnic_format(complaint.cnic), mobile=complaint.mobile, email=complaint.email)


def complaint_pii_export_record(*, complaints: list[Complaint], actor: User, export: str) -> int:
    """One EXPORT row per complaint whose complainant's details left the portal in a file."""
    PiiAccessLog.objects.bulk_create(
        PiiAccessLog(
            user=actor,
            complaint=complaint,
            action=PiiAccessLog.Action.EXPORT,
            detail={"reference": complaint.reference, "export": export},
        )
        for complaint in complaints
    )
    return len(complaints)


def complainant_search_record(*, actor: User, kind: str) -> PiiAccessLog:
    """The access-log row for one search by a complainant's ``kind`` of identifier ("cnic" or "mobile").

    The row holds the kind only: the value searched for is PII, and the log must not become a list
    of who was looked up.
    """
    if not actor.has_perm("complaints.view_complainant_pii"):
        raise PermissionError("Searching by CNIC or mobile needs the view_complainant_pii permission.")
    return PiiAccessLog.objects.create(user=actor, action=PiiAccessLog.Action.SEARCH, detail={"kind": kind})
