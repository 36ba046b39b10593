"""Export jobs run on the `long` queue; beat deletes expired files. Tasks take ids."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from . import services
from .changelists import changelist_queryset
from .models import ExportJob
from .selectors import user_may_export


@shared_task(acks_late=True)
def export_job_run_task(job_id: int) -> str:
    job = ExportJob.objects.using("default").select_related("log__user").filter(pk=job_id).first()
    if job is None or job.status in ExportJob.FINISHED:
        return "gone"
    user = job.log.user
    allowed = job.source and user.is_active and user_may_export(user)
    queryset = changelist_queryset(user=user, source=job.source) if allowed else None
    done = services.export_job_run(job_id=job_id, queryset=queryset)
    return "skipped" if done is None else done.status


@shared_task
def exports_expire_task() -> int:
    return services.exports_expire()


@shared_task
def export_jobs_sweep_task() -> int:
    return services.export_jobs_sweep()


@shared_task(ignore_result=True)
def summary_refresh_task() -> int:
    written = services.summary_refresh_recent()
    services.dashboard_warm()
    return written


@shared_task(ignore_result=True)
def monthly_report_task() -> int:
    report = services.monthly_report_send(month=services.previous_month(timezone.localdate()))
    return report.pk
