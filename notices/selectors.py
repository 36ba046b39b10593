"""Reads for the notices app: what the services, the admin and the beat tasks look up."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from complaints.handles import handle_display, handle_name
from complaints.models import Case, Complaint, Platform, PlatformContact

from .models import AdvanceNotice, Letter, LetterType, Notice


def platform_primary_contact(*, platform: Platform) -> PlatformContact | None:
    # Ordering on the model puts the primary contact first.
    return PlatformContact.objects.filter(platform=platform).first()


def case_complaints_to_notify(*, case: Case) -> QuerySet[Complaint]:
    """The citizens behind a case who hear about its progress: not those rejected or marked duplicate."""
    return case.complaints.exclude(status__in=[Complaint.Status.REJECTED, Complaint.Status.DUPLICATE]).order_by("id")


def cases_with_complaints_to_pursue(cases: list[Case]) -> set[int]:
    """The ids of those cases that hold a complaint neither rejected nor a duplicate."""
    return set(
        Complaint.objects.filter(case__in=cases)
        .exclude(status__in=[Complaint.Status.REJECTED, Complaint.Status.DUPLICATE])
        .values_list("case_id", flat=True)
    )


def letter_cases_for_annex(*, letter: Letter) -> QuerySet[Case]:
    complaints = Complaint.objects.exclude(status__in=[Complaint.Status.REJECTED, Complaint.Status.DUPLICATE]).order_by(
        "received_at", "id"
    )
    return (
        Case.objects.filter(letter_cases__letter=letter)
        .order_by("letter_cases__id")
        .prefetch_related(Prefetch("complaints", queryset=complaints, to_attr="annex_complaints"))
    )


def letters_overdue(*, now: datetime) -> QuerySet[Letter]:
    return Letter.objects.filter(status=Letter.Status.SENT, response_due_at__lt=now).exclude(
        letter_type=LetterType.REMINDER
    )


def letters_due_for_reminder(*, now: datetime, limit: int = 100) -> list[int]:
    return list(
        Letter.objects.filter(status=Letter.Status.SENT, next_reminder_at__lte=now)
        .exclude(letter_type=LetterType.REMINDER)
        .order_by("next_reminder_at")
        .values_list("pk", flat=True)[:limit]
    )


def letter_next_step(*, letter: Letter, now: datetime) -> str:
    """Who must act next on a letter, in the words its page shows."""
    if letter.status == Letter.Status.DRAFT:
        if letter.channel == Letter.Channel.EMAIL and (letter.contact is None or not letter.contact.email):
            return _(
                "Waiting for a platform contact with an email address to be chosen, then for a supervisor to approve."
            )
        return _("Waiting for a supervisor to approve.")
    if letter.status == Letter.Status.APPROVED:
        return _("Ready for a correspondence officer to send.")
    if letter.status == Letter.Status.SENT:
        if letter.response_due_at is None:
            return _("Waiting for the platform's reply.")
        due = date_format(timezone.localtime(letter.response_due_at), "j F Y")
        if letter.response_due_at < now and letter.letter_type == LetterType.REMINDER:
            return _(
                "The platform's reply was due by %(date)s and is overdue: a supervisor decides whether to escalate."
            ) % {"date": due}
        if letter.response_due_at < now:
            return _(
                "The platform's reply was due by %(date)s and is overdue: a reminder is drafted for a supervisor to "
                "approve."
            ) % {"date": due}
        return _("Waiting for the platform's reply by %(date)s.") % {"date": due}
    return _("The platform replied: a correspondence officer checks each case's outcome.")


def notices_stuck_sending(*, claimed_before: datetime, limit: int) -> list[int]:
    return list(
        Notice.objects.filter(status=Notice.Status.SENDING, claimed_at__lt=claimed_before)
        .order_by("claimed_at")
        .values_list("pk", flat=True)[:limit]
    )


def notices_queued(*, kind: str, limit: int) -> list[int]:
    """Notices of ``kind`` waiting for their first send, oldest first."""
    return list(
        Notice.objects.filter(kind=kind, status=Notice.Status.QUEUED, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def notices_due_for_publish(*, due_before: datetime, limit: int) -> list[int]:
    return list(
        Notice.objects.filter(status__in=Notice.CLAIMABLE, next_attempt_at__lte=due_before)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def _day(value: datetime | None) -> str:
    return date_format(timezone.localtime(value), "j F Y") if value else ""


def letter_wording_context(
    *,
    our_reference: str,
    platform: Platform,
    contact: PlatformContact | None,
    legal_basis: str,
    cases: list[Case],
    language: str,
    now: datetime,
    original: Letter | None = None,
) -> dict[str, Any]:
    """What a letter template may use, as plain values (see notices.services.wording).

    No complainant appears: a letter names accounts and cases; the consenting complainants' names go
    only in the annex, which a supervisor approves with the letter. ``date`` is the day the letter is
    drafted and ``reply_by`` that day plus the platform's response period: what the supervisor
    approves is what is sent, so neither changes on the way out.
    """
    # account_handle without "@" (the stored templates write "@{{ case.account_handle }}"); handle with it.
    case_rows = [
        {
            "reference": case.reference,
            "account_handle": handle_name(case.account_handle),
            "handle": handle_display(case.account_handle),
        }
        for case in cases
    ]
    # Dates are written in the letter's language, whatever language the member of staff reads.
    with translation.override(language):
        return {
            "letter": {"our_reference": our_reference},
            "date": _day(now),
            "reply_by": _day(now + timedelta(hours=platform.response_hours)),
            "response_hours": platform.response_hours,
            "platform": {"name": platform.name},
            "contact": {"name": contact.name, "role": contact.role} if contact else None,
            "legal_basis": legal_basis,
            "signatory": settings.LETTER_SIGNATORY,
            "office": settings.LETTER_OFFICE,
            "cases": case_rows,
            "case_count": len(case_rows),
            "original": (
                {
                    "our_reference": original.our_reference,
                    "date_sent": _day(original.date_sent),
                    "response_due_at": _day(original.response_due_at),
                }
                if original
                else None
            ),
        }


def advance_notice_pending_duplicate(*, platform: Platform, puid: str, key: str) -> AdvanceNotice | None:
    return (
        AdvanceNotice.objects.filter(platform=platform, puid=puid, decision_key=key)
        .exclude(final_action__in=AdvanceNotice.SETTLED_ACTIONS)
        .order_by("id")
        .first()
    )


def advance_notice_account_complaints(*, notice: AdvanceNotice) -> QuerySet[Complaint]:
    """Every complaint, past and present, about the notice's account: by handle, or by the platform's id."""
    account = Q(account_handle_normalized=notice.account_handle_normalized)
    if notice.puid:
        account |= Q(platform_account_id=notice.puid)
    return Complaint.objects.filter(account, platform=notice.platform_id)


def advance_notice_account_cases(*, notice: AdvanceNotice, complaint_ids: Iterable[int]) -> list[int]:
    """The cases about the account, and the cases of the matching complaints (a case may carry the
    handle a citizen typed differently, matched through the platform's id)."""
    return list(
        Case.objects.filter(
            Q(platform=notice.platform_id, account_handle_normalized=notice.account_handle_normalized)
            | Q(complaints__in=list(complaint_ids))
        )
        .distinct()
        .values_list("pk", flat=True)
    )


def advance_notices_for_complaint(*, complaint: Complaint) -> QuerySet[AdvanceNotice]:
    account = Q(account_handle_normalized=complaint.account_handle_normalized)
    if complaint.platform_account_id:
        account |= Q(puid=complaint.platform_account_id)
    return AdvanceNotice.objects.filter(account, platform=complaint.platform_id)


def _deadline_pending() -> QuerySet[AdvanceNotice]:
    return AdvanceNotice.objects.filter(status__in=AdvanceNotice.OPEN_STATUSES).exclude(
        final_action__in=AdvanceNotice.SETTLED_ACTIONS
    )


def advance_notices_to_warn(*, now: datetime, horizon: datetime, limit: int = 500) -> list[int]:
    return list(
        _deadline_pending()
        .filter(warned_at__isnull=True, response_due_at__gt=now, response_due_at__lte=horizon)
        .order_by("response_due_at")
        .values_list("pk", flat=True)[:limit]
    )


def advance_notices_past_due(*, now: datetime, limit: int = 500) -> list[int]:
    return list(
        _deadline_pending()
        .filter(response_due_at__lte=now)
        .order_by("response_due_at")
        .values_list("pk", flat=True)[:limit]
    )


def advance_notices_due_soon(*, now: datetime, hours: int = 24) -> QuerySet[AdvanceNotice]:
    """The supervisor's landing list: open notices whose deadline falls in the next ``hours``."""
    return (
        _deadline_pending()
        .filter(response_due_at__lte=now + timedelta(hours=hours))
        .select_related("platform", "assigned_to")
        .order_by("response_due_at", "id")
    )


def advance_notices_landing(*, user: Any, limit: int = 20) -> dict[str, Any]:
    """The admin index's block for supervisors: open notices due within 24 hours, soonest first."""
    if not user.has_perm("notices.approve_advancenotice"):
        return {}
    due = advance_notices_due_soon(now=timezone.now(), hours=24)
    return {
        "advance_notices_due": [
            {
                "url": reverse("admin:notices_advancenotice_change", args=[n.pk]),
                "reference": n.reference,
                "platform": n.platform.name,
                "handle": n.account_handle_normalized,
                "status": n.get_status_display(),
                "due": n.response_due_at,
                "overdue": n.is_overdue,
                "assignee": n.assigned_to.get_username() if n.assigned_to else "",
            }
            for n in due[:limit]
        ]
    }
