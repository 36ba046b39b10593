"""Celery tasks: thin wrappers that take ids, call a service, and own the retries.

All route to the "notices" queue (CELERY_TASK_ROUTES), apart from long jobs on "long".
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(bind=True, acks_late=True, max_retries=None, ignore_result=True)
def notice_send_task(self: Any, notice_id: int) -> str:
    result = services.notice_send(notice_id=notice_id)
    if result.retry_in is not None:
        # FAILED (backoff) or THROTTLED (rate limit): the row records the state, the broker the timer.
        # If this retry message is lost too, the sweeper publishes the row once it is due.
        raise self.retry(countdown=result.retry_in)
    return result.status


@shared_task(ignore_result=True)
def acknowledgements_send_task() -> dict[str, int]:
    return services.acknowledgements_send()


@shared_task(ignore_result=True)
def notice_sweep_task() -> dict[str, int]:
    return services.notice_sweep()


@shared_task(ignore_result=True)
def letter_remind_overdue_task() -> int:
    return services.letter_remind_overdue()


@shared_task(ignore_result=True)
def advance_notice_deadlines_task() -> dict[str, int]:
    now = timezone.now()
    return {
        "warned": services.advance_notice_warn_due(now=now),
        "lapsed": services.advance_notice_lapse_overdue(now=now),
    }
