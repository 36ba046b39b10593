"""A platform's reply to a letter, with an outcome per case."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from complaints.models import Case, CaseEvent, PiiAccessLog
from complaints.models import InvalidTransition as CaseInvalidTransition
from complaints.services import EvidenceUpload, case_event_add, case_transition

from ..models import (
    Letter,
    LetterCase,
    Reply,
    ReplyAttachment,
    ReplyCaseOutcome,
)
from .letters import LetterError


@dataclass(frozen=True)
class CaseOutcomeInput:
    case: Case
    action_taken: str = ReplyCaseOutcome.ActionTaken.UNSPECIFIED
    outcome: str = ""  # a Case.Outcome closes the case; blank leaves it PLATFORM_RESPONDED for review


def reply_check(*, letter: Letter, kind: str, outcomes: Sequence[CaseOutcomeInput]) -> None:
    """Raise LetterError if the reply cannot be recorded as given (used by the admin form too)."""
    if letter.status not in {Letter.Status.SENT, Letter.Status.REPLIED}:
        raise LetterError(_("A reply can only be recorded against a letter that was sent."))
    letter_case_ids = set(LetterCase.objects.filter(letter=letter).values_list("case_id", flat=True))
    seen: set[int] = set()
    for item in outcomes:
        if item.case.pk not in letter_case_ids:
            raise LetterError(_("Case %(ref)s is not on this letter.") % {"ref": item.case.reference})
        if item.case.pk in seen:
            raise LetterError(_("Case %(ref)s has two outcomes.") % {"ref": item.case.reference})
        seen.add(item.case.pk)
        target = _reply_target(kind=kind, item=item)
        if target is not None:
            try:
                Case.objects.get(pk=item.case.pk).check_transition(target, outcome=item.outcome)
            except CaseInvalidTransition as exc:
                raise LetterError(f"{item.case.reference}: {exc}") from exc


def _reply_target(*, kind: str, item: CaseOutcomeInput) -> str | None:
    if item.outcome:
        return Case.Status.CLOSED
    if kind == Reply.Kind.ACKNOWLEDGEMENT or item.case.status in {Case.Status.PLATFORM_RESPONDED, Case.Status.CLOSED}:
        # An acknowledgement decides nothing; a case already under review stays there, and a closed
        # one is not reopened by a later reply.
        return None
    return Case.Status.PLATFORM_RESPONDED


@transaction.atomic
def reply_record(
    *,
    letter: Letter,
    received_at: datetime,
    ticket_ref: str,
    text: str,
    outcomes: Sequence[CaseOutcomeInput],
    attachments: Sequence[EvidenceUpload],
    actor: User,
    kind: str = Reply.Kind.DECISION,
) -> Reply:
    """Record a platform's reply, move each named case on, and (through the status signal) tell its citizens."""
    if not actor.has_perm("notices.add_reply"):
        raise PermissionDenied(_("You may not record replies."))
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    outcomes = [
        CaseOutcomeInput(
            case=Case.objects.select_for_update().get(pk=o.case.pk), action_taken=o.action_taken, outcome=o.outcome
        )
        for o in outcomes
    ]
    reply_check(letter=letter, kind=kind, outcomes=outcomes)
    reply = Reply.objects.create(
        letter=letter,
        received_at=received_at,
        platform_ticket_ref=ticket_ref,
        kind=kind,
        text=text,
        is_timely=letter.response_due_at is None or received_at <= letter.response_due_at,
        recorded_by=actor,
    )
    for upload in attachments:
        attachment = ReplyAttachment(
            reply=reply, original_name=upload.original_name, content_type=upload.content_type, size=upload.size
        )
        attachment.file.save("reply", ContentFile(upload.content), save=False)
        attachment.save()
    # The reply answers the letter and, for a reminder, the letter it reminded about: both stop reminding.
    answered = [letter.pk] + ([letter.reminder_of_id] if letter.reminder_of_id else [])
    fields: dict[str, Any] = {"status": Letter.Status.REPLIED, "next_reminder_at": None}
    if ticket_ref:
        fields["platform_ticket_ref"] = ticket_ref
    Letter.objects.filter(pk__in=answered).update(**fields)
    for item in outcomes:
        ReplyCaseOutcome.objects.create(
            reply=reply, case=item.case, action_taken=item.action_taken, outcome=item.outcome
        )
        case_event_add(
            case=item.case,
            kind=CaseEvent.Kind.REPLY,
            actor=actor,
            data={
                "letter": letter.our_reference,
                "reply": reply.pk,
                "kind": kind,
                "action_taken": item.action_taken,
                "outcome": item.outcome,
                "timely": reply.is_timely,
            },
        )
        target = _reply_target(kind=kind, item=item)
        if target is not None:
            case_transition(
                case=item.case,
                to=target,
                actor=actor,
                outcome=item.outcome,
                note=letter.our_reference,
                responded_at=received_at,
            )
    return reply


def reply_attachment_download(*, attachment: ReplyAttachment, actor: User) -> ReplyAttachment:
    """Let a member of staff with the attachment permission download it, and put the download on record.

    A platform's reply can name complainants and quote their posts, so it is read under the same
    rule as evidence: a permission of its own (supervisors and correspondence officers), and a row in
    the PII access log for each download.
    """
    if not actor.has_perm("notices.view_replyattachment"):
        raise PermissionDenied(_("You may not download the platforms' attachments."))
    PiiAccessLog.objects.create(
        user=actor,
        action=PiiAccessLog.Action.EVIDENCE,
        detail={
            "reply_attachment": attachment.pk,
            "reply": attachment.reply_id,
            "letter": attachment.reply.letter.our_reference,
        },
    )
    return attachment
