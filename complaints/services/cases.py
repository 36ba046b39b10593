"""The case workflow: transitions, assignment, notes, priority, merging, splitting and escalation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import signals
from ..models import (
    Case,
    CaseActionError,
    CaseEvent,
    Complaint,
    InvalidTransition,
    StaffProfile,
)
from ..selectors_staff import supervisors
from ..sla import sla_due_at
from .base import case_event_add, reference_next
from .triage import complaint_accept

# Moving a case to one of these puts its complaints before the platform: they must read as accepted.
REFERRAL_STATUSES = frozenset({Case.Status.REFERRED_TO_PLATFORM, Case.Status.AWAITING_PLATFORM})
# Closing outcomes that say the case was not taken up. Every other outcome was reached on the
# complaints' behalf, so it accepts them as a referral does.
NOT_TAKEN_UP = frozenset({Case.Outcome.NOT_PURSUED, Case.Outcome.WITHDRAWN})
SETTLED_COMPLAINTS = (Complaint.Status.REJECTED, Complaint.Status.DUPLICATE)


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
    _complaints_settle(case=case, to=to, outcome=outcome, actor=actor)
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


def _complaints_settle(*, case: Case, to: str, outcome: str, actor: User | None) -> None:
    """Keep the complaints' triage in step with the case, so the citizen never reads "Received"
    beside a referral or a platform's decision.

    Referring a case, or closing it with the platform's outcome, accepts each complaint still
    RECEIVED (with its own event row); rejected and duplicate complaints stay as they are. A case
    whose complaints are all rejected or duplicates has nothing to refer. Closing as "Not pursued"
    waits until every complaint is triaged: the citizen is owed the reason of a rejection.
    """
    if to not in REFERRAL_STATUSES and to != Case.Status.CLOSED:
        return
    # One query for the common case (a letter's send moves hundreds of cases, each twice).
    statuses = dict(Complaint.objects.filter(case=case).values_list("pk", "status"))
    if to in REFERRAL_STATUSES and all(status in SETTLED_COMPLAINTS for status in statuses.values()):
        raise InvalidTransition(
            _("Every complaint on %(ref)s is rejected or a duplicate: there is nothing to refer.")
            % {"ref": case.reference}
        )
    received = sorted(pk for pk, status in statuses.items() if status == Complaint.Status.RECEIVED)
    if to in REFERRAL_STATUSES or outcome not in NOT_TAKEN_UP:
        for complaint in Complaint.objects.filter(pk__in=received).order_by("id"):
            complaint_accept(complaint=complaint, actor=actor)
    elif outcome == Case.Outcome.NOT_PURSUED and received:
        raise InvalidTransition(
            _(
                "Triage this case's complaints before closing it as not pursued: reject each with the "
                "reason the citizen will be told, or mark it as a duplicate."
            )
        )


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
