"""Every write to complaints and cases goes through a function here.

Each one is keyword-only, runs in a transaction, writes a CaseEvent beside the change, and sends
its domain signal (complaints/signals.py) inside that transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import signals
from .models import (
    Case,
    CaseActionError,
    CaseEvent,
    Complaint,
    Evidence,
    PiiAccessLog,
    Platform,
    ReferenceCounter,
    Role,
    StaffProfile,
)
from .pii import cnic_format, pii_hash
from .selectors import supervisors
from .sla import sla_due_at


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
    actor: User | None = None,
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


@transaction.atomic
def case_transition(
    *,
    case: Case,
    to: str,
    actor: User | None,
    outcome: str = "",
    note: str = "",
    response_due_at: datetime | None = None,
    responded_at: datetime | None = None,
) -> Case:
    """Move a case along its workflow; raises InvalidTransition where the model's table forbids it.

    ``responded_at`` is when the platform's reply arrived, which may be days before an officer
    records it; timeliness is judged on that, not on the recording.
    """
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
    responded = to == Case.Status.PLATFORM_RESPONDED or (
        to == Case.Status.CLOSED and old == Case.Status.AWAITING_PLATFORM
    )
    if responded and case.platform_responded_at is None and outcome != Case.Outcome.NO_RESPONSE:
        case.platform_responded_at = responded_at or now
        case.timely_response = case.response_due_at is None or case.platform_responded_at <= case.response_due_at
        fields += ["platform_responded_at", "timely_response"]
    if to == Case.Status.CLOSED:
        case.closed_at, case.outcome = now, outcome
        fields += ["closed_at", "outcome"]
    elif old == Case.Status.CLOSED:
        case.closed_at, case.outcome = None, ""
        fields += ["closed_at", "outcome"]
    case.due_at = _due_at_for(case, now)
    fields.append("due_at")
    case.save(update_fields=fields)
    data: dict[str, Any] = {"old": old, "new": to}
    if outcome:
        data["outcome"] = outcome
    if note:
        data["note"] = note
    case_event_add(case=case, kind=CaseEvent.Kind.STATUS_CHANGED, actor=actor, data=data)
    signals.case_status_changed.send(sender=Case, case=case, old=old, new=to, actor=actor)
    return case


def _due_at_for(case: Case, start: datetime) -> datetime | None:
    """When the case's current step becomes overdue: the SLA table, or the platform's own deadline."""
    if case.status == Case.Status.CLOSED:
        return None
    if case.status == Case.Status.AWAITING_PLATFORM:
        return case.response_due_at
    return sla_due_at(status=case.status, priority=case.priority, start=start)


def _user_label(user: User | None) -> str | None:
    return user.get_username() if user is not None else None


@transaction.atomic
def case_assign(*, case: Case, to: User, actor: User | None) -> Case:
    """Give a case to a caseworker (or take it from one when a supervisor reassigns it)."""
    if not (to.is_active and to.is_staff):
        raise CaseActionError(f"{to.get_username()} is not active staff and cannot be assigned cases.")
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not case.is_open:
        raise CaseActionError(f"{case.reference} is closed; reopen it before assigning it.")
    old = case.assigned_to
    if old is not None and old.pk == to.pk:
        return case
    case.assigned_to = to
    case.save(update_fields=["assigned_to"])
    StaffProfile.objects.update_or_create(user=to, defaults={"last_assigned_at": timezone.now()})
    case_event_add(
        case=case,
        kind=CaseEvent.Kind.ASSIGNED,
        actor=actor,
        data={"old": _user_label(old), "new": to.get_username()},
    )
    return case


@transaction.atomic
def case_take(*, case: Case, actor: User) -> Case:
    """A caseworker takes an unassigned case; a case someone else holds cannot be taken."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.assigned_to_id not in (None, actor.pk):
        raise CaseActionError(f"{locked.reference} is already assigned to someone else.")
    return case_assign(case=locked, to=actor, actor=actor)


