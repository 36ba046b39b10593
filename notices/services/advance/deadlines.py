"""Deadlines: warn the assignee and the supervisors before one, lapse and escalate at it."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.selectors_staff import supervisors

from ... import selectors
from ...models import (
    AdvanceNotice,
    AdvanceNoticeEvent,
    Channel,
    Notice,
)
from ..outbox import notice_queue
from .intake import advance_notice_event_add


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
