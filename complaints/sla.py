"""Deadlines in working days: the weekend and public holidays come from settings, not code.

A step that takes N working days is due N working days after it started, at the same local time:
a review started on Friday at 10:00 with two working days is due on Tuesday at 10:00.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.utils import timezone


@lru_cache(maxsize=8)
def _holidays(raw: tuple[str, ...]) -> frozenset[date]:
    return frozenset(date.fromisoformat(value.strip()) for value in raw if value.strip())


def is_working_day(day: date) -> bool:
    return day.weekday() not in settings.WEEKEND_DAYS and day not in _holidays(tuple(settings.PUBLIC_HOLIDAYS))


def working_days_add(start: datetime, days: int) -> datetime:
    """``start`` moved forward by ``days`` working days, counted in the local calendar."""
    moment = timezone.localtime(start)
    added = 0
    while added < days:
        moment += timedelta(days=1)
        if is_working_day(moment.date()):
            added += 1
    # Re-attach the zone so a DST change on the way does not shift the wall-clock time.
    return timezone.make_aware(moment.replace(tzinfo=None))


def sla_working_days(*, status: str, priority: str) -> int | None:
    """How many working days a case may stay in ``status``; None where no SLA applies."""
    emergency = priority == "EMERGENCY"
    table = settings.SLA_EMERGENCY_WORKING_DAYS if emergency else settings.SLA_WORKING_DAYS
    value = table.get(status)
    return int(value) if value is not None else None


def sla_due_at(*, status: str, priority: str, start: datetime) -> datetime | None:
    days = sla_working_days(status=status, priority=priority)
    return None if days is None else working_days_add(start, days)
