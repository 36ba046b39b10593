"""Letters to platforms: drafting, the annex, approval, sending and the automatic reminders."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.models import Case, CaseEvent, PlatformContact
from complaints.services import case_event_add, case_transition, reference_next
from regulator_portal.context_processors import regulator_name

from .. import selectors
from ..models import (
    Channel,
    Letter,
    LetterCase,
    LetterTemplate,
    LetterType,
    Notice,
)
from .annex import letter_annex_csv
from .outbox import notice_queue
from .webhooks import letter_push_payload, platform_push
from .wording import wording_render


class LetterError(Exception):
    """A letter action that cannot be done; the message is shown to the member of staff."""


def _letter_render(*, letter_type: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    template = LetterTemplate.objects.filter(letter_type=letter_type, language=language).first()
    if template is None:
        raise LetterError(
            _("There is no %(type)s template in %(language)s; add one under Letter templates.")
            % {"type": LetterType(letter_type).label, "language": language}
        )
    with translation.override(language):
        plain = {"regulator_name": str(regulator_name()), **context}
        return wording_render(template.subject, plain).strip(), wording_render(template.body, plain).strip() + "\n"


def _can_be_referred(case: Case) -> bool:
    allowed = Case.TRANSITIONS[case.status]
    return (
        Case.Status.REFERRED_TO_PLATFORM in allowed
        or Case.Status.AWAITING_PLATFORM in allowed
        or case.status == Case.Status.AWAITING_PLATFORM
    )


@transaction.atomic
def letter_draft_for_cases(
    *, cases: Iterable[Case], actor: User, letter_type: str = LetterType.REINSTATEMENT_REQUEST
) -> list[Letter]:
    """One draft letter per platform, each listing every selected case of that platform (a batch letter)."""
    if not actor.has_perm("notices.add_letter"):
        raise PermissionDenied(_("You may not draft letters to platforms."))
    case_list = list(
        Case.objects.select_for_update(of=("self",)).filter(pk__in=[c.pk for c in cases]).select_related("platform")
    )
    if not case_list:
        raise LetterError(_("Select at least one case."))
    refused = [c.reference for c in case_list if not _can_be_referred(c)]
    if refused:
        raise LetterError(
            _("These cases cannot be referred in their current status: %(refs)s.") % {"refs": ", ".join(refused[:20])}
        )
    # Sending refers the cases, which accepts their received complaints; a case with none left to
    # pursue would be refused then, after a supervisor's approval, so it is refused now.
    pursuable = selectors.cases_with_complaints_to_pursue(case_list)
    empty = sorted(c.reference for c in case_list if c.pk not in pursuable)
    if empty:
        raise LetterError(
            _("Every complaint on these cases is rejected or a duplicate, so there is nothing to refer: %(refs)s.")
            % {"refs": ", ".join(empty[:20])}
        )
    pending = sorted(
        set(
            LetterCase.objects.filter(
                case__in=case_list, letter__status__in=[Letter.Status.DRAFT, Letter.Status.APPROVED]
            ).values_list("case__reference", flat=True)
        )
    )
    if pending:
        raise LetterError(
            _("These cases are already on a letter that has not been sent: %(refs)s.")
            % {"refs": ", ".join(pending[:20])}
        )
    by_platform: dict[int, list[Case]] = {}
    for case in sorted(case_list, key=lambda c: c.reference):
        by_platform.setdefault(case.platform_id, []).append(case)
    letters = []
    for platform_cases in by_platform.values():
        platform = platform_cases[0].platform
        contact = selectors.platform_primary_contact(platform=platform)
        letter = Letter(
            letter_type=letter_type,
            our_reference=reference_next(scope="letter", label="L"),
            platform=platform,
            contact=contact,
            legal_basis=settings.LETTER_LEGAL_BASIS,
            created_by=actor,
        )
        letter.subject, letter.body = _letter_render(
            letter_type=letter_type,
            language=letter.language,
            context=selectors.letter_wording_context(
                our_reference=letter.our_reference,
                platform=platform,
                contact=contact,
                legal_basis=letter.legal_basis,
                cases=platform_cases,
                language=letter.language,
                now=timezone.now(),
            ),
        )
        letter.save()
        LetterCase.objects.bulk_create([LetterCase(letter=letter, case=case) for case in platform_cases])
        _letter_events(letter=letter, cases=platform_cases, actor=actor, action="drafted")
        letters.append(letter)
    return letters


def _letter_events(*, letter: Letter, cases: Iterable[Case], actor: User | None, action: str) -> None:
    data = {"letter": letter.pk, "reference": letter.our_reference, "type": letter.letter_type, "action": action}
    for case in cases:
        case_event_add(case=case, kind=CaseEvent.Kind.LETTER, actor=actor, data=data)


@transaction.atomic
def letter_approve(*, letter: Letter, actor: User) -> Letter:
    """A supervisor's approval. Four eyes: nobody approves a letter they drafted themselves."""
    if not actor.has_perm("notices.approve_letter"):
        raise PermissionDenied(_("Only a supervisor can approve a letter."))
    letter = Letter.objects.select_for_update(of=("self",)).select_related("contact").get(pk=letter.pk)
    if letter.created_by_id is not None and letter.created_by_id == actor.pk:
        raise LetterError(_("A letter must be approved by someone other than the person who drafted it."))
    letter.check_transition(Letter.Status.APPROVED)
    if letter.channel == Letter.Channel.EMAIL and (letter.contact is None or not letter.contact.email):
        raise LetterError(_("The letter has no platform contact with an email address; choose one first."))
    # What the supervisor approves is frozen here: the address, and the annex as it is now. Sending
    # uses these values only, so a later change to the contact or the cases cannot ride on this approval.
    letter.status = Letter.Status.APPROVED
    letter.approved_by = actor
    letter.approved_at = timezone.now()
    letter.recipient_email = _current_recipient(letter)
    letter.annex_csv = letter_annex_csv(letter=letter)
    letter.save(update_fields=["status", "approved_by", "approved_at", "recipient_email", "annex_csv"])
    _letter_events(letter=letter, cases=letter.cases.all(), actor=actor, action="approved")
    return letter


