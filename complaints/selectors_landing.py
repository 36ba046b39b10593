"""Reads for the staff landing pages: counts that link to the changelist they count.

Every count is computed from the same selector Q as the changelist filter its link opens (see
selectors.case_open_q and its siblings, and complaints/admin/filters.py), on the same
case_visible_to queryset, so the number on the page is the number of rows in the list. Counts are
aggregates (one query for the whole team), never a query per caseworker or per row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.http import urlencode

from .models import Case, Role
from .selectors import AnyUser, case_due_soon_q, case_open_q, case_overdue_q, case_visible_to

CASES = "admin:complaints_case_changelist"


def landing_count(n: int, url_name: str, **params: str) -> dict[str, Any]:
    """A number and the list it counts: a changelist URL with its filters."""
    return {"n": n, "url": f"{reverse(url_name)}?{urlencode(params)}" if params else reverse(url_name)}


def _staff_name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def case_workload(user: AnyUser, *, now: datetime) -> dict[str, Any]:
    """Open, overdue and due-soon cases per assignee, with the unassigned queue and the team's totals.

    Every active caseworker has a row, with zeros if they hold nothing; so does anyone else who holds
    an open case (a supervisor, or a caseworker who has since left the group).
    """
    rows = (
        case_visible_to(user)
        .filter(case_open_q())
        .order_by()
        .values_list("assigned_to")
        # COUNT(status), not COUNT(id): status is never null and in the partial index on (assigned_to,
        # status, due_at), which then answers alone (an index-only scan) without reading the cases.
        .annotate(
            open=Count("status"),
            overdue=Count("status", filter=case_overdue_q(now)),
            soon=Count("status", filter=case_due_soon_q(now)),
        )
    )
    by_assignee = {assignee: (n_open, n_overdue, n_soon) for assignee, n_open, n_overdue, n_soon in rows}
    holders = [pk for pk in by_assignee if pk is not None]
    people = (
        User.objects.filter(
            Q(pk__in=holders) | Q(is_active=True, is_staff=True, groups__name=Role.CASEWORKER),
        )
        .distinct()
        .order_by("first_name", "username")
    )

    def row(name: str, assigned: str, counts: tuple[int, int, int]) -> dict[str, Any]:
        filters = {"assigned": assigned} if assigned else {}
        return {
            "name": name,
            "open": landing_count(counts[0], CASES, **filters, work="open"),
            "overdue": landing_count(counts[1], CASES, **filters, overdue="yes"),
            "soon": landing_count(counts[2], CASES, **filters, work="soon"),
        }

    counts = list(by_assignee.values())
    totals = (sum(c[0] for c in counts), sum(c[1] for c in counts), sum(c[2] for c in counts))
    return {
        "rows": [row(_staff_name(p), str(p.pk), by_assignee.get(p.pk, (0, 0, 0))) for p in people],
        "unassigned": row("", "nobody", by_assignee.get(None, (0, 0, 0))),
        "total": row("", "", totals),
    }


def _case_rows(cases: Any) -> list[dict[str, Any]]:
    return [
        {
            "url": reverse("admin:complaints_case_change", args=[case.pk]),
            "reference": case.reference,
            "platform": case.platform.name,
            "handle": case.account_handle,
            "status": case.get_status_display(),
            "due": case.due_at,
            "overdue": case.is_overdue,
            "assignee": _staff_name(case.assigned_to) if case.assigned_to else "",
        }
        for case in cases
    ]


def cases_most_overdue(user: AnyUser, *, now: datetime, limit: int = 10) -> list[dict[str, Any]]:
    """The longest-overdue open cases first (the partial index on due_at)."""
    cases = case_visible_to(user).filter(case_overdue_q(now)).select_related("platform", "assigned_to")
    return _case_rows(cases.order_by("due_at", "id")[:limit])


def cases_escalated(user: AnyUser, *, limit: int = 10) -> dict[str, Any]:
    """Escalated cases (an open status): the count, linked to the list, and the oldest first."""
    cases = case_visible_to(user).filter(status=Case.Status.ESCALATED)
    return {
        "count": landing_count(cases[:1000].count(), CASES, status__exact=Case.Status.ESCALATED),
        "cases": _case_rows(
            cases.select_related("platform", "assigned_to").order_by("status_changed_at", "id")[:limit]
        ),
    }
