"""The platform scorecard: letters, replies, accounts referred and restored, and the advance-notice
figures, per platform (and month), by the definitions in reports/definitions.py."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Least, TruncDate, TruncMonth
from django.utils import timezone

from complaints.models import Case, Platform
from notices.models import Letter, LetterCase, LetterType, Reply

from .. import advance
from ..models import ReferralDaySummary
from .statistics import RESTORED, SUBSTANTIVE_REPLIES, Period, db, month_of, platforms


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 3) if denominator else None


@dataclass
class ScorecardRow:
    platform_id: int
    month: date | None = None
    letters_sent: int = 0
    letters_replied: int = 0
    letters_replied_on_time: int = 0
    letters_due: int = 0
    letters_no_reply_by_deadline: int = 0
    accounts_referred: int = 0
    accounts_closed: int = 0
    accounts_restored: int = 0
    days_to_reply: list[int] = field(default_factory=list)
    notices_received: int = 0
    notice_days: list[int] = field(default_factory=list)
    notices_due: int = 0
    notices_answered_in_time: int = 0
    objections_settled: int = 0
    objections_respected: int = 0
    # None where the platform had no advance-notice agreement in the row's span: not zero, not shown.
    suspensions_without_notice: int | None = None

    @property
    def reply_rate(self) -> float | None:
        return _rate(self.letters_replied, self.letters_sent)

    @property
    def median_days_to_reply(self) -> float | None:
        return statistics.median(self.days_to_reply) if self.days_to_reply else None

    @property
    def replies_on_time_share(self) -> float | None:
        return _rate(self.letters_replied_on_time, self.letters_replied)

    @property
    def restoration_rate(self) -> float | None:
        return _rate(self.accounts_restored, self.accounts_closed)

    @property
    def no_reply_by_deadline_share(self) -> float | None:
        return _rate(self.letters_no_reply_by_deadline, self.letters_due)

    @property
    def median_notice_period_days(self) -> float | None:
        return statistics.median(self.notice_days) if self.notice_days else None

    @property
    def answered_in_time_share(self) -> float | None:
        return _rate(self.notices_answered_in_time, self.notices_due)

    @property
    def objections_respected_share(self) -> float | None:
        return _rate(self.objections_respected, self.objections_settled)

    def figures(self) -> dict[str, Any]:
        """Every count and figure, by the keys of reports.definitions and the suppression rules."""
        return {
            "letters_sent": self.letters_sent,
            "letters_replied": self.letters_replied,
            "letters_replied_on_time": self.letters_replied_on_time,
            "letters_due": self.letters_due,
            "letters_no_reply_by_deadline": self.letters_no_reply_by_deadline,
            "accounts_referred": self.accounts_referred,
            "accounts_closed": self.accounts_closed,
            "accounts_restored": self.accounts_restored,
            "reply_rate": self.reply_rate,
            "median_days_to_reply": self.median_days_to_reply,
            "replies_on_time_share": self.replies_on_time_share,
            "restoration_rate": self.restoration_rate,
            "no_reply_by_deadline_share": self.no_reply_by_deadline_share,
            "notices_received": self.notices_received,
            "notices_due": self.notices_due,
            "notices_answered_in_time": self.notices_answered_in_time,
            "objections_settled": self.objections_settled,
            "objections_respected": self.objections_respected,
            "median_notice_period_days": self.median_notice_period_days,
            "answered_in_time_share": self.answered_in_time_share,
            "objections_respected_share": self.objections_respected_share,
            "suspensions_without_notice": self.suspensions_without_notice,
        }


def scorecard(
    *,
    period: Period,
    platform_ids: list[int] | None = None,
    by_month: bool = False,
    now: datetime | None = None,
    platforms_by_id: dict[int, Platform] | None = None,
    referrals_from_summary: bool = False,
) -> dict[tuple[int, date | None], ScorecardRow]:
    """One row per platform (and per month, if ``by_month``), in four queries (five without
    ``platforms_by_id``, which callers that already read the platforms pass; three when no platform
    has an advance-notice agreement).

    The accounts referred, closed and restored come from joining the period's referrals to their
    cases, or with ``referrals_from_summary`` from ReferralDaySummary as beat last rebuilt it: the
    same figures (a test holds them equal), a few thousand summary rows instead of a join of every
    referral at a million complaints, and as fresh as the complaint counts beside them.

    The period selects letters by the day they were sent; a letter's replies, and its cases'
    outcomes, count whenever they came, so older periods' figures keep maturing. Advance notices
    are selected by receipt, or by their deadline for the share answered in time, and suspensions
    without notice by the action's date (reports/definitions.py).
    """
    now = now or timezone.now()
    letters = (
        Letter.objects.using(db())
        .filter(date_sent__gte=period.start_at, date_sent__lt=period.end_before)
        .exclude(letter_type=LetterType.REMINDER)
    )
    if platform_ids:
        letters = letters.filter(platform_id__in=platform_ids)
    # A reply to a reminder answers the letter it reminds about. The first such reply is read with the
    # letter to keep the dashboard's query budget: the earliest of the letter's own substantive replies
    # and of its reminders', each a correlated lookup on an index (one OR of the two would scan every
    # reply for every letter: seconds at a million complaints). LEAST skips the side that has none.
    substantive = Reply.objects.filter(kind__in=SUBSTANTIVE_REPLIES).order_by("received_at").values("received_at")
    own = Subquery(substantive.filter(letter_id=OuterRef("pk"))[:1])
    via_reminder = Subquery(substantive.filter(letter__reminder_of_id=OuterRef("pk"))[:1])
    # Days and comparisons are worked out by the database: local dates and booleans load far faster
    # than thousands of aware datetimes converted one by one.
    replied_by = Q(first_reply__lte=F("response_due_at"))
    letter_rows = list(
        letters.annotate(first_reply=Least(own, via_reminder))
        .annotate(
            sent_day=TruncDate("date_sent"),
            reply_day=TruncDate("first_reply"),
            no_deadline=ExpressionWrapper(Q(response_due_at__isnull=True), output_field=BooleanField()),
            by_deadline=ExpressionWrapper(replied_by, output_field=BooleanField()),
            deadline_passed=ExpressionWrapper(Q(response_due_at__lt=now), output_field=BooleanField()),
        )
        .values_list("pk", "platform_id", "sent_day", "reply_day", "no_deadline", "by_deadline", "deadline_passed")
    )
    ids = [pk for pk, *_rest in letter_rows]
    rows: dict[tuple[int, date | None], ScorecardRow] = {}

    def row(platform_id: int, month: date | None) -> ScorecardRow:
        key = (platform_id, month if by_month else None)
        if key not in rows:
            rows[key] = ScorecardRow(platform_id=platform_id, month=key[1])
        return rows[key]

    for _pk, platform_id, sent_day, reply_day, no_deadline, by_deadline, deadline_passed in letter_rows:
        r = row(platform_id, sent_day.replace(day=1))
        r.letters_sent += 1
        if reply_day is not None:
            r.letters_replied += 1
            r.days_to_reply.append((reply_day - sent_day).days)
            if no_deadline or by_deadline:
                r.letters_replied_on_time += 1
        if deadline_passed:
            r.letters_due += 1
            if not by_deadline:  # no reply (NULL), or a reply after the deadline
                r.letters_no_reply_by_deadline += 1

    accounts = (
        _accounts_summarised(period, platform_ids, by_month)
        if referrals_from_summary
        else _accounts_joined(ids, by_month)
    )
    for platform_id, month, referred, closed, restored in accounts:
        r = row(platform_id, month)
        r.accounts_referred, r.accounts_closed, r.accounts_restored = referred, closed, restored
    _advance_figures(row, period=period, platform_ids=platform_ids, now=now)
    _suspensions_without_notice(
        rows, row, period=period, platform_ids=platform_ids, by_month=by_month, platforms_by_id=platforms_by_id
    )
    return rows


def _accounts_joined(letter_ids: list[int], by_month: bool) -> list[tuple[int, date | None, int, int, int]]:
    """(platform, month, referred, closed, restored): the letters' distinct cases, by their state now."""
    groups: list[str] = ["letter__platform_id"] + (["month"] if by_month else [])
    rows = (
        LetterCase.objects.using(db())
        .filter(letter_id__in=letter_ids)
        .annotate(month=TruncMonth("letter__date_sent", output_field=DateField()))
        .values(*groups)
        .annotate(
            referred=Count("case", distinct=True),
            closed=Count("case", distinct=True, filter=Q(case__status=Case.Status.CLOSED)),
            restored=Count(
                "case", distinct=True, filter=Q(case__status=Case.Status.CLOSED, case__outcome__in=RESTORED)
            ),
        )
        .order_by()
    )
    return [(r["letter__platform_id"], r.get("month"), r["referred"], r["closed"], r["restored"]) for r in rows]


