"""An advance notice arrives: validated, checked for a duplicate, linked to the account's cases and
complaints, and assigned."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.handles import InvalidHandle, handle_normalize
from complaints.models import Complaint, Platform, Role, StaffProfile
from complaints.selectors_staff import staff_least_loaded, staff_present
from complaints.services import reference_next

from ... import selectors
from ...models import (
    PROPOSED_DECISION_FIELDS,
    AdvanceNotice,
    AdvanceNoticeDuplicate,
    AdvanceNoticeError,
    AdvanceNoticeEvent,
    decision_key,
)

# What a platform (or an officer copying an email) may set. Everything else is the regulator's.
SUBMIT_FIELDS = frozenset(
    {
        "account_handle",
        "puid",
        *PROPOSED_DECISION_FIELDS,
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