def _current_recipient(letter: Letter) -> str:
    if letter.channel == Letter.Channel.EMAIL and letter.contact is not None:
        return letter.contact.email
    return ""


def _letter_return_to_draft(*, letter: Letter, actor: User | None, reason: str) -> None:
    """Undo an approval whose frozen values no longer hold; a supervisor must approve it again."""
    letter.check_transition(Letter.Status.DRAFT)
    letter.status = Letter.Status.DRAFT
    letter.approved_by = None
    letter.approved_at = None
    letter.recipient_email = ""
    letter.annex_csv = ""
    letter.save(update_fields=["status", "approved_by", "approved_at", "recipient_email", "annex_csv"])
    case_data = {"reason": reason}
    for case in letter.cases.all():
        case_event_add(
            case=case,
            kind=CaseEvent.Kind.LETTER,
            actor=actor,
            data={"letter": letter.pk, "reference": letter.our_reference, "action": "returned to draft", **case_data},
        )


LETTER_WORDING_FIELDS = ("contact", "channel", "legal_basis", "subject", "body")


@transaction.atomic
def letter_update(
    *,
    letter: Letter,
    actor: User,
    contact: PlatformContact | None,
    channel: str,
    legal_basis: str,
    subject: str,
    body: str,
) -> bool:
    """Change a draft or approved letter's wording or recipient. True if an approval was undone by it."""
    if not actor.has_perm("notices.change_letter"):
        raise PermissionDenied(_("You may not change letters."))
    current = Letter.objects.select_for_update(of=("self",)).get(pk=letter.pk)
    if current.status not in {Letter.Status.DRAFT, Letter.Status.APPROVED}:
        raise LetterError(_("A letter that was sent cannot be changed."))
    new = {"contact": contact, "channel": channel, "legal_basis": legal_basis, "subject": subject, "body": body}
    changed = [name for name in LETTER_WORDING_FIELDS if getattr(current, name) != new[name]]
    if not changed:
        return False
    for name in changed:
        setattr(current, name, new[name])
    current.save(update_fields=changed)
    if current.status == Letter.Status.APPROVED:
        _letter_return_to_draft(letter=current, actor=actor, reason=f"changed after approval: {', '.join(changed)}")
        return True
    return False


def letters_return_to_draft_for_contact(*, contact: PlatformContact, actor: User | None) -> list[Letter]:
    """Approved letters to a contact whose address changed go back to draft (in the caller's transaction)."""
    returned = []
    letters = Letter.objects.select_for_update(of=("self",)).filter(contact=contact, status=Letter.Status.APPROVED)
    for letter in letters:
        if letter.recipient_email != contact.email:
            _letter_return_to_draft(letter=letter, actor=actor, reason="the platform contact's address changed")
            returned.append(letter)
    return returned


def letter_send(*, letter: Letter, actor: User) -> Letter:
    """Send an approved letter, exactly as approved, and move its cases to AWAITING_PLATFORM.

    If what was approved no longer holds (the contact's address or the annex changed meanwhile), the
    letter goes back to draft for a new approval, and the sender is told so.
    """
    if not actor.has_perm("notices.send_letter"):
        raise PermissionDenied(_("You may not send letters to platforms."))
    sent = _letter_send(letter=letter, actor=actor)
    if sent is None:
        # Raised after _letter_send's commit, so the return to draft stays.
        raise LetterError(
            _(
                "What the supervisor approved has changed since (the contact's address or the annex): the letter "
                "is a draft again and needs a new approval."
            )
        )
    return sent


