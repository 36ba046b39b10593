"""Advance notices: received from a platform, linked to the account's cases, answered before the deadline.

Every write here takes keyword arguments, runs in one transaction and writes its AdvanceNoticeEvent
rows in that transaction. Messages (webhook, email) are outbox rows, published after the commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.handles import InvalidHandle, handle_normalize
from complaints.models import Complaint, Platform, Role, StaffProfile
from complaints.selectors import staff_least_loaded, staff_present, supervisors
from complaints.services import reference_next

from .. import selectors
from ..models import (
    AdvanceNotice,
    AdvanceNoticeDuplicate,
    AdvanceNoticeError,
    AdvanceNoticeEvent,
    Channel,
    Notice,
    decision_key,
)
from .outbox import notice_queue
from .webhooks import platform_push

# What a platform (or an officer copying an email) may set. Everything else is the regulator's.
SUBMIT_FIELDS = frozenset(
    {
        "account_handle",
        "puid",
        "decision_account",
        "decision_visibility",
        "territorial_scope",
        "decision_ground",
        "legal_ground",
        "tos_ground",
        "explanation",
        "content_urls",
        "content_text",
        "automated_detection",
        "automated_decision",
        "proposed_effective_date",
        "end_date",
        "authority_request",
        "authority_name",
        "received_at",
        "platform_reference",
        "emergency",
    }
)
REQUIRED_FIELDS = ("account_handle", "puid", "decision_ground", "explanation", "proposed_effective_date")


def advance_notice_event_add(
    *, notice: AdvanceNotice, kind: str, actor: User | None = None, data: dict[str, Any] | None = None
) -> AdvanceNoticeEvent:
    return AdvanceNoticeEvent.objects.create(notice=notice, kind=kind, actor=actor, data=data or {})


def advance_notice_response_hours(*, platform: Platform, emergency: bool) -> int:
    if emergency:
        return settings.ADVANCE_NOTICE_EMERGENCY_HOURS
    hours: dict[str, int] = settings.ADVANCE_NOTICE_RESPONSE_HOURS
    return hours.get(platform.slug, hours["default"])


def advance_notice_check_unique(
    *, platform: Platform, puid: str, decision_account: str, decision_visibility: list[str]
) -> None:
    """Raise AdvanceNoticeDuplicate (carrying the existing id) if this decision is already pending."""
    key = decision_key(decision_account=decision_account, decision_visibility=decision_visibility)
    existing = selectors.advance_notice_pending_duplicate(platform=platform, puid=puid, key=key)
    if existing is not None:
        raise AdvanceNoticeDuplicate(
            _("This platform already gave notice of this decision about this account (%(reference)s).")
            % {"reference": existing.reference},
            existing_id=existing.pk,
        )


def _notice_build(*, platform: Platform, data: dict[str, Any], source: str) -> AdvanceNotice:
    errors: dict[str, list[str]] = {}
    for key in sorted(set(data) - SUBMIT_FIELDS):
        errors[key] = [_("Unknown field.")]
    for key in REQUIRED_FIELDS:
        if data.get(key) in (None, ""):
            errors.setdefault(key, []).append(_("This field is required."))
    if errors:
        raise ValidationError(errors)
    fields = {k: v for k, v in data.items() if v is not None}
    for key in ("account_handle", "puid", "legal_ground", "tos_ground", "authority_name", "platform_reference"):
        if isinstance(fields.get(key), str):
            fields[key] = fields[key].strip()
    notice = AdvanceNotice(platform=platform, source=source, **fields)
    try:
        notice.account_handle_normalized = handle_normalize(platform, str(notice.account_handle))
    except InvalidHandle as error:
        errors["account_handle"] = [str(error)]
    try:
        notice.full_clean(
            exclude=["reference", "response_due_at", "account_handle_normalized", "decision_key"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if not errors:
        for key in ("proposed_effective_date", "end_date", "received_at"):
            value = getattr(notice, key)
            if value is not None and timezone.is_naive(value):
                errors[key] = [_("Give the time with its time zone, e.g. 2026-12-01T09:00:00+05:00.")]
        if not errors and notice.proposed_effective_date <= notice.received_at:
            errors["proposed_effective_date"] = [_("The proposed effective date must come after the notice.")]
    if errors:
        raise ValidationError(errors)
    notice.decision_key = decision_key(
        decision_account=notice.decision_account, decision_visibility=notice.decision_visibility
    )
    hours = advance_notice_response_hours(platform=platform, emergency=notice.emergency)
    # The regulator must be able to answer before the platform acts.
    notice.response_due_at = min(notice.received_at + timedelta(hours=hours), notice.proposed_effective_date)
    return notice


@transaction.atomic
def advance_notice_submit(
    *, platform: Platform, data: dict[str, Any], source: str, actor: User | None = None
) -> AdvanceNotice:
    """Register a platform's advance notice: validate, normalise, refuse a duplicate, link, assign.

    ``actor`` is the officer who entered an emailed notice, or None when the platform's API did.
    Raises ValidationError (a message per field), AdvanceNoticeDuplicate (with ``existing_id``) or
    PermissionDenied.
    """
    if actor is not None and not actor.has_perm("notices.add_advancenotice"):
        raise PermissionDenied(_("You may not enter advance notices."))
    if source not in AdvanceNotice.Source.values:
        raise ValidationError({"source": [_("Unknown source.")]})
    notice = _notice_build(platform=platform, data=data, source=source)
    advance_notice_check_unique(
        platform=platform,
        puid=notice.puid,
        decision_account=notice.decision_account,
        decision_visibility=notice.decision_visibility,
    )
    notice.reference = reference_next(scope="advance", label="AN")
    try:
        with transaction.atomic():
            notice.save()
    except IntegrityError:
        # A concurrent submission of the same decision won the race; answer as if we had seen it.
        advance_notice_check_unique(
            platform=platform,
            puid=notice.puid,
            decision_account=notice.decision_account,
            decision_visibility=notice.decision_visibility,
        )
        raise
    advance_notice_event_add(
        notice=notice,
        kind=AdvanceNoticeEvent.Kind.RECEIVED,
        actor=actor,
        data={
            "new": {
                "source": source,
                "status": notice.status,
                "decision": notice.decision_key,
                "response_due_at": notice.response_due_at.isoformat(),
                "emergency": notice.emergency,
            }
        },
    )
    advance_notice_link(notice=notice)
    advance_notice_autoassign(notice=notice)
    return notice


def advance_notice_link(*, notice: AdvanceNotice, complaint: Complaint | None = None) -> int:
    """Link the notice to the cases and complaints about its account (or to one new complaint).

    Returns how many complaints were newly linked. Matches on platform and normalised handle, or on
    the platform's account id where the citizen gave it.
    """
    complaints = selectors.advance_notice_account_complaints(notice=notice)
    if complaint is not None:
        complaints = complaints.filter(pk=complaint.pk)
    complaint_ids = set(complaints.values_list("pk", flat=True)) - set(notice.complaints.values_list("pk", flat=True))
    case_ids = set(selectors.advance_notice_account_cases(notice=notice, complaint_ids=complaint_ids)) - set(
        notice.cases.values_list("pk", flat=True)
    )
    if not complaint_ids and not case_ids:
        return 0
    notice.complaints.add(*complaint_ids)
    notice.cases.add(*case_ids)
    advance_notice_event_add(
        notice=notice,
        kind=AdvanceNoticeEvent.Kind.LINKED,
        data={"new": {"cases": sorted(case_ids), "complaints": sorted(complaint_ids)}},
    )
    return len(complaint_ids)


def advance_notice_autoassign(*, notice: AdvanceNotice) -> User | None:
    """Give the notice to the present correspondence officer with the fewest open notices.

    Ties go to whoever was assigned anything least recently, as for cases (complaints.selectors).
    No lock, as for cases: a tie broken twice costs one notice of imbalance.
    """
    chosen = staff_least_loaded(
        candidates=staff_present(role=Role.CORRESPONDENCE_OFFICER),
        open_items=AdvanceNotice.objects.filter(status__in=AdvanceNotice.OPEN_STATUSES),
        assignee_field="assigned_to",
    )
    if chosen is None:
        return None
    advance_notice_assign(notice=notice, to=chosen, actor=None)
    return chosen


@transaction.atomic
def advance_notice_assign(*, notice: AdvanceNotice, to: User, actor: User | None) -> AdvanceNotice:
    if not (to.is_active and to.is_staff):
        raise AdvanceNoticeError(_("%(user)s is not active staff.") % {"user": to.get_username()})
    old = notice.assigned_to_id
    notice.assigned_to = to
    notice.save(update_fields=["assigned_to"])
    StaffProfile.objects.update_or_create(user=to, defaults={"last_assigned_at": timezone.now()})
    advance_notice_event_add(
        notice=notice,
        kind=AdvanceNoticeEvent.Kind.ASSIGNED,
        actor=actor,
        data={"old": old, "new": to.pk},
    )
    return notice


def _locked(notice: AdvanceNotice) -> AdvanceNotice:
    return AdvanceNotice.objects.select_for_update(of=("self",)).select_related("platform").get(pk=notice.pk)


def _response_fields(notice: AdvanceNotice) -> dict[str, str]:
    return {
        "status": notice.status,
        "response": notice.response,
        "reasons": notice.response_reasons,
        "rule": notice.response_rule,
    }


@transaction.atomic
def advance_notice_respond(
    *, notice: AdvanceNotice, response: str, reasons: str, rule: str, actor: User
) -> AdvanceNotice:
    """The regulator's answer. NO_OBJECTION and REQUEST_INFORMATION go out at once; an OBJECTION waits
    for a supervisor's approval, and changing a drafted objection withdraws any approval it had."""
    if not actor.has_perm("notices.respond_advancenotice"):
        raise PermissionDenied(_("You may not answer advance notices."))
    if response not in AdvanceNotice.Response.values:
        raise ValidationError({"response": [_("Choose a response.")]})
    reasons, rule = reasons.strip(), rule.strip()
    if response != AdvanceNotice.Response.NO_OBJECTION and not reasons:
        raise ValidationError({"reasons": [_("Give the reasons, or what information the platform must send.")]})
    notice = _locked(notice)
    old = _response_fields(notice)
    now = timezone.now()
    target = (
        AdvanceNotice.Status.RESPONSE_DRAFTED
        if response == AdvanceNotice.Response.OBJECTION
        else AdvanceNotice.Status.RESPONDED
    )
    notice.check_transition(target)
    notice.response, notice.response_reasons, notice.response_rule = response, reasons, rule
    notice.drafted_by, notice.drafted_at = actor, now
    notice.approved_by, notice.approved_at = None, None
    notice.status = target
    fields = ["status", "response", "response_reasons", "response_rule", "drafted_by", "drafted_at"]
    fields += ["approved_by", "approved_at"]
    if target == AdvanceNotice.Status.RESPONDED:
        notice.responded_at = now
        notice.save(update_fields=[*fields, "responded_at"])
        advance_notice_event_add(
            notice=notice,
            kind=AdvanceNoticeEvent.Kind.RESPONDED,
            actor=actor,
            data={"old": old, "new": _response_fields(notice)},
        )
        _response_deliver(notice=notice)
        return notice
    notice.save(update_fields=fields)
    advance_notice_event_add(
        notice=notice,
        kind=AdvanceNoticeEvent.Kind.RESPONSE_DRAFTED,
        actor=actor,
        data={"old": old, "new": _response_fields(notice)},
    )
    notice.check_transition(AdvanceNotice.Status.AWAITING_APPROVAL)
    notice.status = AdvanceNotice.Status.AWAITING_APPROVAL
    notice.save(update_fields=["status"])
    advance_notice_event_add(
        notice=notice,
        kind=AdvanceNoticeEvent.Kind.SUBMITTED,
        actor=actor,
        data={"old": AdvanceNotice.Status.RESPONSE_DRAFTED, "new": notice.status, "digest": notice.response_digest()},
    )
    return notice