def case_autoassign(*, case: Case) -> User | None:
    """Give a new case to the active, present caseworker with the fewest open cases.

    Ties go to whoever was assigned least recently. With CASE_ASSIGN_BY_PLATFORM_TEAM, only
    caseworkers in the platform's team (or in no team: generalists) are considered. Returns the
    assignee, or None when nobody is available (the case then waits in the unassigned queue).
    """
    # No lock: two submissions at the same moment may pick the same caseworker. That costs one case
    # of imbalance, which the next assignment evens out; serialising every submission would cost more.
    present = Q(staff_profile__is_away=False) | Q(staff_profile__isnull=True)
    candidates = User.objects.filter(present, is_active=True, is_staff=True, groups__name=Role.CASEWORKER)
    if settings.CASE_ASSIGN_BY_PLATFORM_TEAM:
        team = candidates.filter(staff_profile__platforms=case.platform_id)
        candidates = team if team.exists() else candidates.filter(staff_profile__platforms__isnull=True)
    # A correlated count per candidate, so each reads only its own open cases (case_open_assignee_idx).
    open_cases = (
        Case.objects.filter(assigned_to=OuterRef("pk"))
        .exclude(status=Case.Status.CLOSED)
        .order_by()
        .values("assigned_to")
        .annotate(n=Count("pk"))
        .values("n")
    )
    chosen = (
        candidates.annotate(open_cases=Coalesce(Subquery(open_cases), 0))
        .order_by("open_cases", F("staff_profile__last_assigned_at").asc(nulls_first=True), "pk")
        .first()
    )
    if chosen is None:
        return None
    case_assign(case=case, to=chosen, actor=None)
    # case_assign saved a fresh copy of the row; the caller's instance (complaint_submit's) must agree.
    case.assigned_to = chosen
    return chosen


@transaction.atomic
def case_reassign_bulk(*, cases: QuerySet[Case] | list[Case], to: User, actor: User) -> int:
    """A supervisor moves many cases to one caseworker; each move is its own event row."""
    moved = 0
    for case in cases:
        if case.is_open and case.assigned_to_id != to.pk:
            case_assign(case=case, to=to, actor=actor)
            moved += 1
    return moved


@transaction.atomic
def case_note_add(*, case: Case, text: str, actor: User) -> CaseEvent:
    text = text.strip()
    if not text:
        raise CaseActionError("A note cannot be empty.")
    return case_event_add(case=case, kind=CaseEvent.Kind.NOTE, actor=actor, data={"text": text[:5000]})


@transaction.atomic
def case_priority_set(*, case: Case, priority: str, actor: User) -> Case:
    """Change a case's priority; the current step's deadline is recomputed from when it started."""
    if priority not in Case.Priority.values:
        raise CaseActionError(f"Unknown priority {priority}.")
    case = Case.objects.select_for_update().get(pk=case.pk)
    old = case.priority
    if old == priority:
        return case
    case.priority = priority
    if case.status != Case.Status.AWAITING_PLATFORM:
        case.due_at = _due_at_for(case, case.status_changed_at)
    case.save(update_fields=["priority", "due_at"])
    case_event_add(case=case, kind=CaseEvent.Kind.PRIORITY_CHANGED, actor=actor, data={"old": old, "new": priority})
    return case


