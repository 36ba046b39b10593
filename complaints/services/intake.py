"""A citizen's complaint: submission with its evidence, and the open case for its account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import signals
from ..models import (
    Case,
    CaseEvent,
    Complaint,
    Evidence,
    PiiAccessLog,
    Platform,
)
from ..pii import pii_hash
from ..sla import sla_due_at
from .base import case_event_add, reference_next
from .cases import case_autoassign


@dataclass(frozen=True)
class EvidenceUpload:
    """A file that passed validation: the bytes to store and what we know of the original."""

    content: bytes
    original_name: str
    content_type: str
    sha256: str  # of the bytes as received, before any re-encoding
    size: int


@dataclass(frozen=True)
class ComplaintData:
    full_name: str
    cnic: str  # 13 digits
    mobile: str  # E.164
    email: str
    province: str
    city: str
    preferred_language: str
    platform: Platform
    account_handle: str
    account_handle_normalized: str
    account_url: str
    action_type: str
    action_date: date
    platform_notice_text: str
    appealed_to_platform: bool
    platform_appeal_ref: str
    category: str
    narrative: str
    consent_share_with_platform: bool
    platform_account_id: str = ""
    account_type: str = Complaint.AccountType.PRIVATE
    submitted_via: str = Complaint.SubmittedVia.WEB
    # Why staff should look twice at this filing (e.g. its CNIC is filing unusually often); never refused.
    review_note: str = ""


def case_for_account(*, platform: Platform, account_handle: str, account_handle_normalized: str) -> tuple[Case, bool]:
    """The open case for an account, created if there is none. Returns (case, created).

    Two submissions about one account can race here. The partial unique constraint
    one_open_case_per_account makes the second insert fail; it then finds and joins the first's case.
    """
    open_cases = Case.objects.filter(
        platform=platform, account_handle_normalized=account_handle_normalized, split_from__isnull=True
    ).exclude(status=Case.Status.CLOSED)
    for _attempt in range(3):
        case = open_cases.select_for_update().first()
        if case is not None:
            return case, False
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    reference=reference_next(scope="case", label="C"),
                    platform=platform,
                    account_handle=account_handle,
                    account_handle_normalized=account_handle_normalized,
                    due_at=sla_due_at(status=Case.Status.NEW, priority=Case.Priority.ROUTINE, start=timezone.now()),
                )
        except IntegrityError:
            continue
        case_event_add(case=case, kind=CaseEvent.Kind.CASE_OPENED, data={"new": Case.Status.NEW})
        return case, True
    raise RuntimeError("could not find or open a case for the account")  # pragma: no cover


def complaint_submit(*, data: ComplaintData, evidence: list[EvidenceUpload]) -> Complaint:
    """File a citizen's complaint: the row, its evidence, its case and the event, in one transaction."""
    stored: list[Evidence] = []
    try:
        return _complaint_submit(data=data, evidence=evidence, stored=stored)
    except BaseException:
        # The rows rolled back; the files written for them must not stay behind as orphans.
        for item in stored:
            if item.file.name:
                item.file.storage.delete(item.file.name)
        raise


@transaction.atomic
def _complaint_submit(*, data: ComplaintData, evidence: list[EvidenceUpload], stored: list[Evidence]) -> Complaint:
    case, created = case_for_account(
        platform=data.platform,
        account_handle=data.account_handle,
        account_handle_normalized=data.account_handle_normalized,
    )
    if created:
        case_autoassign(case=case)
    complaint = Complaint(
        reference=reference_next(scope="complaint"),
        case=case,
        full_name=data.full_name,
        cnic=data.cnic,
        cnic_hash=pii_hash(data.cnic),
        mobile=data.mobile,
        mobile_hash=pii_hash(data.mobile),
        email=data.email,
        province=data.province,
        city=data.city,
        preferred_language=data.preferred_language,
        platform=data.platform,
        account_handle=data.account_handle,
        account_handle_normalized=data.account_handle_normalized,
        account_url=data.account_url,
        platform_account_id=data.platform_account_id,
        account_type=data.account_type,
        action_type=data.action_type,
        action_date=data.action_date,
        platform_notice_text=data.platform_notice_text,
        appealed_to_platform=data.appealed_to_platform,
        platform_appeal_ref=data.platform_appeal_ref,
        category=data.category,
        narrative=data.narrative,
        consent_share_with_platform=data.consent_share_with_platform,
        submitted_via=data.submitted_via,
    )
    complaint.save()
    for upload in evidence:
        item = Evidence(
            complaint=complaint,
            original_name=upload.original_name[:255],
            content_type=upload.content_type,
            size=upload.size,
            sha256=upload.sha256,
        )
        item.file.save("evidence", ContentFile(upload.content), save=False)
        stored.append(item)
        item.save()
    case_event_add(
        case=case,
        complaint=complaint,
        kind=CaseEvent.Kind.COMPLAINT_RECEIVED,
        data={
            "reference": complaint.reference,
            "evidence": len(evidence),
            **({"review": data.review_note} if data.review_note else {}),
        },
    )
    signals.complaint_submitted.send(sender=Complaint, complaint=complaint)
    return complaint


def evidence_download_record(*, evidence: Evidence, actor: User) -> PiiAccessLog:
    """The access-log row for a member of staff downloading a complainant's evidence file."""
    return PiiAccessLog.objects.create(
        user=actor,
        complaint_id=evidence.complaint_id,
        action=PiiAccessLog.Action.EVIDENCE,
        detail={"evidence": evidence.pk, "sha256": evidence.sha256, "reference": evidence.complaint.reference},
    )
