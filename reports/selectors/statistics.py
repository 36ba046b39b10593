"""Reads for the dashboard and the public statistics: aggregates over the daily summaries
and the correspondence, from the reports database."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import (
    Count,
    DateField,
    Q,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from complaints.models import Case, Complaint, Platform, Province
from notices.models import Reply
from regulator_portal.routers import reports_alias

from ..models import ComplaintDaySummary

RESTORED = [Case.Outcome.REINSTATED, Case.Outcome.PARTIALLY_REINSTATED]


SUBSTANTIVE_REPLIES = [Reply.Kind.DECISION, Reply.Kind.INFORMATION_REQUEST]


def db() -> str:
    """The database alias reports read from: the replica when DATABASE_REPLICA_URL names one."""
    return reports_alias()


def user_is_analyst(user: User | AnonymousUser) -> bool:
    """Sees the statistics but works no cases: their admin starts at the dashboard."""
    return (
        user.is_authenticated
        and user.has_perm("reports.view_dashboard")
        and not user.has_perm("complaints.change_case")
    )


@dataclass(frozen=True)
class Period:
    """Local (Pakistan time) days from ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_before(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @classmethod
    def month(cls, first: date) -> Period:
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        return cls(first, following - timedelta(days=1))


def month_of(moment: datetime) -> date:
    return timezone.localtime(moment).date().replace(day=1)


def platforms() -> dict[int, Platform]:
    return {p.pk: p for p in Platform.objects.using(db()).order_by("name")}


def _summary(period: Period, platform_ids: list[int] | None, dimension: str) -> Any:
    rows = ComplaintDaySummary.objects.using(db()).filter(
        dimension=dimension, day__gte=period.start, day__lte=period.end
    )
    return rows.filter(platform_id__in=platform_ids) if platform_ids else rows


TOTALS = ComplaintDaySummary.Dimension.ACTION_TYPE


def complaints_by(*, period: Period, platform_ids: list[int] | None, group: str) -> list[tuple[Any, int]]:
    """Complaints received grouped by ``day`` or ``platform_id`` (totals), or by a summary dimension
    (``action_type``, ``category`` or ``province``)."""
    totals = group in {"day", "platform_id"}
    key, dimension = (group, TOTALS) if totals else ("value", group)
    rows = _summary(period, platform_ids, dimension).values_list(key).annotate(n=Sum("complaints")).order_by(key)
    return [(value, n) for value, n in rows]


def complaints_by_platform_month(*, period: Period) -> dict[tuple[int, date], int]:
    rows = (
        _summary(period, None, TOTALS)
        .annotate(month=TruncMonth("day"))
        .values("platform_id", "month")
        .annotate(n=Sum("complaints"))
        .order_by()
    )
    return {(row["platform_id"], row["month"]): row["n"] for row in rows}


def cases_closed_by_platform_month(*, period: Period) -> dict[tuple[int, date], dict[str, int]]:
    """Cases whose latest closing falls in the period, by platform, month and outcome."""
    rows = (
        Case.objects.using(db())
        .filter(status=Case.Status.CLOSED, closed_at__gte=period.start_at, closed_at__lt=period.end_before)
        .annotate(month=TruncMonth("closed_at", output_field=DateField()))
        .values("platform_id", "month", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    out: dict[tuple[int, date], dict[str, int]] = defaultdict(dict)
    for row in rows:
        out[(row["platform_id"], row["month"])][row["outcome"]] = row["n"]
    return out


@dataclass(frozen=True)
class Backlog:
    name: str
    open_cases: int
    overdue: int


@dataclass(frozen=True)
class OpenCases:
    by_status: dict[str, int]
    backlog: list[Backlog]


def open_cases(*, platform_ids: list[int] | None, now: datetime | None = None) -> OpenCases:
    """Open cases now, by status, and per assignee (the unassigned queue too) with how many are overdue.

    One grouping over the open cases only: the partial indexes on open cases serve it, and the
    closed cases, most of the table, are never counted here (the public statistics count them by
    month of closing).
    """
    now = now or timezone.now()
    cases = Case.objects.using(db()).exclude(status=Case.Status.CLOSED)
    if platform_ids:
        cases = cases.filter(platform_id__in=platform_ids)
    rows = (
        cases.values(
            "status", "assigned_to", "assigned_to__username", "assigned_to__first_name", "assigned_to__last_name"
        )
        # Counting status (never null) rather than id: status, assignee and due date are all in the
        # partial index case_open_assignee_idx, so PostgreSQL can count from the index alone.
        .annotate(n=Count("status"), overdue=Count("status", filter=Q(due_at__lt=now)))
        .order_by()
    )
    by_status = dict.fromkeys(Case.OPEN_STATUSES, 0)
    people: dict[int | None, list] = {}
    for row in rows:
        by_status[row["status"]] += row["n"]
        parts = (row["assigned_to__first_name"], row["assigned_to__last_name"])
        name = " ".join(p for p in parts if p) or row["assigned_to__username"] or ""
        person = people.setdefault(row["assigned_to"], [name, 0, 0])
        person[1] += row["n"]
        person[2] += row["overdue"]
    backlog = [Backlog(name=name, open_cases=n, overdue=overdue) for name, n, overdue in people.values()]
    backlog.sort(key=lambda b: (-b.overdue, -b.open_cases, b.name))
    return OpenCases(by_status=by_status, backlog=backlog)


def complaint_labels() -> dict[str, dict[str, str]]:
    """Display labels for the summary's coded dimensions, in the active language."""
    choices = {
        "action_type": Complaint.ActionType.choices,
        "category": Complaint.Category.choices,
        "province": Province.choices,
        "status": Case.Status.choices,
        "outcome": Case.Outcome.choices,
    }
    return {name: {value: str(label) for value, label in pairs} for name, pairs in choices.items()}
