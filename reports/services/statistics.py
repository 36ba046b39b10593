"""Writes for the statistics: the daily summary, the dashboard's cache, and the monthly report with its files."""

from __future__ import annotations

import io
import logging
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

import xlsxwriter
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.template.loader import render_to_string
from django.utils import timezone, translation

from complaints.models import Case, Complaint, Language
from notices.models import Channel, Letter, LetterCase, LetterType, Notice
from notices.services import notice_queue

from ..dashboard import dashboard_figures, dashboard_figures_cached
from ..forms import DashboardFilterForm
from ..models import ComplaintDaySummary, MonthlyReport, ReferralDaySummary
from ..selectors import RESTORED, Period

logger = logging.getLogger(__name__)


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


@transaction.atomic
def referral_summary_refresh() -> int:
    """Rebuild the referral summary whole; returns the rows written.

    Whole, because a case closed or reopened today changes the rows of every day it was referred on.
    It is one pass over the referrals in the database (a few seconds at a million complaints), made
    by beat rather than by each dashboard request. Delete and insert in one transaction: readers see
    the old rows or the new ones.
    """
    summary = ReferralDaySummary._meta.db_table
    letter, link, case = Letter._meta.db_table, LetterCase._meta.db_table, Case._meta.db_table
    with connection.cursor() as cursor:
        # Two rebuilds at once would each delete what they can see and both insert: the lock makes the
        # second wait, then delete the first one's rows. Readers are not blocked.
        cursor.execute(f"LOCK TABLE {summary} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {summary}")  # noqa: S608 - table names come from the models
        # The local day of sending, as the scorecard's periods and months count it; the previous
        # referral of the same case to the same platform orders letters by sending, then by id.
        cursor.execute(
            f"""
            INSERT INTO {summary} (day, platform_id, previous_day, closed, restored, referrals, refreshed_at)
            SELECT day, platform_id, previous_day, closed, restored, count(*), %(now)s
            FROM (
                SELECT
                    (l.date_sent AT TIME ZONE %(tz)s)::date AS day,
                    l.platform_id,
                    lag((l.date_sent AT TIME ZONE %(tz)s)::date) OVER (
                        PARTITION BY lc.case_id, l.platform_id ORDER BY l.date_sent, l.id
                    ) AS previous_day,
                    c.status = %(closed)s AS closed,
                    c.status = %(closed)s AND c.outcome = ANY(%(restored)s) AS restored
                FROM {link} lc
                JOIN {letter} l ON l.id = lc.letter_id
                JOIN {case} c ON c.id = lc.case_id
                WHERE l.date_sent IS NOT NULL AND l.letter_type <> %(reminder)s
            ) referral
            GROUP BY day, platform_id, previous_day, closed, restored
            """,  # noqa: S608
            {
                "now": timezone.now(),
                "tz": timezone.get_current_timezone_name(),
                "closed": Case.Status.CLOSED.value,
                "restored": [str(outcome) for outcome in RESTORED],
                "reminder": LetterType.REMINDER.value,
            },
        )
        return cursor.rowcount


def summary_refresh_recent() -> int:
    """Beat: the last REPORTS_SUMMARY_REFRESH_DAYS local days of complaints, today included, and the
    referrals whole. Returns the rows written."""
    today = timezone.localdate()
    written = summary_refresh(start=today - timedelta(days=settings.REPORTS_SUMMARY_REFRESH_DAYS - 1), end=today)
    return written + referral_summary_refresh()


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
