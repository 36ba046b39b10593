"""Omar, an analyst, exports the filtered complaints to XLSX in a real browser: the job shows its
progress and then the download link; the page passes axe-core's checks."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from reports.models import ExportJob, ExportLog
from tests.factories import complaint_create
from tests.notices.conftest import PrivateRedis, Worker, worker_start
from tests.notices.test_browser import sign_in

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def module_worker(django_db_setup, private_redis: PrivateRedis) -> Iterator[Worker]:
    proc = worker_start(broker_url=private_redis.url, email_url="", env={"EXPORT_CHUNK_ROWS": "10"})
    yield proc
    proc.stop()


@pytest.mark.browser
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_analyst_exports_filtered_complaints_to_xlsx_and_downloads_the_file(
    live_server, chromium, module_worker, private_redis, use_broker, omar, x_platform, facebook_platform, settings
):
    use_broker(private_redis.url)
    settings.EXPORT_STREAM_MAX_ROWS = 5
    for i in range(12):
        complaint_create(account_handle=f"voice{i}", full_name="Farah Qureshi")
    complaint_create(platform=facebook_platform, account_handle="elsewhere")
    page = chromium.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True).new_page()
    page.set_default_timeout(20_000)
    sign_in(page, live_server.url, omar)

    page.goto(f"{live_server.url}/admin/complaints/complaint/?platform__id__exact={x_platform.pk}")
    page.check("#action-toggle")
    page.select_option("select[name=action]", "reports_export_all_xlsx")
    page.click("button[name=index]")

    page.wait_for_selector("text=The export of 12 rows is being prepared.")
    page.wait_for_selector("#export-progress")
    assert page.locator("#export-total").inner_text() == "12"
    link = page.get_by_role("link", name="Download the file")
    link.wait_for(state="visible", timeout=30_000)
    assert page.locator("#export-written").inner_text() == "12"
    assert page.locator("#export-state").inner_text() == "Done"

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.startswith("complaints-") and download.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    data = [list(row) for row in workbook["Data"].iter_rows(values_only=True)]
    assert len(data) == 13 and "Full name" not in data[0]
    assert ExportLog.objects.get().user == omar and ExportJob.objects.get().status == "DONE"

    # Through the DevTools protocol, which the page's Content-Security-Policy (no inline script) allows.
    page.evaluate(AXE.read_text())
    violations = page.evaluate("async () => (await axe.run(document.querySelector('#content'))).violations")
    serious = [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == []
