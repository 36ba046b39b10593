"""Every write to complaints and cases goes through a function here.

Each one is keyword-only, runs in a transaction, writes a CaseEvent beside the change, and sends
its domain signal (complaints/signals.py) inside that transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from . import signals
from .models import Case, CaseEvent, Complaint, Evidence, Platform, ReferenceCounter
from .pii import pii_hash


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


def reference_next(*, scope: str, label: str = "") -> str:
    """The next reference of a kind, e.g. PTA-2026-000123, unique however many requests race.

    The counter row stays locked until the caller's transaction ends, so call this as late in the
    transaction as possible.
    """
    year = timezone.localdate().year
    counter = ReferenceCounter.objects.filter(scope=scope, year=year)
    if not counter.update(value=F("value") + 1):
        try:
            with transaction.atomic():
                ReferenceCounter.objects.create(scope=scope, year=year, value=1)
        except IntegrityError:
            # Another request created this year's row first; its lock orders us after it.
            counter.update(value=F("value") + 1)
    value = counter.values_list("value", flat=True).get()
    parts = [settings.REFERENCE_PREFIX, label, str(year), f"{value:06d}"]
    return "-".join(p for p in parts if p)


def case_event_add(
    *,
    case: Case,
    kind: str,
    actor: AbstractBaseUser | None = None,
    complaint: Complaint | None = None,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(case=case, kind=kind, actor=actor, complaint=complaint, data=data or {})


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
            item.file.storage.delete(item.file.name)
        raise


@transaction.atomic
def _complaint_submit(*, data: ComplaintData, evidence: list[EvidenceUpload], stored: list[Evidence]) -> Complaint:
    case, _created = case_for_account(
        platform=data.platform,
        account_handle=data.account_handle,
        account_handle_normalized=data.account_handle_normalized,
    )
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
        data={"reference": complaint.reference, "evidence": len(evidence)},
    )
    signals.complaint_submitted.send(sender=Complaint, complaint=complaint)
    return complaint


@transaction.atomic
def case_transition(
    *,
    case: Case,
    to: str,
    actor: AbstractBaseUser | None,
    outcome: str = "",
    note: str = "",
    response_due_at: datetime | None = None,
) -> Case:
    """Move a case along its workflow; raises InvalidTransition where the model's table forbids it."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    case.check_transition(to, outcome=outcome)
    old = case.status
    now = timezone.now()
    case.status = to
    case.status_changed_at = now
    fields = ["status", "status_changed_at"]
    if to == Case.Status.REFERRED_TO_PLATFORM and case.sent_to_platform_at is None:
        case.sent_to_platform_at = now
        fields.append("sent_to_platform_at")
    if to == Case.Status.AWAITING_PLATFORM and response_due_at is not None:
        case.response_due_at = response_due_at
        fields.append("response_due_at")
    if to == Case.Status.PLATFORM_RESPONDED or (to == Case.Status.CLOSED and old == Case.Status.AWAITING_PLATFORM):
        if case.platform_responded_at is None and outcome != Case.Outcome.NO_RESPONSE:
            case.platform_responded_at = now
            case.timely_response = case.response_due_at is None or now <= case.response_due_at
            fields += ["platform_responded_at", "timely_response"]
    if to == Case.Status.CLOSED:
        case.closed_at, case.outcome = now, outcome
        fields += ["closed_at", "outcome"]
    elif old == Case.Status.CLOSED:
        case.closed_at, case.outcome = None, ""
        fields += ["closed_at", "outcome"]
    case.save(update_fields=fields)
    data: dict[str, Any] = {"old": old, "new": to}
    if outcome:
        data["outcome"] = outcome
    if note:
        data["note"] = note
    case_event_add(case=case, kind=CaseEvent.Kind.STATUS_CHANGED, actor=actor, data=data)
    signals.case_status_changed.send(sender=Case, case=case, old=old, new=to, actor=actor)
    return case
