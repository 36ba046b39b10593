"""Beat tasks for reports; routed to the "long" queue (CELERY_TASK_ROUTES), away from citizens' notices."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(ignore_result=True)
def summary_refresh_task() -> int:
    written = services.summary_refresh_recent()
    services.dashboard_warm()
    return written


# Beat runs this daily, not only on the 1st: if beat or the worker was down that day, the next run
# still sends last month's report, and the idempotency keys make every later run a no-op.
@shared_task(ignore_result=True)
def monthly_report_task() -> int:
    report = services.monthly_report_send(month=services.previous_month(timezone.localdate()))
    return report.pk
