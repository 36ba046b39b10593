"""Background work for cases. Thin: each task calls a service, which claims its rows itself."""

from __future__ import annotations

from celery import shared_task

from .services import case_escalate_overdue


# Routed to the "long" queue with the rest of complaints.tasks (CELERY_TASK_ROUTES): a sweep over
# overdue cases must never hold up a citizen's notice.
@shared_task(ignore_result=True)
def cases_escalate_overdue_task() -> int:
    return case_escalate_overdue()
