"""Writes for exports: the log row, the streamed export, the background job and its expiry."""

from __future__ import annotations

import logging
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files import File
from django.db import connections, transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from complaints.models import PiiAccessLog

from .. import writers
from ..datasets import DATASETS, Column, DatasetSpec
from ..models import ExportJob, ExportLog, Format, export_storage
from ..selectors import export_rows_source, export_with_pii, user_may_export

logger = logging.getLogger(__name__)


CONTENT_TYPES = {
    Format.CSV: "text/csv; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FILE_CHUNK = 64 * 1024


class ExportRefused(Exception):
    """An export this user may not make (no export permission, or not this dataset)."""


def export_log_write(
    *,
    user: User,
    spec: DatasetSpec,
    fmt: str,
    via: str,
    filters: dict[str, Any],
    row_count: int,
    with_pii: bool,
) -> ExportLog:
    with transaction.atomic():
        log = ExportLog.objects.create(
            user=user,
            dataset=spec.name,
            format=fmt,
            via=via,
            filters=filters,
            row_count=row_count,
            with_pii=with_pii,
        )
        if with_pii:
            # One row for the whole file: the export log row it points at says which rows it held.
            PiiAccessLog.objects.create(
                user=user,
                action=PiiAccessLog.Action.EXPORT,
                detail={"export": log.pk, "dataset": spec.name, "rows": row_count},
            )
    return log


@contextmanager
def _snapshot(queryset: QuerySet[Model]) -> Iterator[None]:
    """One transaction, and on PostgreSQL one snapshot, for an export's count and its rows.

    In autocommit mode PostgreSQL would open the server-side cursor WITH HOLD and materialise the
    whole result on the server before the first row; inside a transaction it streams. REPEATABLE
    READ makes the count taken first (an XLSX needs it to lay out its sheets) agree with the rows,
    whatever is filed meanwhile. Inside a caller's transaction, that transaction decides.
    """
    connection = connections[queryset.db]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=queryset.db):
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def export_rows(spec: DatasetSpec, queryset: QuerySet[Model], *, with_pii: bool) -> Iterator[list[Any]]:
    """The cells, from a server-side cursor inside one snapshot."""
    queryset = export_rows_source(queryset)
    with _snapshot(queryset):
        yield from spec.rows(queryset, with_pii=with_pii, chunk_size=settings.EXPORT_CHUNK_ROWS)


def export_write(
    out: IO[bytes],
    *,
    spec: DatasetSpec,
    queryset: QuerySet[Model],
    fmt: str,
    with_pii: bool,
    progress: writers.Progress | None = None,
    sheet_rows: int = writers.XLSX_SHEET_ROWS,
) -> int:
    """Write the export to a file object; returns the number of data rows."""
    columns = spec.columns_for(with_pii=with_pii)
    if fmt != Format.XLSX:
        return writers.csv_write(out, columns, export_rows(spec, queryset, with_pii=with_pii), progress=progress)
    source = export_rows_source(queryset)
    with _snapshot(source):
        rows = spec.rows(source, with_pii=with_pii, chunk_size=settings.EXPORT_CHUNK_ROWS)
        return writers.xlsx_write(out, columns, rows, total=source.count(), progress=progress, sheet_rows=sheet_rows)


@dataclass
class StreamedExport:
    log: ExportLog
    chunks: Iterator[bytes]
    content_type: str
    filename: str


def export_start(
    *,
    user: User,
    spec: DatasetSpec,
    queryset: QuerySet[Model],
    fmt: str,
    source: dict[str, Any],
    filters: dict[str, Any],
) -> StreamedExport | ExportJob:
    """Stream a small export now; queue a large one as a job on the `long` queue.

    ``source`` is what a worker needs to find the same rows again (see reports.changelists).
    """
    if not user_may_export(user):
        raise ExportRefused("You may not export.")
    with_pii = export_with_pii(user, spec)
    total = export_rows_source(queryset).count()
    if total <= settings.EXPORT_STREAM_MAX_ROWS:
        log = export_log_write(
            user=user, spec=spec, fmt=fmt, via=ExportLog.Via.ADMIN, filters=filters, row_count=total, with_pii=with_pii
        )
        return StreamedExport(
            log=log,
            chunks=_stream(spec=spec, queryset=queryset, fmt=fmt, with_pii=with_pii),
            content_type=CONTENT_TYPES[Format(fmt)],
            filename=f"{spec.name}-{log.at:%Y%m%d-%H%M%S}.{fmt}",
        )
    with transaction.atomic():
        log = export_log_write(
            user=user, spec=spec, fmt=fmt, via=ExportLog.Via.JOB, filters=filters, row_count=total, with_pii=with_pii
        )
        job = ExportJob.objects.create(log=log, source=source, rows_total=total)
        transaction.on_commit(lambda: export_job_publish(job_id=job.pk))
    return job


