"""Writes for exports: the log row, the streamed export, the background job and its expiry.

Every export writes its ExportLog row (and, when it holds PII, a PiiAccessLog EXPORT row) before the
first data row is read, in one transaction: an export that is not logged never starts.
"""

from __future__ import annotations

import io
import logging
import secrets
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO, Any

import xlsxwriter
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Model, Q, QuerySet
from django.db.models.functions import TruncDate
from django.template.loader import render_to_string
from django.utils import timezone, translation

from complaints.models import Complaint, Language, PiiAccessLog
from notices.models import Channel, Notice
from notices.services import notice_queue

from . import writers
from .dashboard import dashboard_figures, dashboard_figures_cached
from .datasets import DATASETS, Column, DatasetSpec
from .forms import DashboardFilterForm
from .models import ComplaintDaySummary, ExportJob, ExportLog, Format, MonthlyReport, export_storage
from .selectors import Period, export_rows_source, export_with_pii, user_may_export

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


def export_rows(spec: DatasetSpec, queryset: QuerySet[Model], *, with_pii: bool) -> Iterator[list[Any]]:
    """The cells, from a server-side cursor inside a transaction.

    In autocommit mode PostgreSQL would open the cursor WITH HOLD and materialise the whole result
    on the server before the first row; inside a transaction it streams. It also makes the export
    one consistent snapshot.
    """
    queryset = export_rows_source(queryset)
    with transaction.atomic(using=queryset.db):
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
    rows = export_rows(spec, queryset, with_pii=with_pii)
    if fmt == Format.XLSX:
        return writers.xlsx_write(out, columns, rows, progress=progress, sheet_rows=sheet_rows)
    return writers.csv_write(out, columns, rows, progress=progress)


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
    from .tasks import export_job_run_task  # tasks.py imports this module

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


MONTHLY_REPORT_KIND = "report_monthly"


