"""The monthly report: beat builds it once, the outbox emails it with its XLSX and PDF to the people
named in settings, and staff can download the same report for any dates."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from notices.models import Notice
from notices.services import notice_send
from reports.models import MonthlyReport
from reports.services import previous_month, summary_refresh_recent
from reports.tasks import monthly_report_task
from tests.cases.conftest import verified_client
from tests.factories import complaint_create

pytestmark = pytest.mark.django_db
RECIPIENTS = ["dg.operations@pta.example", "ministry.it@moitt.example"]
REPORT = "/admin/reports/complaintdaysummary/report"


@pytest.fixture(autouse=True)
def _recipients(settings):
    settings.REPORTS_MONTHLY_RECIPIENTS = RECIPIENTS


def xlsx_cells(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        assert "xl/workbook.xml" in book.namelist()
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/")]
        xml = "".join(book.read(n).decode() for n in sheets)
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in xml  # values only, never a formula
    return strings


def test_the_beat_task_queues_one_email_per_recipient_with_the_xlsx_and_pdf_attached(
    x_month, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        monthly_report_task()
    month = previous_month(timezone.localdate())
    report = MonthlyReport.objects.get(month=month)
    notices = list(Notice.objects.filter(kind="report_monthly"))
    # The address is encrypted at rest: the database cannot order by it, so compare it decrypted.
    assert sorted(n.address for n in notices) == RECIPIENTS
    assert all(n.status == Notice.Status.QUEUED and n.recipient_kind == "STAFF" for n in notices)
    assert set(report.notices.all()) == set(notices)
    assert len(callbacks) == len(RECIPIENTS)  # published only after the commit

    for notice in notices:
        assert notice_send(notice_id=notice.pk).status == Notice.Status.SENT
    assert sorted(m.to[0] for m in mail.outbox) == RECIPIENTS
    message = mail.outbox[0]
    assert f"{month:%B %Y}" in message.subject
    (xlsx_name, xlsx, xlsx_type), (pdf_name, pdf, pdf_type) = message.attachments
    assert xlsx_name.endswith(".xlsx") and xlsx_type.endswith("spreadsheetml.sheet")
    assert pdf_name.endswith(".pdf") and pdf_type == "application/pdf"
    assert "Reply rate" in xlsx_cells(xlsx) and "acknowledgement is not" in xlsx_cells(xlsx)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Platform scorecard" in text and "Complaints by platform" in text


def test_running_the_task_again_sends_nothing_twice(x_platform):
    monthly_report_task()
    monthly_report_task()
    assert MonthlyReport.objects.count() == 1
    assert Notice.objects.filter(kind="report_monthly").count() == len(RECIPIENTS)


def test_a_report_whose_file_is_gone_fails_the_send_instead_of_going_out_bare(x_platform):
    monthly_report_task()
    report = MonthlyReport.objects.get()
    report.pdf.storage.delete(report.pdf.name)
    notice = Notice.objects.filter(kind="report_monthly").first()
    assert notice_send(notice_id=notice.pk).status == Notice.Status.FAILED
    notice.refresh_from_db()
    assert "FileNotFoundError" in notice.last_error and mail.outbox == []


def test_staff_download_the_same_report_for_any_dates(omar, x_month):
    complaint_create(account_handle="fresh")
    summary_refresh_recent()
    client = verified_client(omar)
    today = timezone.localdate()
    query = f"start={today - timedelta(days=30)}&end={today}&platform=x"

    xlsx = client.get(f"{REPORT}.xlsx?{query}")
    assert xlsx.status_code == 200 and "attachment;" in xlsx["Content-Disposition"]
    assert "X (Twitter)" in xlsx_cells(xlsx.content)
    pdf = client.get(f"{REPORT}.pdf?{query}")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "Platform scorecard" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()


def test_a_bad_download_request_is_refused_with_a_reason(omar, ayesha):
    client = verified_client(omar)
    bad = client.get(f"{REPORT}.xlsx?start=2026-05-01&end=2026-04-01")
    assert bad.status_code == 400 and "The start date is after the end date." in bad.content.decode()
    assert client.get(f"{REPORT}.docx").status_code == 404
    assert verified_client(ayesha).get(f"{REPORT}.xlsx").status_code == 403
