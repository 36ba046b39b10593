"""Omar, an analyst, exports the filtered complaints to XLSX in a real browser: the job shows its
progress and then the download link; the page passes axe-core's checks."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django_otp.oath import totp
from openpyxl import load_workbook

from complaints.services import staff_totp_enrol
from reports.models import ExportJob, ExportLog
from reports.services import summary_refresh_recent
from tests.browser import AXE, axe_serious
from tests.conftest import STAFF_PASSWORD
from tests.factories import complaint_create
from tests.notices.conftest import PrivateRedis, Worker, worker_start
from tests.notices.test_browser import sign_in


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


SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_the_public_statistics_read_right_to_left_on_a_phone_without_javascript(live_server, chromium, x_platform):
    for i in range(6):
        complaint_create(account_handle=f"voice_{i}")
    complaint_create(platform_slug="tiktok", account_handle="dancer")
    summary_refresh_recent()
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/ur/statistics/")
        assert page.get_attribute("html", "dir") == "rtl"
        page.select_option("#id_month", index=0)  # this month, chosen and sent without JavaScript
        page.click(".month-form button[type=submit]")
        page.wait_for_url("**/ur/statistics/?month=*")
        text = page.inner_text("main")
        assert "شماریات" in text and "<5" in text
        # Nothing wider than the phone: no sideways scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "statistics-ur-phone")
    finally:
        context.close()


def test_the_public_statistics_pass_axe(live_server, phone_page, x_platform):
    complaint_create(account_handle="voice")
    summary_refresh_recent()
    for language in ("ur", "en"):
        phone_page.goto(f"{live_server.url}/{language}/statistics/")
        assert axe_serious(phone_page) == []


def test_omar_signs_in_lands_on_the_dashboard_and_it_passes_axe(live_server, desktop_page, omar, x_platform):
    for i in range(5):
        complaint_create(account_handle=f"voice_{i}", province="PK-KP")
    summary_refresh_recent()
    device = staff_totp_enrol(user=omar)
    page = desktop_page
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "omar")
    page.fill("#id_password", STAFF_PASSWORD)
    page.fill("#id_otp_token", f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}")
    page.click("#login-form input[type=submit]")
    page.wait_for_url("**/admin/reports/complaintdaysummary/")
    assert "Platform scorecard" in page.inner_text("#content-main")
    assert axe_serious(page) == []
    screenshot(page, "dashboard")

    page.fill("#id_start", "2026-05-01")
    page.fill("#id_end", "2026-04-01")
    page.click(".dash-filters button[type=submit]")
    page.wait_for_selector("text=The start date is after the end date.")
    assert axe_serious(page) == []
