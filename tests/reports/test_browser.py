"""The statistics in Chromium: the public page in Urdu on a phone, and Omar's dashboard, each
checked with axe-core (no critical or serious violations) and photographed for a human look."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django_otp.oath import totp

from complaints.services import staff_totp_enrol
from reports.services import summary_refresh_recent
from tests.conftest import STAFF_PASSWORD
from tests.factories import complaint_create

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run()")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in {"critical", "serious"}
    ]


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
        assert axe_violations(phone_page) == []


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
    assert axe_violations(page) == []
    screenshot(page, "dashboard")

    page.fill("#id_start", "2026-05-01")
    page.fill("#id_end", "2026-04-01")
    page.click(".dash-filters button[type=submit]")
    page.wait_for_selector("text=The start date is after the end date.")
    assert axe_violations(page) == []