@transaction.atomic
def advance_notice_approve(*, notice: AdvanceNotice, actor: User, digest: str | None = None) -> AdvanceNotice:
    """A supervisor approves a drafted objection, which then goes out. Four eyes: not the drafter's own.

    ``digest`` is the response_digest() of the objection as the supervisor read it: if it changed
    since, the approval is refused rather than applied to words nobody approved.
    """
    if not actor.has_perm("notices.approve_advancenotice"):
        raise PermissionDenied(_("Only a supervisor can approve an objection."))
    notice = _locked(notice)
    if notice.status != AdvanceNotice.Status.AWAITING_APPROVAL:
        raise AdvanceNoticeError(_("Only an objection awaiting approval can be approved."))
    if notice.drafted_by_id == actor.pk:
        raise AdvanceNoticeError(_("An objection must be approved by someone other than the person who drafted it."))
    if digest is not None and digest != notice.response_digest():
        raise AdvanceNoticeError(_("The objection changed after you opened it; read it again before approving."))
    notice.check_transition(AdvanceNotice.Status.RESPONDED)
    now = timezone.now()
    notice.status = AdvanceNotice.Status.RESPONDED
    notice.approved_by, notice.approved_at, notice.responded_at = actor, now, now
    notice.save(update_fields=["status", "approved_by", "approved_at", "responded_at"])
    advance_notice_event_add(
        notice=notice,
        kind=AdvanceNoticeEvent.Kind.APPROVED,
        actor=actor,
        data={"old": AdvanceNotice.Status.AWAITING_APPROVAL, "new": notice.status, "digest": notice.response_digest()},
    )
    advance_notice_event_add(
        notice=notice, kind=AdvanceNoticeEvent.Kind.RESPONDED, actor=actor, data={"new": _response_fields(notice)}
    )
    _response_deliver(notice=notice)
    return notice


