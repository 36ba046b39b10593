"""Background work for cases. Thin: each task calls a service, which claims its rows itself."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from .services import (
    case_autoassign_sweep,
    case_escalate_overdue,
    cases_autoassign,
    evidence_quarantine_sweep,
    evidences_clean_pending,
)


# Routed to the "long" queue with the rest of complaints.tasks (CELERY_TASK_ROUTES): a sweep over
# overdue cases must never hold up a citizen's notice.
@shared_task(ignore_result=True)
def cases_escalate_overdue_task() -> int:
    return case_escalate_overdue()


# Routed to "default" (CELERY_TASK_ROUTES): a new case waits seconds, not behind a long sweep.
@shared_task(ignore_result=True)
def cases_autoassign_task() -> int:
    return cases_autoassign()


@shared_task(ignore_result=True)
def cases_autoassign_sweep_task() -> int:
    return case_autoassign_sweep(older_than_seconds=settings.CASE_AUTOASSIGN_SWEEP_AFTER_SECONDS)


# Routed to "default" with assignment: staff wait for the picture. Published after a submission with
# pictures (complaints.services.evidence), and run by beat for a publish that was lost.
@shared_task(ignore_result=True)
def evidence_clean_task() -> dict[str, int]:
    return evidences_clean_pending()


# Hourly, on "long" with the other sweeps: pictures as received that a killed worker left behind.
@shared_task(ignore_result=True)
def evidence_quarantine_sweep_task() -> int:
    return evidence_quarantine_sweep()
