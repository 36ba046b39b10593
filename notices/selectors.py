"""Reads for the notices app: what the services, the admin and the beat tasks look up."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from complaints.models import Case, Complaint, Platform, PlatformContact

from .models import Letter, LetterType, Notice


def platform_primary_contact(*, platform: Platform) -> PlatformContact | None:
    # Ordering on the model puts the primary contact first.
    return PlatformContact.objects.filter(platform=platform).first()


def case_complaints_to_notify(*, case: Case) -> QuerySet[Complaint]:
    """The citizens behind a case who hear about its progress: not those rejected or marked duplicate."""
    return case.complaints.exclude(status__in=[Complaint.Status.REJECTED, Complaint.Status.DUPLICATE]).order_by("id")


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


def notices_stuck_sending(*, claimed_before: datetime, limit: int) -> list[int]:
    return list(
        Notice.objects.filter(status=Notice.Status.SENDING, claimed_at__lt=claimed_before)
        .order_by("claimed_at")
        .values_list("pk", flat=True)[:limit]
    )


def notices_due_for_publish(*, due_before: datetime, limit: int) -> list[int]:
    return list(
        Notice.objects.filter(status__in=Notice.CLAIMABLE, next_attempt_at__lte=due_before)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def _when(value: datetime | None, fmt: str) -> str:
    return timezone.localtime(value).strftime(fmt) if value else ""


def letter_wording_context(
    *,
    our_reference: str,
    platform: Platform,
    contact: PlatformContact | None,
    legal_basis: str,
    cases: list[Case],
    original: Letter | None = None,
) -> dict[str, Any]:
    """What a letter template may use, as plain values (see notices.services.wording).

    No complainant appears: a letter names accounts and cases; the consenting complainants' names go
    only in the annex, which a supervisor approves with the letter.
    """
    case_rows = [{"reference": case.reference, "account_handle": case.account_handle} for case in cases]
    return {
        "letter": {"our_reference": our_reference},
        "platform": {"name": platform.name},
        "contact": {"name": contact.name, "role": contact.role} if contact else None,
        "legal_basis": legal_basis,
        "cases": case_rows,
        "case_count": len(case_rows),
        "original": (
            {
                "our_reference": original.our_reference,
                "date_sent": _when(original.date_sent, "%Y-%m-%d"),
                "response_due_at": _when(original.response_due_at, "%Y-%m-%d %H:%M"),
            }
            if original
            else None
        ),
    }