def advance_notice_response_payload(*, notice: AdvanceNotice) -> dict[str, Any]:
    """What the platform receives: our answer, and nothing about complainants or staff."""
    return {
        "reference": notice.reference,
        "platform_reference": notice.platform_reference,
        "puid": notice.puid,
        "account_handle": notice.account_handle,
        "response": notice.response,
        "reasons": notice.response_reasons,
        "rule": notice.response_rule,
        "responded_at": notice.responded_at,
        "response_due_at": notice.response_due_at,
    }


def _response_deliver(*, notice: AdvanceNotice) -> None:
    # Successive answers (after a REQUEST_INFORMATION) are distinct messages; retries of one are not.
    sequence = notice.events.filter(kind=AdvanceNoticeEvent.Kind.RESPONDED).count()
    key = f"advance:{notice.pk}:response:{sequence}"
    payload = advance_notice_response_payload(notice=notice)
    platform_push(platform=notice.platform, event="advance_notice.response", data=payload, key=key)
    contact = selectors.platform_primary_contact(platform=notice.platform)
    if contact is None:
        return
    lines = [
        _("Advance notice %(reference)s (your reference: %(theirs)s)")
        % {"reference": notice.reference, "theirs": notice.platform_reference or "-"},
        _("Account: @%(handle)s (%(puid)s)") % {"handle": notice.account_handle, "puid": notice.puid},
        _("Response: %(response)s") % {"response": notice.get_response_display()},
    ]
    if notice.response_reasons:
        lines.append(_("Reasons: %(reasons)s") % {"reasons": notice.response_reasons})
    if notice.response_rule:
        lines.append(_("Rule relied on: %(rule)s") % {"rule": notice.response_rule})
    notice_queue(
        channel=Channel.EMAIL,
        recipient_kind=Notice.RecipientKind.PLATFORM_CONTACT,
        address=contact.email,
        kind="advance_notice_response",
        language="en",
        subject=f"[{notice.reference}] {notice.get_response_display()}",
        body="\n".join(str(line) for line in lines) + "\n",
        idempotency_key=f"{key}:email",
        contact=contact,
    )