@transaction.atomic
def summary_refresh(*, start: date, end: date) -> int:
    """Rebuild the daily summary for the local days ``start`` to ``end``; returns the rows written.

    Delete and insert in one transaction: readers see the old rows or the new ones. Two refreshes of
    the same day at once collide on the unique constraint and one fails; the next beat run repairs it.
    """
    period = Period(start, end)
    ComplaintDaySummary.objects.filter(day__gte=start, day__lte=end).delete()
    grouped = (
        Complaint.objects.filter(received_at__gte=period.start_at, received_at__lt=period.end_before)
        .annotate(day=TruncDate("received_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day", "platform_id", "action_type", "category", "province")
        .annotate(n=Count("id"))
        .order_by()
    )
    # One scan of the complaints, folded here into one count per dimension.
    cells: Counter[tuple[date, int, str, str]] = Counter()
    for day, platform_id, action_type, category, province, n in grouped.iterator(chunk_size=5000):
        cells[(day, platform_id, ComplaintDaySummary.Dimension.ACTION_TYPE, action_type)] += n
        cells[(day, platform_id, ComplaintDaySummary.Dimension.CATEGORY, category)] += n
        cells[(day, platform_id, ComplaintDaySummary.Dimension.PROVINCE, province)] += n
    now = timezone.now()
    ComplaintDaySummary.objects.bulk_create(
        [
            ComplaintDaySummary(
                day=day, platform_id=platform_id, dimension=dimension, value=value, complaints=n, refreshed_at=now
            )
            for (day, platform_id, dimension, value), n in cells.items()
        ],
        batch_size=5000,
    )
    return len(cells)


def summary_refresh_recent() -> int:
    """Beat: the last REPORTS_SUMMARY_REFRESH_DAYS local days, today included."""
    today = timezone.localdate()
    return summary_refresh(start=today - timedelta(days=settings.REPORTS_SUMMARY_REFRESH_DAYS - 1), end=today)


def dashboard_warm() -> None:
    """Beat, after each refresh: the dashboard's default view (what analysts land on), in English,
    computed ahead so the landing page comes from the cache."""
    form = DashboardFilterForm({})
    form.is_valid()
    with translation.override(Language.ENGLISH):
        dashboard_figures_cached(
            period=form.cleaned_data["period"], platform_ids=None, granularity="week", refresh=True
        )


def report_xlsx(*, figures: dict[str, Any]) -> bytes:
    """The figures as plain values, one sheet per table. No formulas: every cell is a value."""
    out = io.BytesIO()
    # strings_to_formulas off: a label that begins with "=" stays text (no formula injection).
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    percent = book.add_format({"num_format": "0%"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})

    sheet = book.add_worksheet("Scorecard")
    card = figures["scorecard"]
    sheet.write_row(0, 0, ["Platform", *(f["label"] for f in card["figures"])], bold)
    for r, row in enumerate(card["rows"], start=1):
        sheet.write_string(r, 0, row["label"])
        for c, (figure, value) in enumerate(zip(card["figures"], row["values"], strict=True), start=1):
            if value is None:
                sheet.write_blank(r, c, None)
            else:
                sheet.write_number(r, c, value, percent if figure["key"].endswith(("_rate", "_share")) else None)
    sheet.set_column(0, len(card["figures"]), 18)

    defs = book.add_worksheet("Definitions")
    defs.write_row(0, 0, ["Figure", "Definition"], bold)
    for r, figure in enumerate(card["figures"], start=1):
        defs.write_string(r, 0, figure["label"])
        defs.write_string(r, 1, figure["definition"], wrap)
    defs.write_string(len(card["figures"]) + 1, 0, "Complaints received")
    defs.write_string(len(card["figures"]) + 1, 1, figures["complaints_definition"], wrap)
    defs.set_column(0, 0, 26)
    defs.set_column(1, 1, 100)

    for chart in figures["charts"]:
        sheet = book.add_worksheet(chart["title"][:31])
        sheet.write_row(0, 0, ["", "Count"], bold)
        for r, row in enumerate(chart["rows"], start=1):
            sheet.write_string(r, 0, row["label"])
            sheet.write_number(r, 1, row["value"])
        sheet.set_column(0, 0, 34)

    about = book.add_worksheet("About")
    about.write_row(0, 0, ["Period", f"{figures['period']['start']} to {figures['period']['end']}"])
    about.write_row(1, 0, ["Platforms", figures["platforms"]])
    about.write_row(2, 0, ["Generated", timezone.localtime().isoformat(timespec="minutes")])
    about.set_column(0, 1, 30)
    book.close()
    return out.getvalue()


def report_pdf(*, figures: dict[str, Any]) -> bytes:
    """The same figures as a printable summary: the charts (inline SVG) and their tables."""
    from weasyprint import HTML  # imported late: it loads pango and fonts, which only this needs

    with translation.override(Language.ENGLISH):
        html = render_to_string(
            "reports/report_pdf.html",
            {"figures": figures, "regulator_name": settings.REGULATOR_NAME, "generated": timezone.localtime()},
        )
    return HTML(string=html).write_pdf()


def report_filename(*, period: Period, suffix: str) -> str:
    return f"{settings.REGULATOR_SHORT_NAME.lower()}-statistics-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{suffix}"


def report_figures(*, period: Period, platform_ids: list[int] | None = None) -> dict[str, Any]:
    with translation.override(Language.ENGLISH):
        figures = dashboard_figures(period=period, platform_ids=platform_ids)
    # The emailed and downloaded reports go beyond the admin: staff names stay on the dashboard.
    figures.pop("backlog")
    return figures


def previous_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def monthly_report_send(*, month: date, now: datetime | None = None) -> MonthlyReport:
    """Build last month's report once and queue one email per recipient through the outbox.

    Safe to run any number of times: the report row is unique per month and each notice's
    idempotency key names the month and the address, so a rerun only adds new recipients. The
    files are written before the rows that point to them, and the emails are queued in the same
    transaction as those rows, so a notice never points at a file that is not there.
    """
    period = Period.month(month)
    report = MonthlyReport.objects.filter(month=month).first()
    if report is None:
        figures = report_figures(period=period)
        xlsx, pdf = report_xlsx(figures=figures), report_pdf(figures=figures)
        with transaction.atomic():
            report, created = MonthlyReport.objects.select_for_update().get_or_create(month=month)
            if created:
                report.xlsx.save(report_filename(period=period, suffix="xlsx"), ContentFile(xlsx), save=False)
                report.pdf.save(report_filename(period=period, suffix="pdf"), ContentFile(pdf), save=False)
                report.save(update_fields=["xlsx", "pdf"])
    with transaction.atomic():
        report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
        body = render_to_string(
            "reports/monthly_email.txt",
            {"month": month, "period": period, "regulator_name": settings.REGULATOR_NAME},
        )
        subject, _sep, text = body.strip().partition("\n")
        for address in settings.REPORTS_MONTHLY_RECIPIENTS:
            notice = notice_queue(
                channel=Channel.EMAIL,
                recipient_kind=Notice.RecipientKind.STAFF,
                address=address,
                kind=MONTHLY_REPORT_KIND,
                language=Language.ENGLISH,
                subject=subject.strip(),
                body=text.strip() + "\n",
                idempotency_key=f"report:monthly:{month:%Y-%m}:{address.lower()}",
            )
            report.notices.add(notice)
    logger.info(
        "monthly report %s queued for %d recipients", f"{month:%Y-%m}", len(settings.REPORTS_MONTHLY_RECIPIENTS)
    )
    return report


def monthly_report_attachments(notice: Notice) -> list[tuple[str, bytes, str]]:
    """The notices app calls this when it sends a monthly report notice: the files as stored.

    A missing report or file raises, so the send fails and is retried like any other failure
    (and ends DEAD, visible to a supervisor) rather than going out without its attachments.
    """
    report = MonthlyReport.objects.get(notices=notice)
    period = Period.month(report.month)
    with report.xlsx.open("rb") as xlsx, report.pdf.open("rb") as pdf:
        return [
            (
                report_filename(period=period, suffix="xlsx"),
                xlsx.read(),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (report_filename(period=period, suffix="pdf"), pdf.read(), "application/pdf"),
        ]