def _accounts_summarised(
    period: Period, platform_ids: list[int] | None, by_month: bool
) -> list[tuple[int, date | None, int, int, int]]:
    """As _accounts_joined, from the referral summary. A case counts in a span (the period, or its
    part in one month) through its first referral there: the one whose previous referral came before
    the span began, or never."""
    rows = ReferralDaySummary.objects.using(db()).filter(day__gte=period.start, day__lte=period.end)
    if platform_ids:
        rows = rows.filter(platform_id__in=platform_ids)
    span_start: Any = Value(period.start)
    if by_month:
        span_start = Greatest(span_start, TruncMonth("day", output_field=DateField()))
    groups: list[str] = ["platform_id"] + (["month"] if by_month else [])
    totals = (
        rows.filter(Q(previous_day__isnull=True) | Q(previous_day__lt=span_start))
        .annotate(month=TruncMonth("day", output_field=DateField()))
        .values(*groups)
        .annotate(
            referred=Sum("referrals"),
            closed=Coalesce(Sum("referrals", filter=Q(closed=True)), 0),
            restored=Coalesce(Sum("referrals", filter=Q(restored=True)), 0),
        )
        .order_by()
    )
    return [(r["platform_id"], r.get("month"), r["referred"], r["closed"], r["restored"]) for r in totals]