@transaction.atomic
def advance_notice_final_action(
    *, notice: AdvanceNotice, action: str, date: Any, note: str, actor: User | None = None
) -> AdvanceNotice:
    """What the platform finally did. ``actor`` None is the platform itself, through the API."""
    if actor is not None and not actor.has_perm("notices.record_advancenotice_outcome"):
        raise PermissionDenied(_("You may not record what the platform did."))
    if action not in AdvanceNotice.FinalAction.values:
        raise ValidationError({"action": [_("Choose what the platform did.")]})
    if date is None:
        raise ValidationError({"date": [_("Give the date.")]})
    notice = _locked(notice)
    if notice.final_action in AdvanceNotice.SETTLED_ACTIONS:
        raise AdvanceNoticeError(
            _("The platform already reported that it %(action)s.") % {"action": notice.get_final_action_display()}
        )
    old_date = notice.final_action_date.isoformat() if notice.final_action_date else None
    old = {"action": notice.final_action, "date": old_date, "note": notice.final_action_note}
    notice.final_action, notice.final_action_note = action, note.strip()
    notice.final_action_date = notice._meta.get_field("final_action_date").clean(date, notice)
    notice.final_action_recorded_at = timezone.now()
    notice.save(update_fields=["final_action", "final_action_date", "final_action_note", "final_action_recorded_at"])
    advance_notice_event_add(
        notice=notice,
        kind=AdvanceNoticeEvent.Kind.FINAL_ACTION,
        actor=actor,
        data={
            "old": old,
            "new": {"action": action, "date": notice.final_action_date.isoformat(), "note": notice.final_action_note},
        },
    )
    return notice


