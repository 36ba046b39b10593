"""Each role signs in with the second factor and lands on its own work, in Chromium at 1366x900: the
page passes axe-core (no critical or serious violation). Its screenshot goes to var/screenshots;
with UPDATE_DOCS_SCREENSHOTS=1 it replaces the one in docs/cases.md (docs/img/landing-<role>.png),
so an ordinary test run never changes a tracked file."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django_otp.oath import totp

from complaints.services import staff_totp_enrol
from notices.models import AdvanceNotice
from reports.services import summary_refresh_recent
from tests.advance.conftest import notice_submit
from tests.browser import axe_serious
from tests.conftest import STAFF_PASSWORD

from .landing_data import office_create

SCREENSHOTS = Path(settings.BASE_DIR) / (
    "docs/img" if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1" else "var/screenshots"
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("role", "username", "lands_on", "shows"),
    [
        ("caseworker", "ayesha", "**/admin/complaints/case/my/", "#content-main .landing-count"),
        ("supervisor", "sana", "**/admin/", "#team-workload"),
        ("correspondence-officer", "zara", "**/admin/", "#ready-to-refer"),
        ("analyst", "omar", "**/admin/reports/complaintdaysummary/", "text=Platform scorecard"),
    ],
)
def test_each_role_signs_in_and_lands_on_an_accessible_page_of_its_own_work(
    live_server, desktop_page, request, role, username, lands_on, shows, ayesha, bilal, sana, zara, omar, x_platform
):
    office_create(ayesha, bilal, sana)
    soon = notice_submit(x_platform, emergency=True)
    AdvanceNotice.objects.filter(pk=soon.pk).update(
        assigned_to=zara, response_due_at=timezone.now() + timedelta(hours=5)
    )
    summary_refresh_recent()
    user = request.getfixturevalue(username)
    device = staff_totp_enrol(user=user)
    page = desktop_page

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.fill("#id_otp_token", f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}")
    page.click("#login-form input[type=submit]")
    page.wait_for_url(lands_on)
    page.wait_for_selector(shows)
    assert page.locator("#my-work-link").count() == 1

    assert axe_serious(page) == []
    # The whole landing page; the analyst's long dashboard as far as the first screen shows it.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"landing-{role}.png"), full_page=role != "analyst")
