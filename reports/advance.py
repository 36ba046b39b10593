"""The scorecard's advance-notice reads: one query for the notices, one for the accounts acted on
without notice, whatever the number of platforms and months (the dashboard's query budget)."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db.models import Count, DateField, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncMonth

from complaints.models import Complaint, Platform
from notices.models import AdvanceNotice, AdvanceNoticeEvent

ACCOUNT_ACTIONS = [
    Complaint.ActionType.ACCOUNT_SUSPENDED,
    Complaint.ActionType.ACCOUNT_TERMINATED,
    Complaint.ActionType.ACCOUNT_LOCKED,
    Complaint.ActionType.ACCOUNT_WITHHELD_IN_COUNTRY,
]


def agreement_start(platform: Platform) -> date | None:
    """The day from which the platform agreed to give advance notice; None if it never did."""
    starts = settings.ADVANCE_NOTICE_AGREEMENT_START
    return starts[platform.slug] if platform.slug in starts else starts.get("default")


def notices_touching(
    *, using: str, start_at: datetime, end_before: datetime, platform_ids: list[int] | None
) -> QuerySet[AdvanceNotice]:
    """Notices received in the period or due in it, with ``first_responded_at``: when the first answer
    went out. A request for information answers the notice; the decision that may follow it later
    does not make that first answer late."""
    first_response = (
        AdvanceNoticeEvent.objects.filter(notice=OuterRef("pk"), kind=AdvanceNoticeEvent.Kind.RESPONDED)
        .order_by("created_at", "id")
        .values("created_at")[:1]
    )
    notices = AdvanceNotice.objects.using(using).filter(
        Q(received_at__gte=start_at, received_at__lt=end_before)
        | Q(response_due_at__gte=start_at, response_due_at__lt=end_before)
    )
    if platform_ids:
        notices = notices.filter(platform_id__in=platform_ids)
    return (
        notices.only(
            "platform_id",
            "received_at",
            "proposed_effective_date",
            "response_due_at",
            "status",
            "response",
            "final_action",
        )
        .annotate(first_responded_at=Coalesce(Subquery(first_response), "responded_at"))
        .order_by()
    )


def accounts_without_notice(
    *, using: str, start: date, end: date, starts: dict[int, date], by_month: bool
) -> dict[tuple[int, date | None], int]:
    """Distinct accounts (platform and normalised handle) that the platform suspended, terminated,
    locked or withheld between ``start`` and ``end`` (the action's date, both included), on or after
    its agreement's start (``starts``, by platform id), with no advance notice about them: none
    linked to the complaint or its case, and none from that platform naming the handle or the
    platform's account id."""
    if not starts:
        return {}
    agreed = Q()
    for platform_id, since in starts.items():
        agreed |= Q(platform_id=platform_id, action_date__gte=since)
    notices = AdvanceNotice.objects.filter(platform_id=OuterRef("platform_id"))
    same_account = notices.filter(
        Q(account_handle_normalized=OuterRef("account_handle_normalized"))
        | (Q(puid=OuterRef("platform_account_id")) & ~Q(puid=""))
    )
    linked = AdvanceNotice.complaints.through.objects.filter(complaint_id=OuterRef("pk"))
    case_linked = AdvanceNotice.cases.through.objects.filter(case_id=OuterRef("case_id"))
    groups = ["platform_id", "month"] if by_month else ["platform_id"]
    rows = (
        Complaint.objects.using(using)
        .filter(agreed, action_type__in=ACCOUNT_ACTIONS, action_date__gte=start, action_date__lte=end)
        .exclude(Exists(same_account))
        .exclude(Exists(linked))
        .exclude(Exists(case_linked))
        .annotate(month=TruncMonth("action_date", output_field=DateField()))
        .values(*groups)
        .annotate(accounts=Count("account_handle_normalized", distinct=True))
        .order_by()
    )
    return {(row["platform_id"], row.get("month")): row["accounts"] for row in rows}
