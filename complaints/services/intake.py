"""A citizen's complaint: submission with its evidence, and the open case for its account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery
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
from .assignment import case_autoassign_publish
from .base import reference_format, reference_number_next, reference_sequence, reference_sequences_ensure
from .evidence import evidence_clean_publish


@dataclass(frozen=True)
class EvidenceUpload:
    """A file that passed validation: the bytes to store and what we know of the original."""

    content: bytes
    original_name: str
    content_type: str
    sha256: str  # of the bytes as received, before any re-encoding
    size: int
    # A picture kept as received, for a worker to re-encode (complaints.services.evidence).
    pending: bool = False


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


# The open case for an account, share-locked (a concurrent close is waited for, then seen), and in
# the same round trip the complaint's number and, only when there is no open case, the new case's.
_CASE_FIELDS = Case._meta.concrete_fields
_CASE_COLUMNS = ", ".join(f'c."{f.column}"' for f in _CASE_FIELDS)
# The column names come from the model; every value is a parameter.
_OPEN_CASE_SQL = (
    f"SELECT nextval(%s), CASE WHEN c.id IS NULL THEN nextval(%s) END, {_CASE_COLUMNS}"  # noqa: S608
    " FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT * FROM complaints_case"
    " WHERE platform_id = %s AND account_handle_normalized = %s AND status <> 'CLOSED'"
    " AND split_from_id IS NULL LIMIT 1 FOR SHARE) AS c ON true"
)


def _open_case(*, platform: Platform, account_handle_normalized: str, year: int) -> tuple[int, int | None, Case | None]:
    """(complaint number, new case number or None, the open case or None), in one statement."""
    if connection.vendor != "postgresql":
        return _open_case_embedded(platform=platform, account_handle_normalized=account_handle_normalized, year=year)
    params: list[Any] = [
        reference_sequence(scope="complaint", year=year),
        reference_sequence(scope="case", year=year),
        platform.pk,
        account_handle_normalized,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_OPEN_CASE_SQL, params)
        complaint_number, case_number, *row = cursor.fetchone()
    if row[0] is None:
        return complaint_number, case_number, None
    case = Case.from_db(connection.alias, [f.attname for f in _CASE_FIELDS], row)
    case.platform = platform
    return complaint_number, None, case


def _open_case_embedded(
    *, platform: Platform, account_handle_normalized: str, year: int
) -> tuple[int, int | None, Case | None]:
    """The same answer on SQLite (the embedded first look), whose single writer needs no lock."""
    case = (
        Case.objects.filter(
            platform=platform, account_handle_normalized=account_handle_normalized, split_from__isnull=True
        )
        .exclude(status=Case.Status.CLOSED)
        .first()
    )
    complaint_number = reference_number_next(scope="complaint", year=year)
    case_number = None if case is not None else reference_number_next(scope="case", year=year)
    return complaint_number, case_number, case


def _case_insert(*, case: Case) -> bool:
    """INSERT the case unless an open case for the account appeared meanwhile: no savepoint needed.

    Two submissions about one account can race past the lookup. The partial unique constraint
    one_open_case_per_account makes the second INSERT do nothing (ON CONFLICT DO NOTHING) instead
    of failing the transaction; the caller then joins the first's case.
    """
    query = InsertQuery(Case, on_conflict=OnConflict.IGNORE)
    query.insert_values([f for f in _CASE_FIELDS if not f.primary_key], [case])
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [Case._meta.pk]
    [(sql, params)] = compiler.as_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    case.pk = row[0]
    case._state.adding, case._state.db = False, connection.alias
    return True


def _case_for_account(*, data: ComplaintData, year: int) -> tuple[int, Case, bool]:
    """(the complaint's number, the open case for its account, whether this call opened it)."""
    for _attempt in range(3):
        complaint_number, case_number, case = _open_case(
            platform=data.platform, account_handle_normalized=data.account_handle_normalized, year=year
        )
        if case is not None:
            return complaint_number, case, False
        now = timezone.now()
        case = Case(
            reference=reference_format(label="C", year=year, value=case_number or 0),
            platform=data.platform,
            account_handle=data.account_handle,
            account_handle_normalized=data.account_handle_normalized,
            opened_at=now,
            status_changed_at=now,
            due_at=sla_due_at(status=Case.Status.NEW, priority=Case.Priority.ROUTINE, start=now),
        )
        if _case_insert(case=case):
            return complaint_number, case, True
    raise RuntimeError("could not find or open a case for the account")  # pragma: no cover


def complaint_submit(*, data: ComplaintData, evidence: list[EvidenceUpload]) -> Complaint:
    """File a citizen's complaint: the row, its evidence, its case and the events, in one transaction.

    A new case is opened unassigned; assignment runs in a worker once this transaction commits
    (complaints.tasks), so the citizen never waits for it.
    """
    year = timezone.localdate().year
    reference_sequences_ensure(scopes=("case", "complaint"), year=year)
    stored: list[Evidence] = []
    try:
        return _complaint_submit(data=data, evidence=evidence, stored=stored, year=year)
    except BaseException:
        # The rows rolled back; the files written for them must not stay behind as orphans.
        for item in stored:
            if item.file.name:
                item.file.storage.delete(item.file.name)
        raise


@transaction.atomic
def _complaint_submit(
    *, data: ComplaintData, evidence: list[EvidenceUpload], stored: list[Evidence], year: int
) -> Complaint:
    complaint_number, case, created = _case_for_account(data=data, year=year)
    opened = CaseEvent(case=case, kind=CaseEvent.Kind.CASE_OPENED, data={"new": Case.Status.NEW}) if created else None
    complaint = Complaint(
        reference=reference_format(label="", year=year, value=complaint_number),
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
            state=Evidence.State.PENDING if upload.pending else Evidence.State.READY,
        )
        item.file.save("evidence", ContentFile(upload.content), save=False)
        stored.append(item)
        item.save()
    received = CaseEvent(
        case=case,
        complaint=complaint,
        kind=CaseEvent.Kind.COMPLAINT_RECEIVED,
        data={
            "reference": complaint.reference,
            "evidence": len(evidence),
            **({"review": data.review_note} if data.review_note else {}),
        },
    )
    CaseEvent.objects.bulk_create([e for e in (opened, received) if e is not None])
    if created:
        transaction.on_commit(partial(case_autoassign_publish, case_id=case.pk))
    if any(upload.pending for upload in evidence):
        transaction.on_commit(evidence_clean_publish)
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
