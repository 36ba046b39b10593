"""The supervisor's and the correspondence officer's landing pages: their work, counted and linked.

As in complaints.selectors_landing, each count uses the same definition as the changelist filter
its link opens: case_ready_to_refer_q (notices/admin/filters.py), letters_overdue
(OverdueLetterFilter) and the letter status. Each block is one aggregate or one short list, so a
page costs the same number of queries whatever the size of the tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Q
from django.urls import reverse

from complaints.models import Case
from complaints.selectors import case_visible_to
from complaints.selectors_landing import (
    CASES,
    case_workload,
    cases_escalated,
    cases_most_overdue,
    landing_count,
)

from .models import Letter, LetterCase
from .selectors import advance_notices_landing, letters_overdue

LETTERS = "admin:notices_letter_changelist"
# Like the changelists' CappedCountPaginator: a landing count stops at the number a list can show.
CAP = 1000


def case_ready_to_refer_q() -> Q:
    """Cases a caseworker moved to "Referred to platform" that are on no letter still to be sent: the
    correspondence officer drafts their letter (the Refer to platform action)."""
    pending = LetterCase.objects.filter(
        case=OuterRef("pk"), letter__status__in=[Letter.Status.DRAFT, Letter.Status.APPROVED]
    )
    return Q(Q(status=Case.Status.REFERRED_TO_PLATFORM), ~Exists(pending))


def _letter_rows(letters: Any) -> list[dict[str, Any]]:
    return [
        {
            "url": reverse("admin:notices_letter_change", args=[letter.pk]),
            "reference": letter.our_reference,
            "platform": letter.platform.name,
            "type": letter.get_letter_type_display(),
            "created": letter.created_at,
            "approved": letter.approved_at,
        }
        for letter in letters
    ]


def letters_in_status(*, status: str, limit: int = 10) -> dict[str, Any]:
    """Letters in one status, oldest first (they have waited longest), with their linked count."""
    letters = Letter.objects.filter(status=status)
    return {
        "count": landing_count(letters[:CAP].count(), LETTERS, status__exact=status),
        "letters": _letter_rows(letters.select_related("platform").order_by("created_at", "id")[:limit]),
    }


def platforms_overdue(*, now: datetime) -> list[dict[str, Any]]:
    """Per platform, the letters past their reply-by date without a reply, the longest overdue first."""
    rows = (
        letters_overdue(now=now)
        .order_by()
        .values_list("platform", "platform__name")
        .annotate(n=Count("id"), oldest=Min("response_due_at"))
        .order_by("oldest", "platform__name")
    )
    return [
        {
            "platform": name,
            "count": landing_count(n, LETTERS, overdue="yes", platform__id__exact=str(pk)),
            "oldest": oldest,
        }
        for pk, name, n, oldest in rows
    ]


def cases_ready_to_refer(user: Any, *, limit: int = 10) -> dict[str, Any]:
    cases = case_visible_to(user).filter(case_ready_to_refer_q())
    listed = cases.select_related("platform").order_by("status_changed_at", "id")[:limit]
    return {
        "count": landing_count(cases[:CAP].count(), CASES, refer="ready"),
        "cases": [
            {
                "url": reverse("admin:complaints_case_change", args=[case.pk]),
                "reference": case.reference,
                "platform": case.platform.name,
                "handle": case.account_handle,
                "since": case.status_changed_at,
            }
            for case in listed
        ],
    }


def supervisor_landing(user: Any, *, now: datetime) -> dict[str, Any]:
    return {
        "workload": case_workload(user, now=now),
        "overdue_cases": cases_most_overdue(user, now=now),
        "escalated": cases_escalated(user),
        "awaiting_approval": letters_in_status(status=Letter.Status.DRAFT),
        **advance_notices_landing(user=user),
    }


def correspondence_landing(user: Any, *, now: datetime) -> dict[str, Any]:
    return {
        "ready_to_refer": cases_ready_to_refer(user),
        "to_send": letters_in_status(status=Letter.Status.APPROVED),
        "awaiting_approval": letters_in_status(status=Letter.Status.DRAFT, limit=0),
        "platforms_overdue": platforms_overdue(now=now),
    }