def export_job_publish(*, job_id: int) -> None:
    """Hand a job to the `long` queue. Never raises: a job whose publish was lost stays QUEUED, and
    the sweeper (export_jobs_sweep) publishes it again; the claim makes a second delivery a no-op."""
    from ..tasks import export_job_run_task  # tasks.py imports this module

    try:
        export_job_run_task.apply_async((job_id,), retry=False)
    except Exception:
        logger.warning("export job %s not published; the sweeper will publish it", job_id, exc_info=True)


def export_jobs_sweep(*, now: datetime | None = None) -> int:
    """Publish again the jobs still QUEUED a while after they were asked for; returns how many."""
    waited = (now or timezone.now()) - timedelta(seconds=settings.EXPORT_REPUBLISH_AFTER_SECONDS)
    waiting = list(
        ExportJob.objects.using("default")
        .filter(status=ExportJob.Status.QUEUED, log__at__lt=waited)
        .values_list("pk", flat=True)
    )
    for job_id in waiting:
        export_job_publish(job_id=job_id)
    return len(waiting)


def _stream(*, spec: DatasetSpec, queryset: QuerySet[Model], fmt: str, with_pii: bool) -> Iterator[bytes]:
    if fmt == Format.CSV:
        columns = spec.columns_for(with_pii=with_pii)
        yield from writers.csv_chunks(columns, export_rows(spec, queryset, with_pii=with_pii))
        return
    # A workbook is a zip whose directory comes last: it is built in a temporary file (never in
    # memory), then streamed from there.
    with tempfile.TemporaryFile() as out:
        export_write(out, spec=spec, queryset=queryset, fmt=fmt, with_pii=with_pii)
        out.seek(0)
        while chunk := out.read(FILE_CHUNK):
            yield chunk


def export_dictionary_csv(*, columns: list[Column]) -> bytes:
    return writers.csv_dictionary(columns)


def export_job_run(*, job_id: int, queryset: QuerySet[Model] | None) -> ExportJob | None:
    """Run a queued job into the private storage. Returns None if another worker has it.

    ``queryset`` is the job's rows as its user may see them now, or None if they may no longer
    export. A job left RUNNING by a worker that died is taken back once the task time limit passed.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    claimable = Q(status=ExportJob.Status.QUEUED) | Q(status=ExportJob.Status.RUNNING, claimed_at__lt=stale)
    if not ExportJob.objects.filter(claimable, pk=job_id).update(
        status=ExportJob.Status.RUNNING, claimed_at=now, rows_written=0
    ):
        return None
    job = ExportJob.objects.using("default").select_related("log__user").get(pk=job_id)
    log = job.log
    spec = DATASETS[log.dataset]
    if queryset is None:
        return _job_finish(job, status=ExportJob.Status.FAILED, error="The user may no longer export.")
    # A user who lost the PII permission since asking gets the file without it (the log says it held PII
    # because that is what was asked for and logged; the columns simply do not appear).
    with_pii = log.with_pii and export_with_pii(log.user, spec)

    def progress(rows: int) -> None:
        ExportJob.objects.filter(pk=job_id).update(rows_written=rows)

    try:
        with tempfile.TemporaryFile() as out:
            written = export_write(
                out, spec=spec, queryset=queryset, fmt=log.format, with_pii=with_pii, progress=progress
            )
            out.seek(0)
            name = export_storage().save(f"exports/{secrets.token_hex(16)}.{log.format}", File(out))
    except Exception:
        logger.exception("export job %s failed", job_id)
        return _job_finish(job, status=ExportJob.Status.FAILED, error="The export failed; ask an administrator.")
    return _job_finish(
        job,
        status=ExportJob.Status.DONE,
        file=name,
        rows_written=written,
        expires_at=timezone.now() + timedelta(hours=settings.EXPORT_EXPIRY_HOURS),
    )


def _job_finish(job: ExportJob, *, status: str, **fields: Any) -> ExportJob:
    # The source can hold a CNIC that was searched for: it is not kept once the job has run.
    ExportJob.objects.filter(pk=job.pk).update(status=status, finished_at=timezone.now(), source={}, **fields)
    job.refresh_from_db()
    return job


def exports_expire(*, now: datetime | None = None) -> int:
    """Delete the files of finished jobs past their expiry; returns how many expired."""
    now = now or timezone.now()
    storage = export_storage()
    expired = 0
    due = ExportJob.objects.filter(status=ExportJob.Status.DONE, expires_at__lte=now)
    for job_id, name in due.values_list("pk", "file"):
        # Claimed first, so a download that starts now finds the job expired rather than a missing file.
        if ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.DONE).update(
            status=ExportJob.Status.EXPIRED, file=""
        ):
            if name:
                storage.delete(name)
            expired += 1
    return expired