def _advance_figures(row: Any, *, period: Period, platform_ids: list[int] | None, now: datetime) -> None:
    notices = advance.notices_touching(
        using=db(), start_at=period.start_at, end_before=period.end_before, platform_ids=platform_ids
    )
    for notice in notices:
        if period.start_at <= notice.received_at < period.end_before:
            r = row(notice.platform_id, month_of(notice.received_at))
            r.notices_received += 1
            received = timezone.localtime(notice.received_at).date()
            r.notice_days.append((timezone.localtime(notice.proposed_effective_date).date() - received).days)
            respected = notice.objection_respected
            if respected is not None:
                r.objections_settled += 1
                r.objections_respected += respected
        due, answered = notice.response_due_at, notice.first_responded_at
        # A notice not yet due and not yet answered cannot be judged; one answered early can.
        if period.start_at <= due < period.end_before and (due < now or answered is not None):
            r = row(notice.platform_id, month_of(due))
            r.notices_due += 1
            r.notices_answered_in_time += answered is not None and answered <= due


def _suspensions_without_notice(
    rows: dict[tuple[int, date | None], ScorecardRow],
    row: Any,
    *,
    period: Period,
    platform_ids: list[int] | None,
    by_month: bool,
    platforms_by_id: dict[int, Platform] | None,
) -> None:
    everyone = platforms_by_id if platforms_by_id is not None else platforms()
    starts = {
        pk: start
        for pk, platform in everyone.items()
        if (not platform_ids or pk in platform_ids)
        and (start := advance.agreement_start(platform)) is not None
        and start <= period.end
    }
    counts = advance.accounts_without_notice(
        using=db(), start=period.start, end=period.end, starts=starts, by_month=by_month
    )
    for platform_id, month in counts:
        row(platform_id, month)
    for (platform_id, month), r in rows.items():
        start = starts.get(platform_id)
        if start is not None and (month is None or start <= Period.month(month).end):
            r.suspensions_without_notice = counts.get((platform_id, month), 0)


def scorecard_row_empty(*, platform: Platform, month: date) -> ScorecardRow:
    """A month with no activity: every count zero, and no suspension without notice where an
    agreement was in force (None where none was)."""
    start = advance.agreement_start(platform)
    applies = start is not None and start <= Period.month(month).end
    return ScorecardRow(platform_id=platform.pk, month=month, suspensions_without_notice=0 if applies else None)
