"""Letters to platforms: drafting, the annex, approval, sending and the automatic reminders."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.models import Case, CaseEvent, Complaint
from complaints.services import case_event_add, case_transition, complaint_pii_export_record, reference_next
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
from .outbox import notice_queue
from .webhooks import letter_push_payload, platform_push


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
        ctx = Context({"regulator_name": regulator_name(), **context}, autoescape=False)
        return Template(template.subject).render(ctx).strip(), Template(template.body).render(ctx).strip() + "\n"


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
            context={
                "letter": letter,
                "platform": platform,
                "contact": contact,
                "cases": platform_cases,
                "case_count": len(platform_cases),
                "legal_basis": letter.legal_basis,
            },
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


def letter_annex_download(*, letter: Letter, actor: User) -> str:
    """The annex as a member of staff downloads it, logged as an export of the details it carries.

    Once sent, the annex is what went out; before that, what would go out now.
    """
    content = letter.annex_csv or letter_annex_csv(letter=letter)
    consenting = [
        complaint
        for case in selectors.letter_cases_for_annex(letter=letter)
        for complaint in case.annex_complaints  # type: ignore[attr-defined]
        if complaint.consent_share_with_platform
    ]
    complaint_pii_export_record(complaints=consenting, actor=actor, export=f"{letter.our_reference} annex")
    return content


def letter_annex_csv(*, letter: Letter) -> str:
    """The annex: one row per case. A complainant's details appear only if they consented to sharing."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "our_reference",
            "case_reference",
            "account_handle",
            "account_url",
            "action",
            "action_date",
            "complaints",
            "complainant_names",
            "complainant_contacts",
        ]
    )
    with translation.override("en"):
        for case in selectors.letter_cases_for_annex(letter=letter):
            complaints: list[Complaint] = case.annex_complaints  # type: ignore[attr-defined]
            first = complaints[0] if complaints else None
            consenting = [c for c in complaints if c.consent_share_with_platform]
            writer.writerow(
                [
                    letter.our_reference,
                    case.reference,
                    case.account_handle,
                    next((c.account_url for c in complaints if c.account_url), ""),
                    first.get_action_type_display() if first else "",
                    first.action_date.isoformat() if first else "",
                    len(complaints),
                    "; ".join(c.full_name for c in consenting),
                    "; ".join(" ".join(filter(None, [c.email, c.mobile])) for c in consenting),
                ]
            )
    return out.getvalue()


@transaction.atomic
def letter_approve(*, letter: Letter, actor: User) -> Letter:
    """A supervisor's approval. Four eyes: nobody approves a letter they drafted themselves."""
    if not actor.has_perm("notices.approve_letter"):
        raise PermissionDenied(_("Only a supervisor can approve a letter."))
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    if letter.created_by_id is not None and letter.created_by_id == actor.pk:
        raise LetterError(_("A letter must be approved by someone other than the person who drafted it."))
    letter.check_transition(Letter.Status.APPROVED)
    letter.status = Letter.Status.APPROVED
    letter.approved_by = actor
    letter.approved_at = timezone.now()
    letter.save(update_fields=["status", "approved_by", "approved_at"])
    _letter_events(letter=letter, cases=letter.cases.all(), actor=actor, action="approved")
    return letter


@transaction.atomic
def letter_send(*, letter: Letter, actor: User | None) -> Letter:
    """Send an approved letter through the outbox and move its cases to AWAITING_PLATFORM.

    ``actor`` None is the reminder beat task, which sends pre-approved reminder wording.
    """
    if actor is not None and not actor.has_perm("notices.send_letter"):
        raise PermissionDenied(_("You may not send letters to platforms."))
    letter = Letter.objects.select_for_update(of=("self",)).select_related("platform", "contact").get(pk=letter.pk)
    letter.check_transition(Letter.Status.SENT)
    if letter.channel == Letter.Channel.EMAIL and (letter.contact is None or not letter.contact.email):
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
    letter.annex_csv = letter_annex_csv(letter=letter)
    letter.save(update_fields=["status", "date_sent", "response_due_at", "next_reminder_at", "annex_csv"])
    if letter.channel == Letter.Channel.EMAIL and letter.contact is not None:
        notice_queue(
            channel=Channel.EMAIL,
            recipient_kind=Notice.RecipientKind.PLATFORM_CONTACT,
            address=letter.contact.email,
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
    """Beat task: one automatic REMINDER letter per overdue letter per response period. Returns how many."""
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
    reminder = Letter(
        letter_type=LetterType.REMINDER,
        our_reference=reference_next(scope="letter", label="L"),
        platform=letter.platform,
        contact=letter.contact,
        channel=letter.channel,
        legal_basis=letter.legal_basis,
        language=letter.language,
        reminder_of=letter,
        # Reminders use the approved REMINDER template wording and need no second approval.
        status=Letter.Status.APPROVED,
        approved_at=now,
    )
    reminder.subject, reminder.body = _letter_render(
        letter_type=LetterType.REMINDER,
        language=reminder.language,
        context={
            "letter": reminder,
            "original": letter,
            "platform": letter.platform,
            "contact": letter.contact,
            "cases": waiting,
            "case_count": len(waiting),
            "legal_basis": letter.legal_basis,
        },
    )
    reminder.save()
    LetterCase.objects.bulk_create([LetterCase(letter=reminder, case=case) for case in waiting])
    _letter_events(letter=reminder, cases=waiting, actor=None, action="drafted")
    return letter_send(letter=reminder, actor=None)