def _staff_notify(*, notice: AdvanceNotice, users: list[User], kind: str, subject: str, body: str) -> None:
    for user in users:
        if not user.email:
            continue
        notice_queue(
            channel=Channel.EMAIL,
            recipient_kind=Notice.RecipientKind.STAFF,
            address=user.email,
            kind=kind,
            language="en",
            subject=subject,
            body=body,
            idempotency_key=f"advance:{notice.pk}:{kind}:{user.pk}",
            user=user,
        )


def _deadline_notify(*, notice: AdvanceNotice, kind: str, subject: str, text: str) -> None:
    """Tell the assignee and every supervisor, by email, about a deadline step of this notice."""
    people = {u.pk: u for u in supervisors()}
    if notice.assigned_to is not None and notice.assigned_to.is_active:
        people.setdefault(notice.assigned_to.pk, notice.assigned_to)
    body = text % {
        "reference": notice.reference,
        "platform": notice.platform.name,
        "handle": notice.account_handle_normalized,
        "due": timezone.localtime(notice.response_due_at).strftime("%Y-%m-%d %H:%M %Z"),
        "status": notice.get_status_display(),
    }
    _staff_notify(
        notice=notice, users=list(people.values()), kind=kind, subject=f"[{notice.reference}] {subject}", body=body
    )


def advance_notice_warn_due(*, now: datetime) -> int:
    """Beat: warn the assignee and the supervisors once, ADVANCE_NOTICE_WARN_HOURS before a deadline."""
    horizon = now + timedelta(hours=settings.ADVANCE_NOTICE_WARN_HOURS)
    warned = 0
    for pk in selectors.advance_notices_to_warn(now=now, horizon=horizon):
        with transaction.atomic():
            # The claim: however many beats run at once, one of them warns.
            if AdvanceNotice.objects.filter(pk=pk, warned_at__isnull=True).update(warned_at=now) != 1:
                continue
            notice = AdvanceNotice.objects.select_related("platform", "assigned_to").get(pk=pk)
            advance_notice_event_add(
                notice=notice, kind=AdvanceNoticeEvent.Kind.WARNED, data={"due": notice.response_due_at.isoformat()}
            )
            _deadline_notify(
                notice=notice,
                kind="advance_warning",
                subject=_("Advance notice due soon"),
                text=_(
                    "The advance notice %(reference)s from %(platform)s about @%(handle)s must be answered by "
                    "%(due)s. Status: %(status)s.\n"
                ),
            )
            warned += 1
    return warned


def advance_notice_lapse_overdue(*, now: datetime) -> int:
    """Beat: a notice unanswered at its deadline becomes LAPSED, and the supervisors hear of it once."""
    lapsable = [s for s, allowed in AdvanceNotice.TRANSITIONS.items() if AdvanceNotice.Status.LAPSED in allowed]
    lapsed = 0
    for pk in selectors.advance_notices_past_due(now=now):
        with transaction.atomic():
            old = AdvanceNotice.objects.filter(pk=pk).values_list("status", flat=True).first()
            claimed = AdvanceNotice.objects.filter(pk=pk, status__in=lapsable, response_due_at__lte=now).update(
                status=AdvanceNotice.Status.LAPSED, lapsed_at=now, escalated_at=now
            )
            if claimed != 1:
                continue
            notice = AdvanceNotice.objects.select_related("platform", "assigned_to").get(pk=pk)
            advance_notice_event_add(
                notice=notice,
                kind=AdvanceNoticeEvent.Kind.LAPSED,
                data={"old": old, "new": AdvanceNotice.Status.LAPSED, "due": notice.response_due_at.isoformat()},
            )
            advance_notice_event_add(notice=notice, kind=AdvanceNoticeEvent.Kind.ESCALATED, data={})
            _deadline_notify(
                notice=notice,
                kind="advance_lapsed",
                subject=_("Advance notice lapsed unanswered"),
                text=_(
                    "The advance notice %(reference)s from %(platform)s about @%(handle)s was not answered by "
                    "its deadline, %(due)s. The platform may now act without the regulator's view.\n"
                ),
            )
            lapsed += 1
    return lapsed
