"""The regulator's answer to an advance notice: drafted, approved (four eyes, what was approved is
frozen), delivered by webhook and email; and what the platform finally did."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.handles import handle_name

from ... import selectors
from ...models import (
    AdvanceNotice,
    AdvanceNoticeError,
    AdvanceNoticeEvent,
    Channel,
    Notice,
)
from ..outbox import notice_queue
from ..webhooks import platform_push
from .intake import advance_notice_event_add


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
        _("Account: @%(handle)s (%(puid)s)") % {"handle": handle_name(notice.account_handle), "puid": notice.puid},
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
