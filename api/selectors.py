"""Reads of the platform API. Every one is scoped to the calling platform: another's rows do not exist."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from complaints.models import Case, Complaint, Platform
from notices.models import AdvanceNotice, Letter

SENT_STATUSES = [Letter.Status.SENT, Letter.Status.REPLIED]


def _annex_complaints() -> QuerySet[Complaint]:
    return Complaint.objects.exclude(status__in=[Complaint.Status.REJECTED, Complaint.Status.DUPLICATE]).order_by(
        "received_at", "id"
    )


def platform_letters(*, platform: Platform) -> QuerySet[Letter]:
    """Letters that went out to the platform, with their cases and the cases' complaints for the annex."""
    cases = Case.objects.order_by("letter_cases__id").prefetch_related(
        Prefetch("complaints", queryset=_annex_complaints(), to_attr="annex_complaints")
    )
    return (
        Letter.objects.filter(platform=platform, status__in=SENT_STATUSES)
        .order_by("-date_sent", "-id")
        .prefetch_related(Prefetch("cases", queryset=cases, to_attr="annex_cases"), "replies")
    )


def platform_letter_for_reply(*, platform: Platform, letter_id: int) -> Letter | None:
    return Letter.objects.filter(platform=platform, status__in=SENT_STATUSES, pk=letter_id).first()


def letter_cases_by_reference(*, letter: Letter, references: list[str]) -> dict[str, Case]:
    return {c.reference: c for c in Case.objects.filter(letter_cases__letter=letter, reference__in=references)}


def platform_cases(*, platform: Platform) -> QuerySet[Case]:
    """The platform's cases that a sent letter referred to it; nothing drafted or unsent."""
    referred = Case.objects.filter(platform=platform, letter_cases__letter__status__in=SENT_STATUSES).values("pk")
    return Case.objects.filter(pk__in=referred).order_by("-sent_to_platform_at", "-id")


def platform_advance_notices(*, platform: Platform) -> QuerySet[AdvanceNotice]:
    return AdvanceNotice.objects.filter(platform=platform).order_by("-received_at", "-id")