@transaction.atomic
def _letter_send(*, letter: Letter, actor: User) -> Letter | None:
    letter = Letter.objects.select_for_update(of=("self",)).select_related("platform", "contact").get(pk=letter.pk)
    letter.check_transition(Letter.Status.SENT)
    if letter.recipient_email != _current_recipient(letter) or letter.annex_csv != letter_annex_csv(letter=letter):
        _letter_return_to_draft(letter=letter, actor=actor, reason="changed after approval")
        return None
    if letter.channel == Letter.Channel.EMAIL and not letter.recipient_email:
        raise LetterError(_("The letter has no platform contact with an email address; choose one first."))
    cases = list(Case.objects.select_for_update().filter(letter_cases__letter=letter).order_by("letter_cases__id"))
    refused = [c.reference for c in cases if not _can_be_referred(c)]
    if refused:
        raise LetterError(
            _("These cases have moved on and cannot be referred: %(refs)s. Remove them or redraft the letter.")
            % {"refs": ", ".join(refused[:20])}
        )
    now = timezone.now()
    due = now + timedelta(hours=letter.platform.response_hours)
    letter.status = Letter.Status.SENT
    letter.date_sent = now
    letter.response_due_at = due
    letter.next_reminder_at = due if letter.letter_type != LetterType.REMINDER else None
    letter.save(update_fields=["status", "date_sent", "response_due_at", "next_reminder_at"])
    if letter.channel == Letter.Channel.EMAIL:
        notice_queue(
            channel=Channel.EMAIL,
            recipient_kind=Notice.RecipientKind.PLATFORM_CONTACT,
            address=letter.recipient_email,
            kind=f"letter_{letter.letter_type.lower()}",
            language=letter.language,
            subject=f"[{letter.our_reference}] {letter.subject}",
            body=letter.body,
            idempotency_key=f"letter:{letter.pk}:send",
            letter=letter,
            contact=letter.contact,
        )
    platform_push(
        platform=letter.platform,
        event="letter.sent",
        data=letter_push_payload(letter=letter, cases=cases),
        key=f"letter:{letter.pk}:send",
        letter=letter,
    )
    for case in cases:
        if case.status != Case.Status.AWAITING_PLATFORM:
            if Case.Status.REFERRED_TO_PLATFORM in Case.TRANSITIONS[case.status]:
                case = case_transition(
                    case=case, to=Case.Status.REFERRED_TO_PLATFORM, actor=actor, note=letter.our_reference
                )
            case_transition(
                case=case, to=Case.Status.AWAITING_PLATFORM, actor=actor, note=letter.our_reference, response_due_at=due
            )
        elif case.response_due_at is None or case.response_due_at < due:
            # A reminder gives the platform a fresh deadline for the cases it still owes us.
            Case.objects.filter(pk=case.pk).update(response_due_at=due)
    _letter_events(letter=letter, cases=cases, actor=actor, action="sent")
    return letter


def letter_remind_overdue() -> int:
    """Beat task: one draft REMINDER per overdue letter per response period. Returns how many were drafted."""
    sent = 0
    for letter_id in selectors.letters_due_for_reminder(now=timezone.now()):
        if _letter_remind(letter_id=letter_id) is not None:
            sent += 1
    return sent


@transaction.atomic
def _letter_remind(*, letter_id: int) -> Letter | None:
    now = timezone.now()
    # skip_locked: a second beat (or a slow previous run) holding this letter simply passes it by.
    letter = (
        Letter.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("platform")
        .filter(pk=letter_id, status=Letter.Status.SENT, next_reminder_at__lte=now)
        .first()
    )
    if letter is None:
        return None
    waiting = list(letter.cases.filter(status=Case.Status.AWAITING_PLATFORM).order_by("letter_cases__id"))
    # The next overdue period starts now, whether or not there is anything left to remind about.
    letter.next_reminder_at = now + timedelta(hours=letter.platform.response_hours) if waiting else None
    letter.save(update_fields=["next_reminder_at"])
    if not waiting:
        return None
    if letter.reminders.filter(status__in=[Letter.Status.DRAFT, Letter.Status.APPROVED]).exists():
        return None  # the last reminder still waits for its approval or sending: one at a time
    reminder = Letter(
        letter_type=LetterType.REMINDER,
        our_reference=reference_next(scope="letter", label="L"),
        platform=letter.platform,
        contact=letter.contact,
        channel=letter.channel,
        legal_basis=letter.legal_basis,
        language=letter.language,
        reminder_of=letter,
    )
    reminder.subject, reminder.body = _letter_render(
        letter_type=LetterType.REMINDER,
        language=reminder.language,
        context=selectors.letter_wording_context(
            our_reference=reminder.our_reference,
            platform=letter.platform,
            contact=letter.contact,
            legal_basis=letter.legal_basis,
            cases=waiting,
            language=reminder.language,
            now=now,
            original=letter,
        ),
    )
    reminder.save()
    LetterCase.objects.bulk_create([LetterCase(letter=reminder, case=case) for case in waiting])
    # A reminder is a draft like any other letter: it goes out only once a supervisor has approved it
    # and an officer has sent it. Nothing leaves the portal for an outside address unseen.
    _letter_events(letter=reminder, cases=waiting, actor=None, action="drafted")
    return reminder
