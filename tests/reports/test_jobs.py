"""Large exports as jobs: queued, run by a real Celery worker with progress, downloaded only by their
owner, and deleted when they expire."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from reports import services
from reports.models import ExportJob, export_storage
from reports.tasks import export_job_run_task
from tests.factories import complaint_create
from tests.notices.conftest import PrivateRedis, Worker, _wait_for, worker_start

from .conftest import body_of, csv_rows, xlsx_sheets


def _ask_for_job(client, x_platform, fmt: str = "csv") -> ExportJob:
    url = reverse("admin:complaints_complaint_changelist") + f"?platform__id__exact={x_platform.pk}"
    any_row = complaint_create(account_handle="first")
    response = client.post(url, {"action": f"reports_export_all_{fmt}", ACTION_CHECKBOX_NAME: [any_row.pk]})
    assert response.status_code == 302
    return ExportJob.objects.get()


@pytest.mark.django_db
def test_a_finished_job_is_downloaded_by_its_owner_only_and_its_file_expires(
    omar, sana, staff_client, x_platform, settings
):
    settings.EXPORT_STREAM_MAX_ROWS = 2
    for i in range(3):
        complaint_create(account_handle=f"voice{i}")
    client = staff_client(omar)
    job = _ask_for_job(client, x_platform)
    page = client.get(reverse("admin:reports_exportjob_progress", args=[job.pk]))
    assert b"Queued" in page.content and b'max="4"' in page.content

    # What the worker does, in this process (test_jobs_worker below runs it in a real one).
    assert export_job_run_task.run(job.pk) == "DONE"
    job.refresh_from_db()
    assert (job.status, job.rows_written, job.source) == ("DONE", 4, {})
    assert job.expires_at > timezone.now() + timedelta(hours=23)
    status = client.get(reverse("admin:reports_exportjob_status", args=[job.pk])).json()
    assert status["finished"] and status["download"] == reverse("admin:reports_exportjob_download", args=[job.pk])

    download = client.get(status["download"])
    assert download.status_code == 200 and "no-store" in download["Cache-Control"]
    assert len(csv_rows(body_of(download))) == 5
    # Not even a supervisor may fetch another user's export; an unknown job looks the same.
    for url in ("download", "progress", "status"):
        assert staff_client(sana).get(reverse(f"admin:reports_exportjob_{url}", args=[job.pk])).status_code == 404
    assert client.get(reverse("admin:reports_exportjob_download", args=[job.pk + 1])).status_code == 404

    name = job.file.name
    assert export_storage().exists(name)
    assert services.exports_expire(now=timezone.now() + timedelta(hours=1)) == 0
    assert services.exports_expire(now=job.expires_at + timedelta(seconds=1)) == 1
    job.refresh_from_db()
    assert job.status == "EXPIRED" and not export_storage().exists(name)
    assert client.get(status["download"]).status_code == 404


@pytest.mark.django_db
def test_a_job_whose_user_lost_the_export_permission_fails_without_a_file(omar, staff_client, x_platform, settings):
    settings.EXPORT_STREAM_MAX_ROWS = 0
    job = _ask_for_job(staff_client(omar), x_platform)
    omar.groups.clear()
    omar = type(omar).objects.get(pk=omar.pk)  # a fresh user: permissions are cached on the instance

    assert export_job_run_task.run(job.pk) == "FAILED"
    job.refresh_from_db()
    assert not job.file and job.source == {}


@pytest.mark.django_db
def test_a_job_is_run_once_even_if_delivered_twice(omar, staff_client, x_platform, settings):
    settings.EXPORT_STREAM_MAX_ROWS = 0
    job = _ask_for_job(staff_client(omar), x_platform)
    assert export_job_run_task.run(job.pk) == "DONE"
    assert export_job_run_task.run(job.pk) == "gone"


# --- With a real worker process -------------------------------------------------------------------


@pytest.fixture(scope="module")
def module_worker(django_db_setup, private_redis: PrivateRedis) -> Iterator[Worker]:
    # A private broker: the suite's autouse cache.clear() flushes TEST_REDIS_URL between tests.
    proc = worker_start(broker_url=private_redis.url, email_url="", env={"EXPORT_CHUNK_ROWS": "50"})
    yield proc
    proc.stop()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_large_export_is_queued_then_written_by_the_worker_with_progress_then_downloaded(
    module_worker, private_redis, use_broker, omar, staff_client, x_platform, settings
):
    use_broker(private_redis.url)
    settings.EXPORT_STREAM_MAX_ROWS = 5
    for i in range(30):
        complaint_create(account_handle=f"voice{i}")
    client = staff_client(omar)
    job = _ask_for_job(client, x_platform, fmt="xlsx")
    assert job.rows_total == 31

    _wait_for(
        lambda: ExportJob.objects.filter(pk=job.pk, status__in=ExportJob.FINISHED).exists(),
        timeout=30,
        what=f"export job {job.pk} to finish:\n{module_worker.output()}",
    )
    job.refresh_from_db()
    assert job.status == "DONE", module_worker.output()
    assert job.rows_written == 31
    data = body_of(client.get(reverse("admin:reports_exportjob_download", args=[job.pk])))
    assert len(xlsx_sheets(data)["Data"]) == 32


@pytest.mark.django_db
def test_a_job_whose_publish_was_lost_is_published_again_by_the_sweeper(omar, staff_client, x_platform, settings):
    import redis

    settings.EXPORT_STREAM_MAX_ROWS = 0
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("long")
    job = _ask_for_job(staff_client(omar), x_platform)  # the test client runs no on_commit: never published
    assert broker.llen("long") == 0

    assert services.export_jobs_sweep() == 0  # asked for just now: it may still be on its way
    assert services.export_jobs_sweep(now=timezone.now() + timedelta(minutes=3)) == 1
    assert broker.llen("long") == 1
    assert export_job_run_task.run(job.pk) == "DONE"
    assert services.export_jobs_sweep(now=timezone.now() + timedelta(minutes=3)) == 0
    broker.delete("long")
