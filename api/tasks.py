"""Celery tasks of the platform API: the daily purge of what is kept only for a while."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(ignore_result=True)
def api_records_purge_task() -> dict[str, int]:
    return services.api_records_purge(now=timezone.now())