@transaction.atomic
def case_merge(*, source: Case, target: Case, actor: User) -> Case:
    """Move every complaint and event of ``source`` into ``target``, and close ``source`` as merged.

    The events move too, so the surviving case's timeline tells the whole story. The source is
    closed without case_status_changed: its citizens now follow the target case, and must not be
    told that "their" case closed.
    """
    if source.pk == target.pk:
        raise CaseActionError("A case cannot be merged into itself.")
    # Lock in id order so that two merges of the same pair cannot deadlock.
    locked = {c.pk: c for c in Case.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")}
    source, target = locked[source.pk], locked[target.pk]
    if not (source.is_open and target.is_open):
        raise CaseActionError("Only two open cases can be merged.")
    if source.platform_id != target.platform_id:
        raise CaseActionError("Cases about accounts on different platforms cannot be merged.")
    moved = Complaint.objects.filter(case=source).update(case=target)
    CaseEvent.objects.filter(case=source).update(case=target)
    now = timezone.now()
    old_status = source.status
    source.status, source.status_changed_at = Case.Status.CLOSED, now
    source.closed_at, source.outcome, source.merged_into, source.due_at = now, Case.Outcome.NOT_PURSUED, target, None
    source.save(update_fields=["status", "status_changed_at", "closed_at", "outcome", "merged_into", "due_at"])
    data = {"source": source.reference, "target": target.reference, "complaints": moved}
    case_event_add(case=target, kind=CaseEvent.Kind.MERGED, actor=actor, data=data)
    case_event_add(case=source, kind=CaseEvent.Kind.MERGED, actor=actor, data=data)
    case_event_add(
        case=source,
        kind=CaseEvent.Kind.STATUS_CHANGED,
        actor=actor,
        data={"old": old_status, "new": Case.Status.CLOSED, "note": f"merged into {target.reference}"},
    )
    return target


@transaction.atomic
def case_split(*, complaint: Complaint, actor: User) -> Case:
    """Take one complaint out of its case into a new case of its own, linked by split_from."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    origin = Case.objects.select_for_update().get(pk=complaint.case_id)
    if not Complaint.objects.filter(case=origin).exclude(pk=complaint.pk).exists():
        raise CaseActionError("This is the case's only complaint; there is nothing to split it from.")
    now = timezone.now()
    case = Case.objects.create(
        reference=reference_next(scope="case", label="C"),
        platform=origin.platform,
        account_handle=complaint.account_handle,
        account_handle_normalized=complaint.account_handle_normalized,
        priority=origin.priority,
        assigned_to=origin.assigned_to,
        split_from=origin,
        opened_at=now,
        status_changed_at=now,
        due_at=sla_due_at(status=Case.Status.NEW, priority=origin.priority, start=now),
    )
    complaint.case = case
    complaint.save(update_fields=["case"])
    data = {"from": origin.reference, "to": case.reference, "complaint": complaint.reference}
    case_event_add(case=case, kind=CaseEvent.Kind.CASE_OPENED, actor=actor, data={"new": Case.Status.NEW, **data})
    case_event_add(case=case, kind=CaseEvent.Kind.SPLIT, actor=actor, complaint=complaint, data=data)
    case_event_add(case=origin, kind=CaseEvent.Kind.SPLIT, actor=actor, complaint=complaint, data=data)
    return case


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


def case_escalate_overdue(*, now: datetime | None = None) -> int:
    """Flag each case whose current step is overdue, once per deadline, and tell the supervisors.

    Each case is claimed with a conditional update of escalated_at, so two beat runs (or two
    workers) never escalate the same deadline twice. Returns how many cases were escalated.
    """
    now = now or timezone.now()
    overdue = Case.objects.exclude(status=Case.Status.CLOSED).filter(due_at__lt=now)
    not_yet = Q(escalated_at__isnull=True) | Q(escalated_at__lt=F("due_at"))
    escalated = 0
    for case_id in overdue.filter(not_yet).order_by("due_at").values_list("pk", flat=True).iterator():
        if _case_escalate(case_id=case_id, now=now, not_yet=not_yet):
            escalated += 1
    return escalated


@transaction.atomic
def _case_escalate(*, case_id: int, now: datetime, not_yet: Q) -> bool:
    claimed = Case.objects.filter(not_yet, pk=case_id, due_at__lt=now).update(escalated_at=now)
    if claimed != 1:
        return False  # another run got there first, or the case moved on meanwhile
    case = Case.objects.select_related("platform", "assigned_to").get(pk=case_id)
    due = case.due_at
    case_event_add(
        case=case,
        kind=CaseEvent.Kind.ESCALATED,
        data={"status": case.status, "due_at": due.isoformat() if due else None},
    )
    if Case.Status.ESCALATED in case.TRANSITIONS[case.status]:
        case = case_transition(case=case, to=Case.Status.ESCALATED, actor=None, note="overdue")
    signals.case_overdue.send(sender=Case, case=case, supervisors=supervisors())
    return True


@transaction.atomic
def staff_totp_enrol(*, user: User, replace: bool = False, name: str = "authenticator") -> TOTPDevice:
    """A confirmed TOTP device for a member of staff: their second factor for the admin."""
    if replace:
        TOTPDevice.objects.filter(user=user).delete()
    device, _created = TOTPDevice.objects.get_or_create(user=user, name=name, defaults={"confirmed": True})
    return device
